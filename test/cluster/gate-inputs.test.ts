/**
 * The gate route deciding from remembered inputs (src/cluster/gate-inputs.ts), on PGlite and on a
 * real PostgreSQL (TEST_DATABASE_URL). On PostgreSQL the writes come from a second store on the
 * same schema, as another server process's would; on PGlite from the same store (one process owns
 * it). What is checked: a remembered 200 is never answered for a later run, a pushed-to pull
 * request or a voided approval, right after the write (no waiting for a notification); a remembered
 * 403 turns 200 once an approval is written; a lost notification connection changes no answer.
 * No assertion depends on how fast anything is: waits are polls with a generous deadline.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRememberingGateInputs, matchesFingerprint, type GateInputs, type GateInputsReader } from "../../src/cluster/gate-inputs.js";
import { createFlaggerGatesHandler, type FlaggerGatesHandler } from "../../src/cluster/gates-route.js";
import { insertCommandRecords, listGateCalls, markApprovalsInvalidated, upsertPullRequestHead } from "../../src/store/approvals.js";
import { getGateFingerprint } from "../../src/store/gate-fingerprint.js";
import type { Store } from "../../src/store/index.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { LISTEN_APPLICATION_NAME, type StoreListenHandlers } from "../../src/store/store.js";
import { GATE_LIMITS } from "../../src/limits.js";
import { commandRecord, HEAD_SHA, promotionWithRun } from "../support/approvals.js";
import { until } from "../support/github-app.js";
import { newSchemaName, storeBackends } from "../support/store.js";

const TOKEN = "s3cr3t-0123456789abcdef0123456789";
const T_RUN = Date.UTC(2026, 10, 29, 12, 0, 0);
const T_NEXT = Date.UTC(2026, 10, 29, 13, 0, 0);
const NOW = Date.UTC(2026, 10, 29, 13, 30, 0);
const RUN_ID = "staging/test/podinfo@2026-11-29T12:00:00.000Z";
const NEXT_RUN_ID = "staging/test/podinfo@2026-11-29T13:00:00.000Z";
const KEY = { cluster: "staging", namespace: "test", name: "podinfo" };
const payload = { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "85d557f47b", metadata: {} };

/**
 * A store whose notifications wait in line while held: what notifications still on their way look
 * like. A sync waits in the same line, behind them, as PostgreSQL delivers in commit order.
 */
function delayingNotifications(store: Store): { store: Store; hold(): void; release(): void } {
  let held = true;
  const line: Array<() => void> = [];
  const wrapped = Object.assign(Object.create(store) as Store, {
    listen: async (channel: string, handlers: StoreListenHandlers) => {
      const subscription = await store.listen(channel, {
        onNotify: (payload) => (held ? line.push(() => handlers.onNotify(payload)) : handlers.onNotify(payload)),
        onState: handlers.onState,
      });
      return {
        close: () => subscription.close(),
        sync: async () => {
          await subscription.sync();
          if (held) await new Promise<void>((resolve) => line.push(resolve));
        },
      };
    },
  });
  return {
    store: wrapped,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const deliver of line.splice(0)) deliver();
    },
  };
}

