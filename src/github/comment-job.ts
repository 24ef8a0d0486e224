/**
 * The `comment` job: redraws a pull request's sticky comment from the store when a section that
 * changes without a push changed — the merge gate's decision (its check run was written), the
 * merged pull request's rollout, a slash command, a run that started waiting at a Flagger gate.
 * It reads no repository file: the review's text is the one the review job saved for its head
 * (src/store/comments.ts). A body equal to the one last written is not sent again.
 *
 * Its key is the review job's key, and the queue never runs the two at once for one key
 * (EXCLUSIVE_KINDS): a review that saves a newer text cannot be overwritten by an older one.
 */
import { QUEUE_LIMITS } from "../limits.js";
import { listCanariesWithChangedGates } from "../commands/feedback.js";
import type { GateCallRecord } from "../commands/records.js";
import { getReviewComment, listOpenPullRequestsOfCanaries, recordCommentWritten } from "../store/comments.js";
import type { PullRequestRef } from "../store/gate-store.js";
import { enqueueJob, type Job } from "../store/queue.js";
import type { JobContext, JobOutcome } from "../store/runner.js";
import type { Queryable } from "../store/store.js";
import { buildReviewJobKey, type PlannedJob } from "./events.js";
import { logJobFailure } from "./job-retry.js";
import type { GitHubPort, Log, RepositoryRef } from "./port.js";
import { ensureStickyComment } from "./sticky-comment.js";
import { composeStickyComment, digestComment, getStoredCommentSections } from "./stored-sections.js";

export interface CommentJobPayload {
  owner: string;
  repo: string;
  number: number;
}

export function buildCommentJob(params: { installationId: number } & PullRequestRef): PlannedJob {
  const payload: CommentJobPayload = { owner: params.owner, repo: params.repo, number: params.number };
  return { kind: "comment", key: buildReviewJobKey(params), installationId: params.installationId, payload: payload as unknown as Record<string, unknown> };
}

/** Queues the redraw of these pull requests' comments (one waiting job per pull request). */
export async function enqueueCommentJobs(db: Queryable, pulls: ReadonlyArray<{ installationId: number } & PullRequestRef>): Promise<void> {
  for (const pull of pulls) await enqueueJob(db, { ...buildCommentJob(pull), maxAttempts: QUEUE_LIMITS.reviewAttempts });
}

/**
 * The gate route's `afterStore` (main.ts): once a batch of Flagger's gate calls is stored, queues
 * the redraw of the open pull requests whose Canaries' gates changed answer with it (a run starts
 * waiting at a gate, a gate opened, a new run), compared with each gate's latest call before the
 * batch (`previous`, read by the insert itself). Not at every poll. `queued` hears how many.
 */
export async function queueCommentRedrawsForGateCalls(
  db: Queryable,
  batch: { calls: readonly GateCallRecord[]; previous: readonly GateCallRecord[] },
  queued?: (count: number) => void,
): Promise<void> {
  const changed = listCanariesWithChangedGates(batch);
  if (changed.length === 0) return;
  const pulls = await listOpenPullRequestsOfCanaries(db, changed);
  if (pulls.length === 0) return;
  await enqueueCommentJobs(db, pulls);
  queued?.(pulls.length);
}

export type CommentJobResult = "written" | "unchanged" | "no-review" | "no-comment";

export interface CommentJobDependencies {
  store: Queryable;
  getPort(params: { installationId: number; repository: RepositoryRef }): Promise<Pick<GitHubPort, "findBotComment" | "updateIssueComment" | "createIssueComment">>;
  log: Log;
}

export function createCommentJobHandler(deps: CommentJobDependencies) {
  return async (job: Job, context: JobContext): Promise<JobOutcome> => {
    const payload = job.payload as unknown as CommentJobPayload;
    const meta = { repo: `${payload.owner}/${payload.repo}`, pr: payload.number, job: job.id, attempt: job.attempts + 1 };
    try {
      const result = await redrawStickyComment({ deps, installationId: job.installationId, ref: { owner: payload.owner, repo: payload.repo, number: payload.number } });
      deps.log.info({ ...meta, result }, "sticky comment redrawn");
      return { outcome: "done" };
    } catch (error) {
      return logJobFailure({ error, context, log: deps.log, fields: meta, what: "comment redraw" }).outcome;
    }
  };
}

export async function redrawStickyComment(params: { deps: CommentJobDependencies; installationId: number; ref: PullRequestRef }): Promise<CommentJobResult> {
  const { deps, ref } = params;
  // No text saved: the pull request was never reviewed with Canaries (or no longer changes any).
  const saved = await getReviewComment(deps.store, ref);
  if (!saved) return "no-review";
  const stored = await getStoredCommentSections(deps.store, { ...ref, headSha: saved.headSha });
  const body = composeStickyComment({ reviewBody: saved.reviewBody, stored });
  const digest = digestComment(body);
  if (saved.writtenDigest === digest) return "unchanged";
  const port = await deps.getPort({ installationId: params.installationId, repository: { owner: ref.owner, repo: ref.repo } });
  // Never created here: a comment someone deleted comes back with the next review, not with a redraw.
  const write = await ensureStickyComment({ port, issueNumber: ref.number, body, createIfMissing: false });
  if (write === "none") return "no-comment";
  await recordCommentWritten(deps.store, { ...ref, headSha: saved.headSha, digest });
  return write === "unchanged" ? "unchanged" : "written";
}
