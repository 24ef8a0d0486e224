/**
 * The Probot app: maps webhook events to use cases (STYLE.md §1) and nothing more. Pull request
 * reviews go through a per-pull-request queue (review-queue.ts) and are retried as a whole when
 * GitHub says "later" (rate limits, 5xx), since GitHub never redelivers a failed event by itself
 * (github-platform.md §3.9).
 */
import type { ApplicationFunction, Context, Probot } from "probot";
import { VALIDATION_CHECK_NAME } from "../report/check-run.js";
import { GITHUB_LIMITS } from "../limits.js";
import type { Metrics } from "./metrics.js";
import { createOctokitPort } from "./octokit-port.js";
import { GitHubRetryableError, type GitHubPort, type Log, type PullRequestInfo } from "./port.js";
import { createCoalescingQueue, type CoalescingQueue } from "./review-queue.js";
import { reviewPullRequest, type ReviewedPullRequest, type ReviewResult } from "./review-pull-request.js";

/** The pull_request actions that (re)start a review; `edited` only when the base branch changed. */
export const REVIEW_ACTIONS = ["opened", "synchronize", "reopened", "ready_for_review", "edited"] as const;

export interface CanaryBotAppOptions {
  metrics: Metrics;
  /**
   * Milliseconds per second of waiting GitHub asks for before another attempt (1000). Tests of
   * the retry behaviour make it 1.
   */
  retryTimeScaleMs?: number;
}

export interface CanaryBotApp {
  app: ApplicationFunction;
  /** Resolves when no review runs or waits. */
  drain(): Promise<void>;
}

interface ReviewJob {
  port: GitHubPort;
  pullRequest: ReviewedPullRequest;
  rerun: boolean;
  log: Log;
}

export type ReviewJobOutcome = ReviewResult["outcome"] | "superseded";

export function createCanaryBotApp(options: CanaryBotAppOptions): CanaryBotApp {
  const { metrics } = options;
  const scale = options.retryTimeScaleMs ?? 1000;
  const queue: CoalescingQueue<ReviewJob, ReviewJobOutcome> = createCoalescingQueue({
    run: (job, key) => runReview({ job, key, queue, metrics, scale }),
    // A re-run that a newer event replaces is still a re-run when it is for the same head.
    merge: (waiting, next) => ({ ...next, rerun: next.rerun || (waiting.rerun && waiting.pullRequest.headSha === next.pullRequest.headSha) }),
  });

  const enqueue = async (params: { target: EventTarget; pullRequest: ReviewedPullRequest; rerun: boolean }): Promise<ReviewJobOutcome> => {
    const { target, pullRequest } = params;
    const key = `${target.installationId}/${target.port.repository.owner}/${target.port.repository.repo}#${pullRequest.number}`;
    const result = await queue.push(key, { port: target.port, pullRequest, rerun: params.rerun, log: target.log });
    return result.status === "superseded" ? "superseded" : result.value;
  };

  const app: ApplicationFunction = (probot: Probot) => {
    probot.on(
      REVIEW_ACTIONS.map((action) => `pull_request.${action}` as const),
      (context) =>
        track(metrics, `pull_request.${context.payload.action}`, async () => {
          const payload = context.payload;
          if (payload.action === "edited" && !(payload as { changes?: { base?: unknown } }).changes?.base) return "ignored";
          return enqueue({ target: toEventTarget(context), pullRequest: toReviewedPullRequest(payload), rerun: false });
        }),
    );

    probot.on("check_run.rerequested", (context) =>
      track(metrics, "check_run.rerequested", async () => {
        const run = context.payload.check_run;
        if (run.name !== VALIDATION_CHECK_NAME) return "ignored";
        return rerunForCommit({ target: toEventTarget(context), repository: context.payload.repository, sha: run.head_sha, listed: run.pull_requests.map(toListedPullRequest), enqueue });
      }),
    );

    probot.on("check_suite.rerequested", (context) =>
      track(metrics, "check_suite.rerequested", async () => {
        const suite = context.payload.check_suite;
        if (!suite.head_sha) return "ignored";
        return rerunForCommit({ target: toEventTarget(context), repository: context.payload.repository, sha: suite.head_sha, listed: suite.pull_requests.map(toListedPullRequest), enqueue });
      }),
    );
  };

  return { app, drain: () => queue.drain() };
}