describe.each(storeBackends())("gate decisions from remembered inputs on $name", (backend) => {
  let store: Store;
  /** Where other writers write: a second store on the same schema (PostgreSQL), the same store (PGlite). */
  let writer: Store;
  let server: Server | undefined;
  let gates: FlaggerGatesHandler | undefined;
  let inputs: GateInputsReader | undefined;
  let url: string;

  beforeAll(async () => {
    const schema = newSchemaName();
    store = await backend.open({ schema });
    writer = backend.name === "postgres" ? await backend.open({ schema }) : store;
  });
  afterAll(async () => {
    if (writer !== store) await writer.close();
    await store.close();
  });
  beforeEach(async () => {
    await store.query("TRUNCATE command_records, gate_calls, pull_request_heads, promotion_records");
  });
  afterEach(async () => {
    server?.closeAllConnections();
    if (server) await new Promise((resolve) => server!.close(resolve));
    await gates?.flush();
    await inputs?.close();
    server = undefined;
    gates = undefined;
    inputs = undefined;
  });

  /** Notifications the mounted memory has heard (PostgreSQL delivers them moments after the commit). */
  let notifications = 0;
  const mount = async (source: Store = store, options: { clock?: () => number } = {}) => {
    const promotions = createStorePromotionStore(source);
    notifications = 0;
    const counting = Object.assign(Object.create(source) as Store, {
      listen: (channel: string, handlers: StoreListenHandlers) =>
        source.listen(channel, {
          onNotify: (payload) => {
            notifications += 1;
            handlers.onNotify(payload);
          },
          onState: handlers.onState,
        }),
    });
    const reader = await createRememberingGateInputs({ store: counting, promotions, ...options });
    // Spies: which calls found remembered inputs, and how many remembered 200s a query confirmed.
    const fromMemory: boolean[] = [];
    const confirmed = { count: 0 };
    inputs = {
      ...reader,
      recall: (key) => {
        const remembered = reader.recall(key);
        fromMemory.push(remembered !== undefined);
        return remembered;
      },
      confirm: (key, remembered) => {
        confirmed.count += 1;
        return reader.confirm(key, remembered);
      },
    };
    gates = createFlaggerGatesHandler({ clusters: [{ name: "staging", eventToken: TOKEN }], store: source, promotions, now: () => NOW, log: { warn() {}, error() {} }, inputs, writeBehind: { flushMs: 5, maxBatch: 100 } });
    const handler = gates;
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/flagger/gates/staging/confirm-promotion?token=${TOKEN}`;
    return { fromMemory, confirmed };
  };
  const call = async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
    const body = (await response.json()) as { code: string; run: string | null };
    return [response.status, body.code, body.run] as const;
  };
  const writeRun = async (startedAt: number) => {
    const promotions = createStorePromotionStore(writer);
    const stored = await promotions.getPromotionRecord(KEY);
    expect((await promotions.upsertPromotionRecord({ record: promotionWithRun({ startedAt }), expectedVersion: stored?.version ?? null })).ok).toBe(true);
  };
  /**
   * A write, and the wait until the memory heard of it: on PostgreSQL a remembered 200 may be late
   * by up to GATE_LIMITS.openFromMemoryMs (the test below shows the bound), so "the very next call"
   * means the next call after the notification.
   */
  const heard = async (write: () => Promise<unknown>) => {
    const before = notifications;
    await write();
    await until(() => notifications > before, 30_000, "the write's notification");
  };
  /** Two calls in a row answered 200 (the second from memory): the memory holds the open gate. */
  const openAndRemember = async (fromMemory: boolean[]) => {
    await until(async () => (await call())[0] === 200, 30_000, "the gate to open");
    await until(async () => (await call())[0] === 200 && fromMemory.at(-1) === true, 30_000, "an answer from memory");
  };

  it("remembers a closed gate, opens it once an approval is written, and never opens a later run with it", async () => {
    const { fromMemory } = await mount();
    await writeRun(T_RUN);
    expect(await call()).toEqual([403, "NOT_APPROVED", RUN_ID]);
    await until(async () => (await call())[0] === 403 && fromMemory.at(-1) === true, 30_000, "a 403 from memory");
    await insertCommandRecords(writer, [commandRecord({ runId: RUN_ID })]);
    await openAndRemember(fromMemory);
    // The approval is consumed by its run; the next run must not open, from the very next call.
    await until(async () => (await listGateCalls(store, { cluster: "staging" })).some((c) => c.approvalKey !== null), 30_000, "the calls to be stored");
    await openAndRemember(fromMemory);
    await heard(() => writeRun(T_NEXT));
    expect(await call()).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN", NEXT_RUN_ID]);
    expect(await call()).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN", NEXT_RUN_ID]);
  });

  it("closes a remembered open gate at the next call after a push or a voided approval", async () => {
    const { fromMemory } = await mount();
    await writeRun(T_RUN);
    const approval = commandRecord({ runId: RUN_ID });
    await insertCommandRecords(writer, [approval]);
    await openAndRemember(fromMemory);
    await heard(() => upsertPullRequestHead(writer, { repository: "acme/gitops", pullRequest: 7, headSha: "b".repeat(40), pushedAt: null }));
    expect((await call()).slice(0, 2)).toEqual([403, "APPROVAL_OUTDATED"]);

    await upsertPullRequestHead(writer, { repository: "acme/gitops", pullRequest: 7, headSha: HEAD_SHA, pushedAt: null });
    await openAndRemember(fromMemory);
    await heard(() => markApprovalsInvalidated(writer, [{ ...approval, invalidatedAt: new Date(NOW).toISOString(), invalidation: "pushed to" }]));
    expect((await call()).slice(0, 2)).toEqual([403, "NOT_APPROVED"]);
  });

  it.skipIf(backend.name !== "postgres")("confirms a remembered 200 with the store: a new run, a push or a voided approval closes the gate even when no notification arrives", async () => {
    const approval = commandRecord({ runId: RUN_ID });
    const writes: Array<[string, () => Promise<unknown>, string]> = [
      ["a new run", () => writeRun(T_NEXT), "APPROVAL_FOR_ANOTHER_RUN"],
      ["a push", () => upsertPullRequestHead(writer, { repository: "acme/gitops", pullRequest: 7, headSha: "b".repeat(40), pushedAt: null }), "APPROVAL_OUTDATED"],
      ["a voided approval", () => markApprovalsInvalidated(writer, [{ ...approval, invalidatedAt: new Date(NOW).toISOString(), invalidation: "pushed to" }]), "NOT_APPROVED"],
    ];
    for (const [what, write, code] of writes) {
      await store.query("TRUNCATE command_records, gate_calls, pull_request_heads, promotion_records");
      const { fromMemory } = await mount(delayingNotifications(store).store);
      await writeRun(T_RUN);
      await insertCommandRecords(writer, [approval]);
      await openAndRemember(fromMemory);
      await write();
      expect((await call()).slice(0, 2), what).toEqual([403, code]);
      expect(fromMemory.at(-1), what).toBe(true); // the memory held the open gate: the confirmation closed it
      server!.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
      await gates!.flush();
      await inputs!.close();
      server = undefined;
      gates = undefined;
      inputs = undefined;
    }
  });

  it.skipIf(backend.name !== "postgres")("opens from memory while a sync proves it recent, and confirms with the store once the proof is older than the bound", async () => {
    let now = 1_000_000;
    const delayed = delayingNotifications(store);
    delayed.release();
    const { fromMemory, confirmed } = await mount(delayed.store, { clock: () => now });
    await writeRun(T_RUN);
    await insertCommandRecords(writer, [commandRecord({ runId: RUN_ID })]);
    await openAndRemember(fromMemory);
    // The first remembered 200s were confirmed by a query; once a sync came back, none is.
    await until(async () => {
      const before = confirmed.count;
      return (await call())[0] === 200 && fromMemory.at(-1) === true && confirmed.count === before;
    }, 30_000, "a 200 from memory with no query");
    for (let i = 0; i < 5; i += 1) {
      const before = confirmed.count;
      expect(await call()).toEqual([200, "APPROVED", RUN_ID]);
      expect(confirmed.count).toBe(before);
    }

    // A new run is written; its notification (and every sync after it) is still on its way.
    delayed.hold();
    await writeRun(T_NEXT);
    // Within the bound the memory may be that late, and no later:
    now += GATE_LIMITS.openFromMemoryMs;
    expect(await call()).toEqual([200, "APPROVED", RUN_ID]);
    now += 1;
    const before = confirmed.count;
    expect(await call()).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN", NEXT_RUN_ID]);
    expect(confirmed.count).toBe(before + 1);
    expect(fromMemory.at(-1)).toBe(true);
    // The notification arrives: the memory forgets the old run and reads the new one.
    delayed.release();
    expect(await call()).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN", NEXT_RUN_ID]);
    expect(fromMemory.at(-1)).toBe(false);
  });

  it.skipIf(backend.name !== "postgres")("answers right while the notification connection is cut, and remembers again once it is back", async () => {
    let now = 1_000_000;
    const { fromMemory } = await mount(store, { clock: () => now });
    await writeRun(T_RUN);
    await insertCommandRecords(writer, [commandRecord({ runId: RUN_ID })]);
    await openAndRemember(fromMemory);
    // Cut every notification connection of this database (other test files' reconnect too).
    const cut = await writer.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()", [LISTEN_APPLICATION_NAME]);
    expect(cut.length).toBeGreaterThan(0);
    await writer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()", [LISTEN_APPLICATION_NAME]);
    // Written while the connection is down: its notification is lost. Whenever the memory learns
    // that the connection ended, the syncs stop coming back, so past the bound nothing opens from it.
    now += GATE_LIMITS.openFromMemoryMs + 1;
    await writeRun(T_NEXT);
    expect(await call()).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN", NEXT_RUN_ID]);
    await insertCommandRecords(writer, [commandRecord({ runId: NEXT_RUN_ID, commentId: 1002 })]);
    await until(async () => (await call())[0] === 200, 30_000, "the approval of the new run to open the gate");
    // Back: the memory is used again, and still follows the writes.
    await until(async () => (await call())[0] === 200 && fromMemory.at(-1) === true, 60_000, "answers from memory after the reconnect");
    await heard(() => writeRun(T_NEXT + 60_000));
    expect((await call()).slice(0, 2)).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN"]);
  });

  it("the fingerprint describes exactly the inputs read: version, approvals and their heads", async () => {
    const reader = await createRememberingGateInputs({ store, promotions: createStorePromotionStore(store) });
    inputs = reader;
    const key = { ...KEY, hook: "confirm-promotion" as const };
    await writeRun(T_RUN);
    await insertCommandRecords(writer, [commandRecord({ runId: RUN_ID })]);
    const read: GateInputs = await reader.read(key);
    expect(matchesFingerprint(read, await getGateFingerprint(store, key))).toBe(true);
    expect(await reader.confirm(key, read)).toBe(true);
    await upsertPullRequestHead(writer, { repository: "acme/gitops", pullRequest: 7, headSha: HEAD_SHA, pushedAt: null });
    expect(await reader.confirm(key, read)).toBe(false);
    const withHead = await reader.read(key);
    expect(await reader.confirm(key, withHead)).toBe(true);
    await insertCommandRecords(writer, [commandRecord({ runId: RUN_ID, commentId: 1002 })]);
    expect(await reader.confirm(key, withHead)).toBe(false);
    const both = await reader.read(key);
    await writeRun(T_NEXT);
    expect(await reader.confirm(key, both)).toBe(false);
    // Concurrent confirmations share queries and all get the store's answer.
    const fresh = await reader.read(key);
    expect(await Promise.all(Array.from({ length: 20 }, () => reader.confirm(key, fresh)))).toEqual(Array(20).fill(true));
  });
});
