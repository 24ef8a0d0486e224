/**
 * The App's event handling. A delivery becomes jobs (events.ts) and the `review` job does the work
 * (review-job.ts). The server (src/server.ts, wired in src/main.ts) records jobs in the store's
 * durable queue and answers at once; `app` here is the same handling as a Probot app function
 * that runs the jobs in-process before the delivery is answered — for `probot.receive` in tests and
 * in the GitHub-requests benchmark.
 */
import type { ApplicationFunction, Probot } from "probot";
import { GITHUB_LIMITS } from "../limits.js";
import type { Job } from "../store/queue.js";
import { computeRetryDelayMs, type JobHandler, type JobOutcome } from "../store/runner.js";
import { buildJobsForEvent, REVIEW_ACTIONS, type PlannedJob } from "./events.js";
import type { Metrics } from "./metrics.js";
import { createOctokitPort, type AppIdentity } from "./octokit-port.js";
import type { Log } from "./port.js";
import { createReviewJobHandler } from "./review-job.js";
import { runReviewInProcess, type ReviewExecutor } from "./review-task.js";

export { REVIEW_ACTIONS };

export interface CanaryBotAppOptions {
  metrics: Metrics;
  execute?: ReviewExecutor;
  identity?: AppIdentity;
  /**
   * Milliseconds per second of back-off between attempts in the in-process queue (1000). Tests of
   * the retry behaviour make it 1.
   */
  retryTimeScaleMs?: number;
}

export interface CanaryBotApp {
  app: ApplicationFunction;
  /** Resolves when no in-process job runs or waits. */
  drain(): Promise<void>;
}

export function createCanaryBotApp(options: CanaryBotAppOptions): CanaryBotApp {
  const { metrics } = options;
  const scale = (options.retryTimeScaleMs ?? 1000) / 1000;
  const chains = new Map<string, Promise<unknown>>();

  const app: ApplicationFunction = (probot: Probot) => {
    const log = probot.log as unknown as Log;
    let handler: JobHandler;
    const runJobs = async (jobs: PlannedJob[]): Promise<void> => {
      await Promise.all(jobs.map((job) => runSerially(job)));
    };
    const runSerially = (planned: PlannedJob): Promise<unknown> => {
      const previous = chains.get(planned.key) ?? Promise.resolve();
      const next = previous.then(() => runInProcess({ planned, handler, scale }));
      const settled = next.catch(() => {});
      chains.set(planned.key, settled);
      void settled.then(() => {
        if (chains.get(planned.key) === settled) chains.delete(planned.key);
      });
      return next;
    };
    handler = createReviewJobHandler({
      getPort: async ({ installationId, repository }) => createOctokitPort({ octokit: await probot.auth(installationId), repository, ...(options.identity ? { identity: options.identity } : {}) }),
      execute: options.execute ?? runReviewInProcess,
      enqueue: runJobs,
      log,
      onReviewed: ({ outcome, seconds }) => metrics.reviewDuration.observe({ outcome }, seconds),
    });
    probot.onAny(async (context) => {
      const decision = buildJobsForEvent({ name: context.name, payload: context.payload });
      if (decision.action !== "enqueue") {
        metrics.deliveries.inc({ event: decision.event, outcome: decision.action === "ignore" ? "ignored" : "rejected" });
        if (decision.action === "reject") log.warn({ event: decision.event, reason: decision.reason }, "delivery rejected");
        return;
      }
      metrics.deliveries.inc({ event: decision.event, outcome: "queued" });
      // Gate and command jobs need the store (main.ts); this in-process app has none.
      await runJobs(decision.jobs.filter((job) => job.kind === "review"));
    });
  };

  return {
    app,
    async drain() {
      while (chains.size > 0) await Promise.all(chains.values());
    },
  };
}

/** One job, attempted until done or out of attempts, waiting its back-off in between (in-process queue). */
async function runInProcess(params: { planned: PlannedJob; handler: JobHandler; scale: number }): Promise<JobOutcome["outcome"]> {
  const { planned, handler, scale } = params;
  const maxAttempts = GITHUB_LIMITS.reviewAttempts;
  const job: Job = { id: 0, kind: planned.kind, key: planned.key, installationId: planned.installationId, payload: planned.payload, attempts: 0, maxAttempts, createdAt: new Date() };
  // A head that keeps moving is followed a few times, then left to the next event.
  for (let again = 0; again < 10; ) {
    const attempt = job.attempts + 1;
    const delayMs = computeRetryDelayMs(attempt);
    const result = await handler(job, { signal: new AbortController().signal, nextRetry: attempt >= maxAttempts ? null : { delayMs, at: new Date(Date.now() + delayMs) } });
    if (result.outcome === "again") {
      again += 1;
      continue;
    }
    if (result.outcome !== "retry") return result.outcome;
    job.attempts += 1;
    await new Promise((resolve) => setTimeout(resolve, (result.delayMs ?? delayMs) * scale));
  }
  return "again";
}
