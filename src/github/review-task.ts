/**
 * The CPU-bound half of a pull request review — parse, resolve, validate, simulate, generate,
 * render — as one pure function of plain data, so that it runs in a worker thread
 * (review-pool.ts) and the event loop stays free for HTTP, health checks and the queue.
 */
import type { CheckRunOutput } from "../report/check-run.js";
import { reviewChanges } from "../review/index.js";
import { buildReviewInputFromFetched, type FetchedReviewFiles } from "./review-input.js";

export interface ReviewTask {
  fetched: FetchedReviewFiles;
  /** `https://github.com/owner/repo/blob/<head>`, for line links. */
  blobUrl: string;
  notes: string[];
}

export interface UnreadableFile {
  path: string;
  code: string;
  message: string;
}

export interface ReviewTaskResult {
  touchesCanaries: boolean;
  comment: string;
  check: CheckRunOutput;
  canaries: number;
  /**
   * Changed manifests that could not be read (too large, over the review's budget): they may hold
   * Canaries, so a review without Canaries must not say "no Canary changes" while they exist.
   */
  unreadable: UnreadableFile[];
}

export type ReviewExecutor = (task: ReviewTask) => Promise<ReviewTaskResult>;

const UNREADABLE_CODES = new Set(["FILE_TOO_LARGE", "NOT_REVIEWED"]);

export function runReviewTask(task: ReviewTask): ReviewTaskResult {
  const input = buildReviewInputFromFetched(task.fetched);
  const review = reviewChanges({ ...input, blobUrl: task.blobUrl, notes: task.notes });
  const changed = new Set(input.changedPaths);
  const unreadable = input.head
    .filter((file) => changed.has(file.path))
    .flatMap((file) => file.findings.filter((f) => UNREADABLE_CODES.has(f.code)).slice(0, 1).map((f) => ({ path: file.path, code: f.code, message: f.message })));
  return { touchesCanaries: review.touchesCanaries, comment: review.comment, check: review.check, canaries: review.model.canaries.length, unreadable };
}

/** The review on the calling thread (tests, the CLI's dry run, a pool of size 0). */
export const runReviewInProcess: ReviewExecutor = async (task) => runReviewTask(task);
