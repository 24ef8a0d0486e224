/**
 * The CPU-bound half of a pull request review — build, parse, resolve, validate, simulate,
 * generate, render — as one function of plain data, so that it runs in a worker thread
 * (review-pool.ts) and the event loop stays free for HTTP, health checks and the queue. When the
 * repository is built with kustomize, the worker thread runs the build too (the kustomize binary
 * is a child process of the worker; its rendered output is parsed there, never on the event loop).
 */
import { groupRawFilesIntoScopes } from "../build/build-revision.js";
import { getBuiltReviewInput } from "../build/review-input.js";
import type { RevisionFiles } from "../build/build-revision.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { buildChangedCanaries } from "../gate/changed-canaries.js";
import type { ChangedCanary } from "../gate/merge-gate.js";
import type { CheckRunOutput } from "../report/check-run.js";
import { reviewChanges, type PullRequestReview, type ReviewInput } from "../review/index.js";
import { buildReviewInputFromFetched, type FetchedBuild, type FetchedContent, type FetchedReviewFiles } from "./review-input.js";

export interface ReviewTask {
  fetched: FetchedReviewFiles;
  /** `https://github.com/owner/repo/blob/<head>`, for line links. */
  blobUrl: string;
  notes: string[];
  /**
   * The default branch's environments when the repository uses the merge gate: the review then
   * also says which Canaries the pull request changes per environment (`gateCanaries`), from the
   * same input, so the gate never reads the pull request again.
   */
  environments?: EnvironmentConfig[];
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
  /** With `environments`: the changed Canaries as the merge gate judges them. */
  gateCanaries?: ChangedCanary[];
}

export type ReviewExecutor = (task: ReviewTask) => Promise<ReviewTaskResult>;

const UNREADABLE_CODES = new Set(["FILE_TOO_LARGE", "NOT_REVIEWED"]);

/** The review of what was fetched: built with kustomize when the fetch read build inputs, else of the raw files. */
export async function getReviewOfFetched(task: ReviewTask): Promise<{ review: PullRequestReview; input: ReviewInput; notes: string[] }> {
  const { input, notes: buildNotes } = await getReviewInputOfFetched(task.fetched, task.environments ?? []);
  const notes = [...task.notes, ...buildNotes];
  return { review: reviewChanges({ ...input, blobUrl: task.blobUrl, notes }), input, notes };
}

/**
 * What was fetched as the review's input: built with kustomize when the fetch read build inputs,
 * else the raw files — grouped by the environments' paths when the config has environments, as
 * `canary-bot review --repo` groups them (getBuiltReviewInput without a build).
 */
export async function getReviewInputOfFetched(fetched: FetchedReviewFiles, environments: readonly EnvironmentConfig[] = []): Promise<{ input: ReviewInput; notes: string[] }> {
  if (!fetched.build) {
    const input = buildReviewInputFromFetched(fetched);
    if (environments.length === 0) return { input, notes: [] };
    return { input: { ...input, scopes: { base: groupRawFilesIntoScopes({ files: input.base, environments }), head: groupRawFilesIntoScopes({ files: input.head, environments }) } }, notes: [] };
  }
  const built = await getBuiltReviewInput({
    base: buildRevisionFiles(fetched.build, "base"),
    head: buildRevisionFiles(fetched.build, "head"),
    changedPaths: fetched.build.changedPaths,
    config: fetched.build.config,
  });
  return { input: built, notes: built.notes };
}

export async function runReviewTask(task: ReviewTask): Promise<ReviewTaskResult> {
  const { review, input } = await getReviewOfFetched(task);
  const changed = new Set(input.changedPaths);
  const unreadable = input.head
    .filter((file) => changed.has(file.path))
    .flatMap((file) => file.findings.filter((f) => UNREADABLE_CODES.has(f.code)).slice(0, 1).map((f) => ({ path: file.path, code: f.code, message: f.message })));
  const result: ReviewTaskResult = { touchesCanaries: review.touchesCanaries, comment: review.comment, check: review.check, canaries: review.model.canaries.length, unreadable };
  if (task.environments && task.environments.length > 0) result.gateCanaries = buildChangedCanaries({ input, environments: task.environments, model: review.model });
  return result;
}

/** One revision's files as the build takes them: text, or markers the parser reports (binary, too large). */
function buildRevisionFiles(build: FetchedBuild, side: "base" | "head"): RevisionFiles {
  const contents = new Map<string, FetchedContent>(build.contents);
  const files = new Map<string, string | Uint8Array>();
  for (const [path, key] of build[side]) {
    const content = contents.get(key);
    if (content === undefined) continue;
    // An over-size marker, as the CLI passes (src/cli/review.ts): the parser turns it into FILE_TOO_LARGE.
    files.set(path, content.kind === "text" ? content.text : content.kind === "binary" ? new Uint8Array([0]) : new Uint8Array(content.byteLength));
  }
  return files;
}

/** The review on the calling thread (tests, the CLI's dry run, a pool of size 0). */
export const runReviewInProcess: ReviewExecutor = (task) => runReviewTask(task);
