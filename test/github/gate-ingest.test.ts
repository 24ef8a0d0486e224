/**
 * Batched ingestion on PGlite and on a real PostgreSQL (issue 12): a batch holding replays,
 * out-of-order events and several Canaries ends where one-by-one ingestion ends; a failed batch
 * answers 500 for each of its events and leaves nothing behind; two processes racing on the same
 * Canaries lose and double nothing; a pull request that starts waiting during a batch is not missed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { getObservationKey, ingestObservation } from "../../src/cluster/ingest.js";
import { formatCanaryKey, type FlaggerEvent } from "../../src/gate/flagger-event.js";
import { buildEmptyRecord, type PromotionObservation } from "../../src/gate/promotion.js";
import { createGateIngest, ingestAndNotifyBatch } from "../../src/github/gate-jobs.js";
import { createFlaggerEventsRoute } from "../../src/github/merge-gate-wiring.js";
import { replaceWaitingKeys } from "../../src/store/gate-store.js";
import type { Queryable, Store } from "../../src/store/index.js";
import { buildRecordLockSql, lockPromotionRecordKeys } from "../../src/store/ingest-batch.js";
import { createStorePromotionStore, getPromotionRecords } from "../../src/store/promotion-store.js";
import { eventPayload, MINUTE, runEvents, T0 } from "../gate/helpers.js";
import { createMemoryPromotionStore } from "../support/memory-promotion-store.js";
import { newSchemaName, storeBackends , useStore } from "../support/store.js";

const TOKEN = "staging-token-0123456789abcdef0123";
const names = ["app-0", "app-1", "app-2", "app-3"];
const keyOf = (name: string) => ({ cluster: "staging", namespace: "test", name });
const getKey = (observation: PromotionObservation) => formatCanaryKey(getObservationKey(observation));

/** Two runs of each Canary, a merged revision before each: 60-odd observations. */
function buildObservations(): PromotionObservation[] {
  return names.flatMap((name, i) => [
    { kind: "merge" as const, key: keyOf(name), merge: { pullRequest: 100 + i, sha: `${i}`.repeat(40), mergedAt: T0 - MINUTE, images: [`${name}:1`] } },
    ...runEvents({ name, previous: "a", checksum: `b${i}`, start: T0 + i * 1000, outcome: i === 2 ? "failed" : "succeeded" }).map((event) => ({ kind: "event" as const, event })),
    ...runEvents({ name, previous: `b${i}`, checksum: `c${i}`, start: T0 + 3_600_000, outcome: "open" }).map((event) => ({ kind: "event" as const, event })),
  ]);
}

/** A fixed shuffle (no chance in the verdict) with every fifth observation delivered twice. */
function shuffleWithReplays<T>(items: readonly T[]): T[] {
  const shuffled = items.map((item, i) => ({ item, order: (i * 7919) % items.length })).sort((a, b) => a.order - b.order).map((x) => x.item);
  return [...shuffled, ...shuffled.filter((_, i) => i % 5 === 0)];
}

async function buildReference(observations: readonly PromotionObservation[]) {
  const reference = createMemoryPromotionStore();
  const results = [];
  for (const observation of observations) results.push(await ingestObservation(reference, observation));
  return { records: new Map([...reference.records].map(([k, v]) => [k, v.record])), results };
}

async function readRecords(store: Queryable) {
  return new Map((await getPromotionRecords(store, names.map(keyOf))).map((r) => [formatCanaryKey(r), r]));
}

