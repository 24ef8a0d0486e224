/**
 * Runs queued jobs: a handler per job kind (the registry), `concurrency` jobs at a time, each under
 * a renewed lease. What a handler returns decides the job's fate: done, retried after a bounded
 * back-off, run again at once (a review whose pull request moved on), or failed. On stop it takes
 * no new job, lets the running ones finish within the grace period, then releases the rest to the
 * queue (another replica, or this one after a restart, runs them).
 */
import { randomUUID } from "node:crypto";
import { QUEUE_LIMITS } from "../limits.js";
import { claimJob, completeJob, extendJobLease, failJob, requeueExpiredJobs, rescheduleJob, type Job, type JobKind } from "./queue.js";
import type { Store } from "./store.js";

export type JobOutcome =
  | { outcome: "done" }
  /** Try again after `delayMs` (default: the back-off of this attempt); counts an attempt. */
  | { outcome: "retry"; reason: string; delayMs?: number }
  /** Run again now without counting an attempt (the work moved on, e.g. a newer head). */
  | { outcome: "again" }
  | { outcome: "failed"; reason: string };

export interface JobContext {
  /** Aborted when the process stops and the grace period is over. */
  signal: AbortSignal;
  /** When a retry of this job would run, or null when this is its last attempt. */
  nextRetry: { delayMs: number; at: Date } | null;
}

export type JobHandler = (job: Job, context: JobContext) => Promise<JobOutcome>;

export interface JobRunnerEvents {
  onFinished?(params: { job: Job; outcome: JobOutcome["outcome"] | "error" | "released"; seconds: number }): void;
  onError?(params: { job?: Job; error: unknown }): void;
}

export interface JobRunner {
  start(): void;
  /** A job was queued: look now rather than at the next poll. */
  wake(): void;
  /** Stops taking jobs; running ones get `graceMs`, then are released to the queue. */
  stop(params: { graceMs: number }): Promise<void>;
  readonly running: number;
  readonly concurrency: number;
  readonly workerId: string;
}

/** The wait before attempt `attempt + 1` (1-based attempts done): doubling from the base, capped. */
export function computeRetryDelayMs(attempt: number, limits: { baseMs: number; capMs: number } = QUEUE_LIMITS.retry): number {
  return Math.min(limits.capMs, limits.baseMs * 2 ** Math.max(0, attempt - 1));
}

export function createJobRunner(params: {
  store: Store;
  handlers: Partial<Record<JobKind, JobHandler>>;
  concurrency: number;
  workerId?: string;
  pollMs?: number;
  leaseMs?: number;
  retry?: { baseMs: number; capMs: number };
  events?: JobRunnerEvents;
}): JobRunner {
  const { store, handlers, concurrency } = params;
  const workerId = params.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const pollMs = params.pollMs ?? QUEUE_LIMITS.pollMs;
  const leaseMs = params.leaseMs ?? QUEUE_LIMITS.leaseMs;
  const retry = params.retry ?? QUEUE_LIMITS.retry;
  const kinds = Object.keys(handlers) as JobKind[];
  const active = new Map<number, { job: Job; done: Promise<void>; abort: AbortController }>();
  let stopping = false;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;
  let lastReap = 0;

  const report = (error: unknown, job?: Job) => params.events?.onError?.({ error, ...(job ? { job } : {}) });

  const runJob = async (job: Job, abort: AbortController) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const heartbeat = setInterval(() => {
      extendJobLease(store, { id: job.id, workerId, leaseMs }).catch((error) => report(error, job));
    }, Math.max(50, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    const attempt = job.attempts + 1;
    const last = attempt >= job.maxAttempts;
    const delayMs = computeRetryDelayMs(attempt, retry);
    let result: JobOutcome | { outcome: "error"; error: unknown };
    try {
      result = await handlers[job.kind]!(job, { signal: abort.signal, nextRetry: last ? null : { delayMs, at: new Date(Date.now() + delayMs) } });
    } catch (error) {
      result = { outcome: "error", error };
    } finally {
      clearInterval(heartbeat);
    }
    if (abort.signal.aborted) {
      // Released already (stop's grace period ran out): the queue owns the job again.
      params.events?.onFinished?.({ job, outcome: "released", seconds: seconds() });
      return;
    }
    try {
      switch (result.outcome) {
        case "done":
          await completeJob(store, { id: job.id, workerId });
          break;
        case "again":
          await rescheduleJob(store, { id: job.id, workerId, delayMs: 0, countAttempt: false });
          break;
        case "retry":
        case "error": {
          const reason = result.outcome === "retry" ? result.reason : String((result.error as Error)?.message ?? result.error);
          if (result.outcome === "error") report(result.error, job);
          if (last) await failJob(store, { id: job.id, workerId, error: reason });
          else await rescheduleJob(store, { id: job.id, workerId, delayMs: result.outcome === "retry" ? (result.delayMs ?? delayMs) : delayMs, error: reason, countAttempt: true });
          break;
        }
        case "failed":
          await failJob(store, { id: job.id, workerId, error: result.reason });
          break;
      }
    } catch (error) {
      // The store is unreachable: the lease expires and the job is run again.
      report(error, job);
    }
    params.events?.onFinished?.({ job, outcome: result.outcome, seconds: seconds() });
  };

  const fill = async () => {
    if (Date.now() - lastReap > leaseMs / 2) {
      lastReap = Date.now();
      await requeueExpiredJobs(store);
    }
    while (!stopping && active.size < concurrency) {
      const job = await claimJob(store, { workerId, kinds, leaseMs });
      if (!job) break;
      const abort = new AbortController();
      const entry = { job, abort, done: Promise.resolve() };
      entry.done = runJob(job, abort).finally(() => {
        active.delete(job.id);
        pump();
      });
      active.set(job.id, entry);
    }
  };

  const pump = () => {
    if (!started || stopping) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        try {
          await fill();
        } catch (error) {
          report(error);
        }
      } while (again && !stopping);
    })().finally(() => {
      pumping = undefined;
    });
  };

  const schedule = () => {
    timer = setTimeout(() => {
      pump();
      if (!stopping) schedule();
    }, pollMs);
    timer.unref();
  };

  return {
    workerId,
    concurrency,
    get running() {
      return active.size;
    },
    start() {
      if (started) return;
      started = true;
      schedule();
      pump();
    },
    wake() {
      pump();
    },
    async stop({ graceMs }) {
      stopping = true;
      clearTimeout(timer);
      await pumping;
      let deadline: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        deadline = setTimeout(() => resolve("timeout"), graceMs);
      });
      await Promise.race([Promise.all([...active.values()].map((a) => a.done)), timeout]);
      clearTimeout(deadline);
      for (const { job, abort } of active.values()) {
        abort.abort();
        await rescheduleJob(store, { id: job.id, workerId, delayMs: 0, countAttempt: false }).catch((error) => report(error, job));
      }
    },
  };
}
