/** The job runner: handlers by kind, outcomes, bounded back-off, and stop with a grace period. */
import { describe, expect, it } from "vitest";
import { computeRetryDelayMs, createJobRunner, enqueueJob, getQueueStats, type Job, type JobOutcome, type Store } from "../../src/store/index.js";
import { storeBackends , useStore } from "../support/store.js";

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("retry back-off", () => {
  it("doubles from the base and never exceeds the cap (minutes, not hours)", () => {
    const delays = Array.from({ length: 20 }, (_, i) => computeRetryDelayMs(i + 1));
    expect(delays.slice(0, 3)).toEqual([5_000, 10_000, 20_000]);
    expect(Math.max(...delays)).toBe(5 * 60_000);
  });
});

describe.each(storeBackends())("runner on $name", (backend) => {
  const store = useStore(backend, "TRUNCATE jobs, deliveries RESTART IDENTITY");

  it("runs each job through its kind's handler, retries, runs again, and fails after the last attempt", async () => {
    const seen: Array<[string, number, boolean]> = [];
    const outcomes: Record<string, JobOutcome[]> = {
      ok: [{ outcome: "done" }],
      flaky: [{ outcome: "retry", reason: "502", delayMs: 0 }, { outcome: "done" }],
      moved: [{ outcome: "again" }, { outcome: "again" }, { outcome: "done" }],
      broken: [{ outcome: "retry", reason: "500", delayMs: 0 }, { outcome: "retry", reason: "500", delayMs: 0 }],
    };
    const runner = createJobRunner({
      store,
      concurrency: 2,
      pollMs: 20,
      handlers: {
        review: async (job: Job, context) => {
          seen.push([job.key, job.attempts, context.nextRetry === null]);
          return outcomes[job.key]!.shift()!;
        },
      },
    });
    for (const key of Object.keys(outcomes)) await enqueueJob(store, { kind: "review", key, payload: {}, maxAttempts: 2 });
    runner.start();
    await until(async () => Object.values(outcomes).every((o) => o.length === 0) && runner.running === 0);
    await runner.stop({ graceMs: 1000 });
    const stats = await getQueueStats(store);
    expect(stats).toMatchObject({ queued: {}, running: {}, failed: { review: 1 } });
    expect(seen.filter(([key]) => key === "moved").map(([, attempts]) => attempts)).toEqual([0, 0, 0]);
    expect(seen.filter(([key]) => key === "broken")).toEqual([
      ["broken", 0, false],
      ["broken", 1, true],
    ]);
  });

  it("on stop, lets a short job finish and releases a long one to the queue, unattempted", async () => {
    let release: (() => void) | undefined;
    const runner = createJobRunner({
      store,
      concurrency: 2,
      pollMs: 20,
      handlers: {
        review: (job, { signal }) =>
          job.key === "short"
            ? new Promise((resolve) => setTimeout(() => resolve({ outcome: "done" }), 50))
            : new Promise((resolve) => {
                release = () => resolve({ outcome: "done" });
                signal.addEventListener("abort", () => resolve({ outcome: "done" }));
              }),
      },
    });
    await enqueueJob(store, { kind: "review", key: "short", payload: {}, maxAttempts: 3 });
    await enqueueJob(store, { kind: "review", key: "long", payload: {}, maxAttempts: 3 });
    runner.start();
    await until(() => runner.running === 2);
    await runner.stop({ graceMs: 300 });
    release?.();
    const rows = await store.query<{ key: string; state: string; attempts: number }>("SELECT key, state, attempts FROM jobs");
    expect(rows).toEqual([{ key: "long", state: "queued", attempts: 0 }]);
  });
});
