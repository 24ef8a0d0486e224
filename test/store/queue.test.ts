/** The job queue on PGlite and on a real PostgreSQL: one waiting job per key, one running, leases, retries. */
import { describe, expect, it } from "vitest";
import {
  claimJob,
  completeJob,
  enqueueJob,
  enqueueJobs,
  extendJobLease,
  failJob,
  getQueueStats,
  migrateStore,
  pruneDeliveries,
  readMigrations,
  recordDelivery,
  requeueExpiredJobs,
  rescheduleJob,
  type Store,
} from "../../src/store/index.js";
import { splitStatements } from "../../src/store/migrate.js";
import { storeBackends , useStore } from "../support/store.js";

const review = (key: string, payload: Record<string, unknown> = {}, installationId = 1) => ({ kind: "review" as const, key, installationId, payload, maxAttempts: 3 });
const claim = (store: Store, workerId = "w1", leaseMs = 30_000) => claimJob(store, { workerId, kinds: ["review"], leaseMs });

describe.each(storeBackends())("queue on $name", (backend) => {
  const store = useStore(backend, "TRUNCATE jobs, deliveries RESTART IDENTITY");

  it("applies each migration once, even when asked twice", async () => {
    expect(await migrateStore(store)).toEqual([]);
    const rows = await store.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
    expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
  });

  it("queues a list of jobs in one statement as enqueueJob one after the other does", async () => {
    const list = [review("pr#2", { head: "v1" }, 4), review("pr#1", { head: "v1" }), review("pr#2", { head: "v2", rerun: true }, 5), { ...review("pr#3"), delayMs: 60_000 }];
    await enqueueJob(store, review("pr#1", { base: "main" }));
    expect(await enqueueJobs(store, list)).toEqual({ queued: 2, merged: 1 });
    const batched = await store.query("SELECT key, installation_id::int, payload, max_attempts, run_at > now() + interval '30 seconds' AS later FROM jobs ORDER BY key");
    await store.query("TRUNCATE jobs");
    await enqueueJob(store, review("pr#1", { base: "main" }));
    for (const job of list) await enqueueJob(store, job);
    expect(await store.query("SELECT key, installation_id::int, payload, max_attempts, run_at > now() + interval '30 seconds' AS later FROM jobs ORDER BY key")).toEqual(batched);
    expect(batched.map((j) => (j as { payload: unknown }).payload)).toEqual([{ base: "main", head: "v1" }, { head: "v2", rerun: true }, {}]);
    expect(await enqueueJobs(store, [])).toEqual({ queued: 0, merged: 0 });
  });

  it("keeps one waiting job per key, merging newer payloads into it", async () => {
    const first = await enqueueJob(store, review("pr#1", { head: "v1" }));
    const second = await enqueueJob(store, review("pr#1", { head: "v3", rerun: true }));
    const third = await enqueueJob(store, review("pr#1", { head: "v2" }));
    expect(first.merged).toBe(false);
    expect([second.id, third.id]).toEqual([first.id, first.id]);
    expect(third.merged).toBe(true);
    const job = await claim(store);
    expect(job?.payload).toEqual({ head: "v2", rerun: true });
    expect(await claim(store)).toBeNull();
  });

  it("runs one job per key at a time; a newer one waits behind the running one", async () => {
    await enqueueJob(store, review("pr#1"));
    const running = (await claim(store))!;
    await enqueueJob(store, review("pr#1", { n: 2 }));
    await enqueueJob(store, review("pr#2"));
    const other = await claim(store, "w2");
    expect(other?.key).toBe("pr#2");
    expect(await claim(store, "w2")).toBeNull();
    await completeJob(store, { id: running.id, workerId: "w1" });
    expect((await claim(store, "w2"))?.payload).toEqual({ n: 2 });
  });

  it("never runs a review and a comment redraw of one pull request at once, in either order", async () => {
    const comment = (key: string) => ({ kind: "comment" as const, key, installationId: 1, payload: {}, maxAttempts: 3 });
    const claimAny = (workerId: string) => claimJob(store, { workerId, kinds: ["review", "comment", "gate-evaluate"], leaseMs: 30_000 });
    await enqueueJob(store, review("pr#1"));
    const running = (await claimAny("w1"))!;
    await enqueueJob(store, comment("pr#1"));
    await enqueueJob(store, comment("pr#2"));
    // A gate job of the same key is not a comment writer: it runs beside the review.
    await enqueueJob(store, { kind: "gate-evaluate", key: "pr#1", installationId: 1, payload: {}, maxAttempts: 3 });
    const beside = [(await claimAny("w2"))!, (await claimAny("w2"))!].map((j) => `${j.kind}:${j.key}`).sort();
    expect(beside).toEqual(["comment:pr#2", "gate-evaluate:pr#1"]);
    expect(await claimAny("w2")).toBeNull();
    await completeJob(store, { id: running.id, workerId: "w1" });
    const redraw = (await claimAny("w2"))!;
    expect([redraw.kind, redraw.key]).toEqual(["comment", "pr#1"]);
    // And the other way round: a review waits for the running redraw.
    await enqueueJob(store, review("pr#1"));
    expect(await claimAny("w3")).toBeNull();
    await completeJob(store, { id: redraw.id, workerId: "w2" });
    expect((await claimAny("w3"))?.kind).toBe("review");
  });

  it("gives the installation with fewer running jobs the next turn", async () => {
    for (let i = 0; i < 5; i += 1) await enqueueJob(store, review(`a#${i}`, {}, 100));
    await enqueueJob(store, review("b#1", {}, 200));
    expect((await claim(store))?.installationId).toBe(100);
    expect((await claim(store))?.installationId).toBe(200);
  });

  it("retries with a delay, releases without counting an attempt, and fails for good", async () => {
    await enqueueJob(store, review("pr#1"));
    const job = (await claim(store))!;
    expect(job.attempts).toBe(0);
    expect(await rescheduleJob(store, { id: job.id, workerId: "w1", delayMs: 60_000, error: "GitHub answered 502", countAttempt: true })).toBe("rescheduled");
    expect(await claim(store)).toBeNull();
    expect((await getQueueStats(store)).retrying).toBe(1);
    await store.query("UPDATE jobs SET run_at = now()");
    const again = (await claim(store))!;
    expect(again.attempts).toBe(1);
    await rescheduleJob(store, { id: again.id, workerId: "w1", delayMs: 0, countAttempt: false });
    const third = (await claim(store))!;
    expect(third.attempts).toBe(1);
    await failJob(store, { id: third.id, workerId: "w1", error: "gave up" });
    expect(await getQueueStats(store)).toMatchObject({ queued: {}, running: {}, failed: { review: 1 } });
  });

  it("drops a retried job into a newer one waiting for its key", async () => {
    await enqueueJob(store, review("pr#1", { rerun: true }));
    const job = (await claim(store))!;
    await enqueueJob(store, review("pr#1", { newer: true }));
    expect(await rescheduleJob(store, { id: job.id, workerId: "w1", delayMs: 0, countAttempt: true })).toBe("merged");
    expect((await claim(store))?.payload).toEqual({ rerun: true, newer: true });
  });

  it("takes a job back from a worker whose lease expired (a crashed process)", async () => {
    await enqueueJob(store, review("pr#1"));
    const job = (await claim(store, "dead", 1))!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await extendJobLease(store, { id: job.id, workerId: "dead", leaseMs: 1 })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await requeueExpiredJobs(store)).toBe(1);
    const taken = (await claim(store, "alive"))!;
    expect(taken.id).toBe(job.id);
    // The dead worker's late writes change nothing.
    await completeJob(store, { id: job.id, workerId: "dead" });
    expect(await extendJobLease(store, { id: job.id, workerId: "dead", leaseMs: 1000 })).toBe(false);
    expect((await getQueueStats(store)).running).toEqual({ review: 1 });
  });

  it("reports depth, running jobs and the age of the oldest waiting job", async () => {
    await enqueueJob(store, review("pr#1"));
    await enqueueJob(store, review("pr#2"));
    await store.query("UPDATE jobs SET created_at = now() - interval '90 seconds' WHERE key = 'pr#1'");
    await claim(store);
    const stats = await getQueueStats(store);
    expect(stats.queued).toEqual({ review: 1 });
    expect(stats.running).toEqual({ review: 1 });
    // pr#1 is the older and runs: the oldest waiting one is pr#2.
    expect(stats.oldestQueuedSeconds).toBeLessThan(60);
  });

  it("records a delivery id once and forgets old ones", async () => {
    expect(await recordDelivery(store, { id: "d-1", event: "pull_request" })).toBe(true);
    expect(await recordDelivery(store, { id: "d-1", event: "pull_request" })).toBe(false);
    await store.query("UPDATE deliveries SET received_at = now() - interval '4 days'");
    expect(await pruneDeliveries(store, { maxAgeMs: 3 * 24 * 3600 * 1000 })).toBe(1);
  });

  it("never lets two concurrent claimers take the same job or the same key", async () => {
    for (let i = 0; i < 40; i += 1) await enqueueJob(store, review(`pr#${i % 20}`, { i }));
    const claimed = (await Promise.all(Array.from({ length: 30 }, (_, i) => claim(store, `w${i}`)))).filter((j) => j !== null);
    expect(new Set(claimed.map((j) => j!.key)).size).toBe(claimed.length);
    expect(claimed).toHaveLength(20);
  });
});

describe("migration files", () => {
  it("are numbered from 1 without gaps and split into statements", () => {
    const migrations = readMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(splitStatements("CREATE TABLE a (x int);\n-- note\nCREATE INDEX b ON a (x);\n")).toEqual(["CREATE TABLE a (x int)", "CREATE INDEX b ON a (x)"]);
  });
});
