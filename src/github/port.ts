/**
 * The GitHub port: everything canary-bot asks of GitHub, as plain data (STYLE.md §1, §7). Use cases
 * receive this interface, never Octokit or a Probot Context; octokit-port.ts is the only
 * implementation that talks to GitHub, and the only code that sees Octokit's errors.
 */

import type { CheckAnnotation } from "../report/check-run.js";

export interface RepositoryRef {
  owner: string;
  repo: string;
}

export type ChangedFileStatus = "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";

export interface ChangedFile {
  path: string;
  /** The path before a rename or copy. */
  previousPath?: string;
  status: ChangedFileStatus;
}

export interface Comparison {
  /** The commit the head branch forked from: GitHub's "Files changed" compares the head with it. */
  mergeBase: string;
  files: ChangedFile[];
  /** False when GitHub cut the file list (the compare API lists at most 300 files). */
  complete: boolean;
}

export interface TreeEntry {
  path: string;
  size: number;
  /** The blob's SHA: equal SHAs, equal contents (comparing two trees). */
  sha?: string;
}

export interface Tree {
  /** Blobs only (no directories, no submodules). */
  entries: TreeEntry[];
  /** GitHub cuts recursive listings of huge trees (100,000 entries or 7 MB). */
  truncated: boolean;
}

export interface BlobRequest {
  /** Names the blob in the answer. */
  key: string;
  /** A commit SHA. */
  revision: string;
  path: string;
}

export type BlobContent =
  | { kind: "text"; text: string; byteSize: number }
  | { kind: "binary"; byteSize: number }
  /** GraphQL left the text out (large blob); read it with getFileText. */
  | { kind: "truncated"; byteSize: number }
  | { kind: "missing" };

export interface BlobBatch {
  /** The pull request's head commit at the time of reading, for dropping stale reviews; null when the pull request is gone. */
  headSha: string | null;
  blobs: Map<string, BlobContent>;
}

export type FileText = { kind: "text"; text: string } | { kind: "too-large"; size: number };

export interface IssueComment {
  id: number;
  body: string;
}

export interface CheckRunSummary {
  id: number;
  externalId: string | null;
  status: string;
  conclusion: string | null;
  annotationsCount: number;
}

/** GitHub's check-run annotation object (built by report/check-run.ts). */
export type CheckRunAnnotation = CheckAnnotation;

export interface CheckRunOutputWrite {
  title: string;
  summary: string;
  text?: string;
  /** At most 50 per request (GITHUB_LIMITS.annotationsPerRequest). */
  annotations: CheckRunAnnotation[];
}

export interface PullRequestInfo {
  number: number;
  state: "open" | "closed";
  headSha: string;
  baseSha: string;
  /** The repository's default branch, where the config is read from. */
  defaultBranch: string;
  /** `https://github.com/owner/repo`, for links to files. */
  repositoryUrl: string;
}

export interface GitHubPort {
  readonly repository: RepositoryRef;
  /** A file at a commit or branch; null when there is no such file. Its text is read only up to maxBytes. */
  getFileText(params: { revision: string; path: string; maxBytes: number }): Promise<FileText | null>;
  compareCommits(params: { base: string; head: string }): Promise<Comparison>;
  /** The pull request's changed files, every page, at most `max`. */
  listPullRequestFiles(params: { pullNumber: number; max: number }): Promise<ChangedFile[]>;
  getTree(params: { revision: string }): Promise<Tree>;
  /** Reads blobs in one request, with the pull request's current head. */
  getBlobs(params: { pullNumber: number; blobs: readonly BlobRequest[] }): Promise<BlobBatch>;
  getPullRequest(params: { pullNumber: number }): Promise<PullRequestInfo | null>;
  /** Open pull requests whose head is this commit. */
  listPullRequestsForCommit(params: { sha: string }): Promise<PullRequestInfo[]>;
  /** The first comment written by a bot that contains `marker` (reads pages until found). */
  findBotComment(params: { issueNumber: number; marker: string }): Promise<IssueComment | null>;
  createIssueComment(params: { issueNumber: number; body: string }): Promise<IssueComment>;
  updateIssueComment(params: { commentId: number; body: string }): Promise<void>;
  /** The latest check run with this name on the commit. */
  findCheckRun(params: { headSha: string; name: string }): Promise<CheckRunSummary | null>;
  createCheckRun(params: {
    name: string;
    headSha: string;
    externalId: string;
    conclusion: "success" | "failure" | "neutral";
    output: CheckRunOutputWrite;
    detailsUrl?: string;
  }): Promise<{ id: number }>;
  /** Appends annotations (GitHub appends on update); title and summary are sent again, unchanged. */
  updateCheckRunOutput(params: { checkRunId: number; output: CheckRunOutputWrite }): Promise<void>;
}

/** The logging canary-bot's GitHub code needs: pino's (Probot's) shape, static messages with metadata. */
export interface Log {
  debug(meta: object, message: string): void;
  info(meta: object, message: string): void;
  warn(meta: object, message: string): void;
  error(meta: object, message: string): void;
}

/** The reads of the port: what a dry run with a plain token may do (`canary-bot review --pr`). */
export type GitHubReader = Pick<
  GitHubPort,
  "repository" | "getFileText" | "compareCommits" | "listPullRequestFiles" | "getTree" | "getBlobs" | "getPullRequest" | "listPullRequestsForCommit" | "findBotComment" | "findCheckRun"
>;

export type RetryReason = "rate-limit" | "secondary-rate-limit" | "server-error";

/** GitHub said "later": a rate limit or a server error. The work may be retried as a whole. */
export class GitHubRetryableError extends Error {
  override readonly name = "GitHubRetryableError";
  constructor(
    message: string,
    readonly reason: RetryReason,
    /** What GitHub asked us to wait, when it said. */
    readonly retryAfterSeconds: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** GitHub refused a request for a reason that waiting will not fix. */
export class GitHubRequestError extends Error {
  override readonly name = "GitHubRequestError";
  constructor(
    message: string,
    /** GitHub's HTTP status (not `status`: Probot would answer the delivery with it). */
    readonly githubStatus: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
