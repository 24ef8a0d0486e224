/**
 * Use case: the review the App would post for a pull request, computed from GitHub without writing
 * anything (`canary-bot review --pr`). The same reads, the same pipeline, the same comment.
 */
import type { RepositoryConfig } from "../config/index.js";
import type { ConfigError } from "../config/index.js";
import type { PullRequestReview } from "../review/index.js";
import type { GitHubReader, PullRequestInfo } from "./port.js";
import { getRepositoryConfig } from "./repository-config.js";
import { fetchPullRequestFiles } from "./review-input.js";
import { buildConfigErrorOutput } from "./review-pull-request.js";
import { getReviewOfFetched } from "./review-task.js";

export type DryRunResult =
  | { status: "no-pull-request" }
  | { status: "config-error"; pullRequest: PullRequestInfo; errors: ConfigError[]; check: PullRequestReview["check"] }
  | {
      status: "reviewed";
      pullRequest: PullRequestInfo;
      mergeBase: string;
      changedPaths: string[];
      review: PullRequestReview;
      /** The comment as the App would post it (with its notes), or null when it would not comment. */
      comment: string | null;
      notes: string[];
    };

export async function getPullRequestReview(params: {
  reader: GitHubReader;
  pullNumber: number;
  /** Instead of the repository's config (e.g. to try a config before committing it). */
  config?: RepositoryConfig;
  /** Overrides the config's controller.meshProvider. */
  meshProvider?: string;
}): Promise<DryRunResult> {
  const { reader } = params;
  // The head may move between reading the pull request and its blobs; read again then (twice at most).
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const pullRequest = await reader.getPullRequest({ pullNumber: params.pullNumber });
    if (!pullRequest) return { status: "no-pull-request" };
    let config = params.config;
    if (!config) {
      const result = await getRepositoryConfig({ port: reader, defaultBranch: pullRequest.defaultBranch });
      if (!result.ok) return { status: "config-error", pullRequest, errors: result.errors, check: buildConfigErrorOutput({ errors: result.errors, defaultBranch: pullRequest.defaultBranch }) };
      config = result.config;
    }
    if (params.meshProvider) config = { ...config, controller: { ...config.controller, meshProvider: params.meshProvider } };
    const read = await fetchPullRequestFiles({ port: reader, pullRequest: { number: pullRequest.number, headSha: pullRequest.headSha, baseSha: pullRequest.baseSha }, config });
    if (read.status === "stale") continue;
    // The App's CPU half, on this thread: the kustomize build when the repository has one.
    const { review, input, notes } = await getReviewOfFetched({ fetched: read.fetched, blobUrl: `${pullRequest.repositoryUrl}/blob/${pullRequest.headSha}`, notes: read.notes });
    return {
      status: "reviewed",
      pullRequest,
      mergeBase: read.mergeBase,
      changedPaths: [...input.changedPaths],
      review,
      comment: review.touchesCanaries ? review.comment : null,
      notes,
    };
  }
  throw new Error(`the head of pull request #${params.pullNumber} keeps moving; try again`);
}