async function countRows(store: Queryable, table: "promotion_records" | "flagger_events" | "jobs") {
  return (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;
}

/** Each pull request n waits on app-(n mod 4), installation 7. */
async function seedWaiting(store: Queryable, pulls = 8) {
  for (let n = 1; n <= pulls; n++) await replaceWaitingKeys(store, { owner: "acme", repo: "gitops", number: n, installationId: 7, keys: [keyOf(names[n % names.length]!)] });
}

describe.each(storeBackends())("batched ingestion on $name", (backend) => {
  const store = useStore(backend, "TRUNCATE jobs, promotion_records, flagger_events, gate_waiting");

  it("applies one batch of replays, out-of-order events and several Canaries as one-by-one ingestion does, and queues each waiting PR once", async () => {
    await seedWaiting(store);
    const delivered = shuffleWithReplays(buildObservations());
    const reference = await buildReference(delivered);
    let woken = 0;
    const results = await ingestAndNotifyBatch({ store, observations: delivered, wake: () => woken++ });
    expect(results.map((r) => [formatCanaryKey(r.key), r.changed, r.newEvent])).toEqual(reference.results.map((r) => [formatCanaryKey(r.key), r.changed, r.newEvent]));
    expect(await readRecords(store)).toEqual(reference.records);
    const events = delivered.filter((o): o is { kind: "event"; event: FlaggerEvent } => o.kind === "event");
    expect(await countRows(store, "flagger_events")).toBe(new Set(events.map((o) => o.event.key)).size);
    const jobs = await store.query<{ key: string; payload: unknown }>("SELECT key, payload FROM jobs WHERE kind = 'gate-evaluate' AND state = 'queued' ORDER BY key");
    expect(jobs.map((j) => j.key)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `7/acme/gitops#${n}`).sort());
    expect(jobs[0]!.payload).toEqual({ owner: "acme", repo: "gitops", number: 1 });
    expect(woken).toBe(1);
    // Every observation of a changed Canary counts the PRs waiting on it.
    expect(results.filter((r) => r.changed).every((r) => r.queued === 2)).toBe(true);

    // The same batch again changes nothing and queues nothing.
    await store.query("DELETE FROM jobs");
    const again = await ingestAndNotifyBatch({ store, observations: delivered });
    expect(again.every((r) => !r.changed && !r.newEvent && r.queued === 0)).toBe(true);
    expect(await countRows(store, "jobs")).toBe(0);
  });

  it("reads a record again when another writer changed it since this process cached it, even after it was deleted and written anew", async () => {
    const delivered = buildObservations().filter((o) => o.kind === "merge" || getKey(o) === "staging/test/app-0");
    const reference = await buildReference(delivered);
    const ingest = createGateIngest({ store });
    const half = Math.floor(delivered.length / 2);
    for (const observation of delivered.slice(0, half)) await ingest(observation);
    // Another process (the bare port, no cache) applies the rest, then this process replays it all.
    const other = createStorePromotionStore(store);
    for (const observation of delivered.slice(half)) await ingestObservation(other, observation);
    for (const observation of delivered) expect((await ingest(observation)).changed).toBe(false);
    expect(await readRecords(store)).toEqual(reference.records);

    // The row deleted and written anew, up to the same version with other content: not the cached row.
    const { version } = (await other.getPromotionRecord(keyOf("app-0")))!;
    await store.query("TRUNCATE promotion_records");
    const empty = buildEmptyRecord(keyOf("app-0"));
    for (let v = 0; v < version; v++) expect((await other.upsertPromotionRecord({ record: empty, expectedVersion: v === 0 ? null : v })).ok).toBe(true);
    const replayed = delivered.find((o) => o.kind === "event")!;
    expect((await ingest(replayed)).changed).toBe(true);
  });

  it("answers 500 for every event of a batch that fails, keeps nothing of it, and takes the replays", async () => {
    await seedWaiting(store);
    let failing = true;
    // The batch's last statement fails, as if the process or the connection died before COMMIT.
    const flaky: Store = {
      kind: store.kind,
      listen: (channels, onNotify) => store.listen(channels, onNotify),
      query: (sql, params) => store.query(sql, params),
      transaction: (fn) =>
        store.transaction((tx) =>
          fn({
            query: async (sql, params) => {
              if (failing && sql.includes("INSERT INTO flagger_events")) throw new Error("connection terminated unexpectedly");
              return tx.query(sql, params);
            },
          }),
        ),
      close: async () => {},
    };
    const failures: unknown[] = [];
    const route = createFlaggerEventsRoute({ clusters: [{ name: "staging", eventToken: TOKEN }], ingest: createGateIngest({ store: flaky }), now: () => T0, log: { warn() {}, error: (fields) => void failures.push(fields.err) } });
    const server = createServer((req, res) => void route(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/flagger/events/staging?token=${TOKEN}`;
      const payloads = names.map((name, i) => eventPayload({ name, phase: "Progressing", checksum: `b${i}`, message: `Advance ${name}.test canary weight 10`, at: T0 + i }));
      const post = (body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const statuses = await Promise.all(payloads.map(async (p) => (await post(p)).status));
      expect(statuses).toEqual([500, 500, 500, 500]);
      expect(failures.length).toBe(4);
      expect([await countRows(store, "promotion_records"), await countRows(store, "flagger_events"), await countRows(store, "jobs")]).toEqual([0, 0, 0]);

      failing = false;
      const answers = await Promise.all(payloads.map(async (p) => (await (await post(p)).json()) as { changed: boolean; duplicate: boolean }));
      expect(answers.every((a) => a.changed && !a.duplicate)).toBe(true);
      expect([await countRows(store, "promotion_records"), await countRows(store, "flagger_events"), await countRows(store, "jobs")]).toEqual([4, 4, 8]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

const postgres = storeBackends().find((b) => b.name === "postgres");

describe.skipIf(!postgres)("batched ingestion from two processes on one PostgreSQL", () => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it("ends with the records of one writer when two processes ingest the same Canaries at once, each event logged once, each waiting PR queued once", async () => {
    const schema = newSchemaName();
    const [a, b] = [await postgres!.open({ schema }), await postgres!.open({ schema })];
    stores.push(a!, b!);
    await seedWaiting(a!);
    const observations = buildObservations();
    const delivered = shuffleWithReplays([...observations, ...buildObservations().map((o) => o)]);
    const reference = await buildReference(delivered);
    const ingests = [createGateIngest({ store: a! }), createGateIngest({ store: b! })];
    // Eight in flight per process, alternating: both processes' batches hold the same Canaries.
    const queues = [0, 1].map((p) => delivered.filter((_, i) => i % 2 === p));
    await Promise.all(
      queues.flatMap((queue, p) =>
        Array.from({ length: 8 }, async (_, lane) => {
          for (let i = lane; i < queue.length; i += 8) await ingests[p]!(queue[i]!);
        }),
      ),
    );
    expect(await readRecords(a!)).toEqual(reference.records);
    expect(await countRows(a!, "flagger_events")).toBe(new Set(delivered.flatMap((o) => (o.kind === "event" ? [o.event.key] : []))).size);
    expect(await a!.query("SELECT key FROM jobs WHERE kind = 'gate-evaluate' AND state = 'queued' ORDER BY key")).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ key: `7/acme/gitops#${n}` })).sort((x, y) => (x.key < y.key ? -1 : 1)));
  });

  it("makes a pull request that starts waiting during a batch wait for the batch, so the batch's change is either seen by its gate or queues its evaluation", async () => {
    const schema = newSchemaName();
    const [a, b] = [await postgres!.open({ schema }), await postgres!.open({ schema })];
    stores.push(a!, b!);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // A batch holding app-0's lock (what ingestAndNotifyBatch takes first).
    const batch = a!.transaction(async (tx) => {
      await lockPromotionRecordKeys(tx, [keyOf("app-0")]);
      locked();
      await held;
    });
    await lockTaken;
    let waitingWritten = false;
    const waiting = replaceWaitingKeys(b!, { owner: "acme", repo: "gitops", number: 1, installationId: 7, keys: [keyOf("app-0"), keyOf("app-1")] }).then(() => {
      waitingWritten = true;
    });
    // The gate's write is blocked on the batch's lock (seen by PostgreSQL, not guessed from time).
    for (;;) {
      const [row] = await a!.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
           AND ((classid::bigint << 32) | objid::bigint) = ${buildRecordLockSql("'staging/test/app-0'")}`,
      );
      if (row!.n > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(waitingWritten).toBe(false);
    release();
    await batch;
    await waiting;
    expect(await a!.query("SELECT record_key FROM gate_waiting ORDER BY record_key")).toEqual([{ record_key: "staging/test/app-0" }, { record_key: "staging/test/app-1" }]);
  });
});
