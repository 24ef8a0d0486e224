/**
 * Reviews in worker threads (piscina), one thread per core by default: a 1,000-Canary review
 * takes seconds of CPU, and on the main thread it held /healthz for up to 18 s (issue 10).
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ReviewExecutor, ReviewTask, ReviewTaskResult } from "./review-task.js";

export interface ReviewPool {
  run: ReviewExecutor;
  readonly threads: number;
  /** Share of the pool's time spent running reviews since it started (0–1). */
  utilization(): number;
  /** Reviews waiting for a free thread. */
  queued(): number;
  close(): Promise<void>;
}

export function createReviewPool(params: { threads?: number; filename?: string } = {}): ReviewPool {
  const threads = Math.max(1, params.threads ?? availableParallelism());
  const pool = new Piscina<ReviewTask, ReviewTaskResult>({
    // The compiled worker next to this module (dist/github/review-worker.js); tests pass a bundle.
    filename: params.filename ?? fileURLToPath(new URL("./review-worker.js", import.meta.url)),
    minThreads: threads,
    maxThreads: threads,
    // A thread serves one review at a time: the CPU is the limit, not I/O.
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  return {
    threads,
    run: (task) => pool.run(task),
    utilization: () => pool.utilization,
    queued: () => pool.queueSize,
    close: () => pool.close({ force: true }),
  };
}
