/**
 * The notifications of migrations/004_gate_notify.sql through Store.listen, on PGlite and on a real
 * PostgreSQL (TEST_DATABASE_URL): every write the gate weighs notifies, from the writer's own
 * transaction, and a store hears its own schema only. Also: migration files may hold
 * dollar-quoted function bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATE_NOTIFY_CHANNEL } from "../../src/cluster/gate-inputs.js";
import { insertCommandRecords, markApprovalConsumed, upsertPullRequestHead } from "../../src/store/approvals.js";
import type { Store } from "../../src/store/index.js";
import { splitStatements } from "../../src/store/migrate.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { commandRecord, promotionWithRun } from "../support/approvals.js";
import { until } from "../support/github-app.js";
import { newSchemaName, storeBackends } from "../support/store.js";

describe("splitStatements", () => {
  it("keeps a dollar-quoted body whole, with its semicolons at line ends", () => {
    const sql = "-- a note\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\n  RETURN NULL;\nEND\n$$;\n\nCREATE TABLE a (x int);\n";
    expect(splitStatements(sql)).toEqual(["CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\n  RETURN NULL;\nEND\n$$", "CREATE TABLE a (x int)"]);
  });
});

describe.each(storeBackends())("gate notifications on $name", (backend) => {
  let store: Store;
  let writer: Store;
  let other: Store | undefined;
  beforeAll(async () => {
    const schema = newSchemaName();
    store = await backend.open({ schema });
    writer = backend.name === "postgres" ? await backend.open({ schema }) : store;
    // Another schema on the same database: its writes are not this store's business.
    if (backend.name === "postgres") other = await backend.open();
  });
  afterAll(async () => {
    await other?.close();
    if (writer !== store) await writer.close();
    await store.close();
  });

  it("notifies each write to approvals, promotion records and heads, with what changed, to this schema's listeners only", async () => {
    const heard: string[] = [];
    const states: boolean[] = [];
    const subscription = await store.listen(GATE_NOTIFY_CHANNEL, { onNotify: (p) => heard.push(p), onState: (s) => states.push(s) });
    try {
      await until(() => states.at(-1) === true, 30_000, "delivery to start");
      if (other) await insertCommandRecords(other, [commandRecord({ canary: { environment: "x", cluster: "elsewhere", namespace: "test", name: "podinfo" } })]);
      const approval = commandRecord();
      await insertCommandRecords(writer, [approval]);
      await markApprovalConsumed(writer, { key: approval.key, at: "2026-11-29T12:10:00.000Z" });
      await upsertPullRequestHead(writer, { repository: "acme/gitops", pullRequest: 7, headSha: "b".repeat(40), pushedAt: null });
      await createStorePromotionStore(writer).upsertPromotionRecord({ record: promotionWithRun({ startedAt: Date.UTC(2026, 10, 29, 12) }), expectedVersion: null });
      await writer.transaction(async (tx) => {
        await tx.query("TRUNCATE gate_calls");
        await tx.query("TRUNCATE pull_request_heads");
      });
      const expected = ["canary:staging/test/podinfo", "canary:staging/test/podinfo", "pull:acme/gitops#7", "canary:staging/test/podinfo", "all:"];
      await until(() => heard.length >= expected.length, 30_000, "the notifications");
      expect(heard).toEqual(expected);
    } finally {
      await subscription.close();
    }
    expect(states.at(-1)).toBe(false);
  });

  it("sync resolves only once every notification committed before it was heard, and no listener hears a sync", async () => {
    const heard: string[] = [];
    const heardByWriter: string[] = [];
    const states: boolean[] = [];
    const subscription = await store.listen(GATE_NOTIFY_CHANNEL, { onNotify: (p) => heard.push(p), onState: (s) => states.push(s) });
    // A second listener of the same schema (another process on PostgreSQL), syncing at the same time.
    const writerStates: boolean[] = [];
    const writerSubscription = await writer.listen(GATE_NOTIFY_CHANNEL, { onNotify: (p) => heardByWriter.push(p), onState: (s) => writerStates.push(s) });
    try {
      await until(() => states.at(-1) === true && writerStates.at(-1) === true, 30_000, "delivery to start");
      for (let pull = 1; pull <= 12; pull += 1) {
        await upsertPullRequestHead(writer, { repository: "acme/gitops", pullRequest: pull, headSha: "c".repeat(40), pushedAt: null });
        // Not a wait for the notification: the sync must not come back before it. (A sync that
        // only awaited its own query would still pass most rounds: the order itself is PostgreSQL's
        // guarantee, "notifications of different transactions are delivered in commit order"; this
        // checks that sync rests on it — its own notification, swallowed, on the listening connection.)
        const [, other] = await Promise.all([subscription.sync(), writerSubscription.sync()]);
        expect(other).toBeUndefined();
        expect(heard).toContain(`pull:acme/gitops#${pull}`);
      }
      expect(heard.filter((p) => p.startsWith("sync:"))).toEqual([]);
      await until(() => heardByWriter.length >= 12, 30_000, "the writer's listener to hear the writes");
      expect(heardByWriter.filter((p) => p.startsWith("sync:"))).toEqual([]);
    } finally {
      await writerSubscription.close();
      await subscription.close();
    }
    if (backend.name === "postgres") await expect(subscription.sync()).rejects.toThrow(/not being delivered/);
  });
});
