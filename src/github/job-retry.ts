/**
 * What a job does after a GitHub failure, the same for every job kind (review, gate, command): a
 * request GitHub refused for good (GitHubRequestError: 404, 422 …) fails the job; anything else is
 * retried while attempts remain, honouring what GitHub asked (retry-after, the rate limit's reset)
 * within the back-off's cap (QUEUE_LIMITS.retry.capMs: minutes, not hours).
 */
import { QUEUE_LIMITS } from "../limits.js";
import type { JobContext, JobOutcome } from "../store/runner.js";
import { GitHubRequestError, GitHubRetryableError, type Log } from "./port.js";

export interface JobRetry {
  reason: string;
  willRetry: boolean;
  delayMs: number;
  outcome: JobOutcome;
}

export function decideJobRetry(error: unknown, context: Pick<JobContext, "nextRetry">): JobRetry {
  const reason = error instanceof Error ? error.message : String(error);
  const willRetry = context.nextRetry !== null && !(error instanceof GitHubRequestError);
  const asked = error instanceof GitHubRetryableError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
  const delayMs = Math.min(QUEUE_LIMITS.retry.capMs, Math.max(asked, context.nextRetry?.delayMs ?? 0));
  return { reason, willRetry, delayMs, outcome: willRetry ? { outcome: "retry", reason, delayMs } : { outcome: "failed", reason } };
}

/**
 * A job attempt failed: decides as decideJobRetry and logs it the same way for every kind
 * (`<what> failed; retrying later` or `…; giving up`, with the job's fields and the delay).
 */
export function logJobFailure(params: { error: unknown; context: Pick<JobContext, "nextRetry">; log: Pick<Log, "warn">; fields: Record<string, unknown>; what: string }): JobRetry {
  const retry = decideJobRetry(params.error, params.context);
  params.log.warn({ ...params.fields, err: params.error, retryInMs: retry.willRetry ? retry.delayMs : null }, `${params.what} failed; ${retry.willRetry ? "retrying later" : "giving up"}`);
  return retry;
}
