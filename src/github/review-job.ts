/**
 * The `review` job: review a pull request's CURRENT head, read when the job starts — never the head
 * an event carried. Events only say "look at this pull request"; however they arrive (v1, v3, v2),
 * the job that runs last reads v3. A head that moves while the job reads makes it run again at
 * once (never dropped). When GitHub keeps failing, the check run and the sticky comment say so.
 */
import type { Job } from "../store/queue.js";
import type { JobContext, JobOutcome } from "../store/runner.js";
import { buildReviewJob, type PlannedJob, type ReviewJobPayload } from "./events.js";
import type { GitHubPort, Log, RepositoryRef } from "./port.js";
import { buildFailureOutput, ensureCommentMarkedOutdated, type ReviewFailure } from "./review-failure.js";
import { reviewPullRequest, type ReviewedForGate, type ReviewOutcome } from "./review-pull-request.js";
import type { ReviewExecutor } from "./review-task.js";
import { logJobFailure } from "./job-retry.js";
import type { StoredCommentPort } from "./stored-sections.js";
import { ensureValidationCheck } from "./validation-check.js";

export interface ReviewJobDependencies {
  /** The GitHub port of an installation's repository. */
  getPort(params: { installationId: number; repository: RepositoryRef }): Promise<GitHubPort>;
  execute: ReviewExecutor;
  /** Queues more jobs (a re-run of a commit becomes one review job per pull request). */
  enqueue(jobs: PlannedJob[]): Promise<void>;
  log: Log;
  onReviewed?(params: { outcome: ReviewOutcome | "closed" | "failed"; seconds: number }): void;
  /**
   * After a review of an open pull request's head (the merge gate's wiring): what the review found
   * for the gate — the changed Canaries per environment, or null when the gate is not in use.
   */
  afterReview?(params: { installationId: number; owner: string; repo: string; number: number; gate: ReviewedForGate | null }): Promise<void>;
  /** The comment's stored parts: the review's text saved, the gate's and commands' sections drawn (main.ts). */
  storedComment?(params: { installationId: number; owner: string; repo: string }): StoredCommentPort;
}

export function createReviewJobHandler(deps: ReviewJobDependencies) {
  return async (job: Job, context: JobContext): Promise<JobOutcome> => {
    const payload = job.payload as unknown as ReviewJobPayload;
    const repository = { owner: payload.owner, repo: payload.repo };
    const meta = { repo: `${payload.owner}/${payload.repo}`, pr: payload.number ?? null, job: job.id, attempt: job.attempts + 1 };
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let port: GitHubPort | undefined;
    let headSha: string | undefined;
    try {
      port = await deps.getPort({ installationId: job.installationId, repository });
      if (payload.number === undefined) {
        // A re-run of a commit whose pull requests the payload did not list (forks).
        const pulls = payload.sha ? await port.listPullRequestsForCommit({ sha: payload.sha }) : [];
        if (pulls.length === 0) deps.log.info({ ...meta, sha: payload.sha }, "re-run requested for a commit that is no open pull request's head");
        await deps.enqueue(pulls.map((pr) => buildReviewJob({ installationId: job.installationId, ...repository, number: pr.number, rerun: true })));
        return { outcome: "done" };
      }
      const current = await port.getPullRequest({ pullNumber: payload.number });
      if (!current || current.state !== "open") {
        deps.log.info(meta, "pull request is closed or gone; nothing to review");
        deps.onReviewed?.({ outcome: "closed", seconds: seconds() });
        return { outcome: "done" };
      }
      headSha = current.headSha;
      const result = await reviewPullRequest({
        port,
        pullRequest: { number: current.number, headSha: current.headSha, baseSha: current.baseSha, defaultBranch: current.defaultBranch, repositoryUrl: current.repositoryUrl },
        rerun: payload.rerun === true,
        log: deps.log,
        execute: deps.execute,
        ...(deps.storedComment ? { storedComment: deps.storedComment({ installationId: job.installationId, ...repository }) } : {}),
      });
      deps.onReviewed?.({ outcome: result.outcome, seconds: seconds() });
      if (result.outcome !== "stale") await deps.afterReview?.({ installationId: job.installationId, ...repository, number: current.number, gate: result.gate ?? null });
      // The head moved while reading: review the new one now (this job reads it again).
      return result.outcome === "stale" ? { outcome: "again" } : { outcome: "done" };
    } catch (error) {
      const retry = logJobFailure({ error, context, log: deps.log, fields: { ...meta, sha: headSha ?? null }, what: "pull request review" });
      const failure: ReviewFailure = { reason: retry.reason, nextAttemptAt: retry.willRetry ? new Date(Date.now() + retry.delayMs) : null, attempts: job.attempts + 1 };
      deps.onReviewed?.({ outcome: "failed", seconds: seconds() });
      if (port && headSha && payload.number !== undefined) await reportFailure({ port, headSha, number: payload.number, failure, log: deps.log, meta });
      return retry.outcome;
    }
  };
}

/** Best effort: GitHub may refuse these writes too; the job's retry stands either way. */
async function reportFailure(params: { port: GitHubPort; headSha: string; number: number; failure: ReviewFailure; log: Log; meta: object }): Promise<void> {
  try {
    await ensureValidationCheck({ port: params.port, headSha: params.headSha, output: buildFailureOutput({ headSha: params.headSha, failure: params.failure }) });
    await ensureCommentMarkedOutdated({ port: params.port, issueNumber: params.number, headSha: params.headSha, failure: params.failure });
  } catch (error) {
    params.log.warn({ ...params.meta, err: error }, "could not report the failed review on the pull request");
  }
}