/** Counts the delivery by event and outcome; an error is counted, logged by Probot, and fails the delivery. */
async function track(metrics: Metrics, event: string, handle: () => Promise<ReviewJobOutcome | "ignored" | "no-pull-request">): Promise<void> {
  try {
    metrics.deliveries.inc({ event, outcome: await handle() });
  } catch (error) {
    metrics.deliveries.inc({ event, outcome: "error" });
    throw error;
  }
}

/**
 * A person pressed "Re-run": review every open pull request whose head is that commit. The
 * payload lists them only for pull requests from the same repository (not from forks), so the
 * others are looked up.
 */
async function rerunForCommit(params: {
  target: EventTarget;
  repository: { full_name: string; default_branch: string; html_url: string };
  sha: string;
  /** The pull requests the payload lists (same-repository ones only). */
  listed: Array<{ number: number; headSha: string; baseSha: string }>;
  enqueue: (params: { target: EventTarget; pullRequest: ReviewedPullRequest; rerun: boolean }) => Promise<ReviewJobOutcome>;
}): Promise<ReviewJobOutcome | "no-pull-request"> {
  const { target, repository, sha } = params;
  const pullRequests: Array<Pick<PullRequestInfo, "number" | "headSha" | "baseSha">> =
    params.listed.length > 0 ? params.listed.filter((pr) => pr.headSha === sha) : await target.port.listPullRequestsForCommit({ sha });
  if (pullRequests.length === 0) {
    target.log.info({ repo: repository.full_name, sha }, "re-run requested for a commit that is no open pull request's head");
    return "no-pull-request";
  }
  const outcomes = await Promise.all(
    pullRequests.map((pr) =>
      params.enqueue({
        target,
        pullRequest: { number: pr.number, headSha: pr.headSha, baseSha: pr.baseSha, defaultBranch: repository.default_branch, repositoryUrl: repository.html_url },
        rerun: true,
      }),
    ),
  );
  return outcomes[0]!;
}

function toListedPullRequest(pr: { number: number; head: { sha: string }; base: { sha: string } }) {
  return { number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha };
}

/** Who an event is for: the installation, the repository's port and the delivery's logger. */
interface EventTarget {
  installationId: number;
  port: GitHubPort;
  log: Log;
}

function toEventTarget(context: Pick<Context, "octokit" | "log" | "repo"> & { payload: { installation?: { id: number } } }): EventTarget {
  const { owner, repo } = context.repo();
  return { installationId: context.payload.installation?.id ?? 0, port: createOctokitPort({ octokit: context.octokit, repository: { owner, repo } }), log: context.log };
}

export function toReviewedPullRequest(payload: {
  number: number;
  pull_request: { head: { sha: string }; base: { sha: string } };
  repository: { default_branch: string; html_url: string };
}): ReviewedPullRequest {
  return {
    number: payload.number,
    headSha: payload.pull_request.head.sha,
    baseSha: payload.pull_request.base.sha,
    defaultBranch: payload.repository.default_branch,
    repositoryUrl: payload.repository.html_url,
  };
}

/**
 * One review, attempted again while GitHub answers "later" (up to GITHUB_LIMITS.reviewAttempts),
 * unless a newer event for the same pull request is waiting: that one will do the work.
 */
async function runReview(params: { job: ReviewJob; key: string; queue: CoalescingQueue<ReviewJob, ReviewJobOutcome>; metrics: Metrics; scale: number }): Promise<ReviewJobOutcome> {
  const { job, key, queue, metrics, scale } = params;
  const meta = { repo: `${job.port.repository.owner}/${job.port.repository.repo}`, pr: job.pullRequest.number, sha: job.pullRequest.headSha };
  const started = process.hrtime.bigint();
  const observe = (outcome: string) => metrics.reviewDuration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await reviewPullRequest({ port: job.port, pullRequest: job.pullRequest, rerun: job.rerun, log: job.log });
      observe(result.outcome);
      return result.outcome;
    } catch (error) {
      const retryable = error instanceof GitHubRetryableError;
      const delaySeconds = retryable ? (error.retryAfterSeconds ?? attempt * attempt) : 0;
      if (!retryable || attempt >= GITHUB_LIMITS.reviewAttempts || delaySeconds > GITHUB_LIMITS.retryDelaySeconds) {
        observe("error");
        job.log.error({ ...meta, err: error, attempts: attempt }, "pull request review failed");
        throw error;
      }
      job.log.warn({ ...meta, reason: error.reason, delaySeconds, attempt }, "github asked to wait; retrying the review");
      await new Promise((resolve) => setTimeout(resolve, delaySeconds * scale));
      if (queue.hasWaiting(key)) {
        observe("superseded");
        return "superseded";
      }
    }
  }
}
