/**
 * The GitHub port over Probot's Octokit (REST + GraphQL, with Probot's throttling, retry and
 * pagination plugins). The only module that calls Octokit or sees its errors (STYLE.md §7): 404
 * becomes a domain answer (null), rate limits and 5xx a GitHubRetryableError, anything else a
 * GitHubRequestError naming the target (owner/repo@sha:path).
 */
import type { ProbotOctokit } from "probot";
import { GITHUB_LIMITS } from "../limits.js";
import {
  GitHubRequestError,
  GitHubRetryableError,
  type BlobBatch,
  type BlobContent,
  type BlobRequest,
  type ChangedFile,
  type ChangedFileStatus,
  type CheckRunOutputWrite,
  type GitHubPort,
  type PullRequestInfo,
  type RepositoryRef,
} from "./port.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

/** The compare API lists at most this many files (GitHub REST "Compare two commits"). */
const COMPARE_FILES = 300;

/**
 * Who "we" are on GitHub: comments written by this App carry its id in `performed_via_github_app`
 * and are written by its bot user (`<slug>[bot]`). Another App's comment with our marker is not ours.
 */
export interface AppIdentity {
  appId: number;
  botLogin?: string;
}

export function createOctokitPort(params: { octokit: Octokit; repository: RepositoryRef; identity?: AppIdentity }): GitHubPort {
  const { octokit, repository, identity } = params;
  const isOurs = (c: { user?: { type?: string; login?: string } | null; performed_via_github_app?: { id?: number } | null }) =>
    identity ? c.performed_via_github_app?.id === identity.appId || (identity.botLogin !== undefined && c.user?.login === identity.botLogin) : c.user?.type === "Bot";
  const { owner, repo } = repository;
  const at = (revision: string, path?: string) => `${owner}/${repo}@${revision}${path !== undefined ? `:${path}` : ""}`;

  return {
    repository,

    async getFileText({ revision, path, maxBytes }) {
      // The JSON form carries the size and inlines content only up to 1 MB, so a huge file is
      // never downloaded whole (the raw media type would stream it all).
      const data = await call(at(revision, path), { notFound: null }, async () => (await octokit.rest.repos.getContent({ owner, repo, path, ref: revision })).data);
      if (data === null || Array.isArray(data) || data.type !== "file") return null;
      if (data.size > maxBytes) return { kind: "too-large", size: data.size };
      // Files over 1 MB come without content (encoding "none"): too large for canary-bot anyway.
      if (!("content" in data) || data.encoding !== "base64") return { kind: "too-large", size: data.size };
      return { kind: "text", text: Buffer.from(data.content, "base64").toString("utf8") };
    },

    async compareCommits({ base, head }) {
      const data = await call(`${owner}/${repo}@${base}...${head}`, {}, async () =>
        // One commit per page: we want the merge base and the files, not the commit list.
        (await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}`, per_page: 1 })).data,
      );
      const files = (data.files ?? []).map(toChangedFile);
      return { mergeBase: data.merge_base_commit.sha, files, complete: files.length < COMPARE_FILES };
    },

    async listPullRequestFiles({ pullNumber, max }) {
      return call(`${owner}/${repo}#${pullNumber} files`, {}, async () => {
        const files: ChangedFile[] = [];
        for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listFiles, { owner, repo, pull_number: pullNumber, per_page: 100 })) {
          files.push(...page.data.map(toChangedFile));
          if (files.length >= max) break;
        }
        return files.slice(0, max);
      });
    },

    async getTree({ revision }) {
      const data = await call(at(revision), {}, async () => (await octokit.rest.git.getTree({ owner, repo, tree_sha: revision, recursive: "true" })).data);
      const entries = data.tree.flatMap((entry) => (entry.type === "blob" && entry.path !== undefined ? [{ path: entry.path, size: entry.size ?? 0, ...(entry.sha ? { sha: entry.sha } : {}) }] : []));
      return { entries, truncated: data.truncated };
    },

    async getBlobs({ pullNumber, blobs }) {
      return call(`${owner}/${repo}#${pullNumber} blobs`, {}, () => fetchBlobs({ octokit, repository, pullNumber, blobs }));
    },

    async getPullRequest({ pullNumber }) {
      const data = await call(`${owner}/${repo}#${pullNumber}`, { notFound: null }, async () => (await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber })).data);
      return data === null ? null : toPullRequestInfo(data);
    },

    async listPullRequestsForCommit({ sha }) {
      const data = await call(at(sha), { notFound: [] }, async () => (await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 })).data);
      return data.filter((pr) => pr.state === "open" && pr.head.sha === sha).map(toPullRequestInfo);
    },

    async findBotComment({ issueNumber, marker }) {
      return call(`${owner}/${repo}#${issueNumber} comments`, {}, async () => {
        for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })) {
          // A person, or another App, may quote our marker: only a comment this App wrote is ours.
          const found = page.data.find((c) => isOurs(c) && typeof c.body === "string" && c.body.includes(marker));
          if (found) return { id: found.id, body: found.body ?? "" };
        }
        return null;
      });
    },

    async createIssueComment({ issueNumber, body }) {
      const data = await call(`${owner}/${repo}#${issueNumber}`, {}, async () => (await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })).data);
      return { id: data.id, body: data.body ?? body };
    },

    async updateIssueComment({ commentId, body }) {
      await call(`${owner}/${repo} comment ${commentId}`, {}, () => octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body }));
    },

    async findCheckRun({ headSha, name }) {
      const data = await call(at(headSha), { notFound: null }, async () =>
        (await octokit.rest.checks.listForRef({ owner, repo, ref: headSha, check_name: name, filter: "latest", per_page: 1 })).data,
      );
      const run = data?.check_runs[0];
      return run ? { id: run.id, externalId: run.external_id ?? null, status: run.status, conclusion: run.conclusion ?? null, annotationsCount: run.output.annotations_count } : null;
    },

    async createCheckRun({ name, headSha, externalId, conclusion, output, detailsUrl }) {
      const data = await call(`${at(headSha)} check ${name}`, {}, async () =>
        (
          await octokit.rest.checks.create({
            owner,
            repo,
            name,
            head_sha: headSha,
            external_id: externalId,
            status: "completed",
            conclusion,
            completed_at: new Date().toISOString(),
            output: toOutput(output),
            ...(detailsUrl ? { details_url: detailsUrl } : {}),
          })
        ).data,
      );
      return { id: data.id };
    },

    async updateCheckRunOutput({ checkRunId, output }) {
      await call(`${owner}/${repo} check run ${checkRunId}`, {}, () => octokit.rest.checks.update({ owner, repo, check_run_id: checkRunId, output: toOutput(output) }));
    },
  };
}

function toOutput(output: CheckRunOutputWrite) {
  return { title: output.title, summary: output.summary, ...(output.text ? { text: output.text } : {}), annotations: output.annotations.slice(0, GITHUB_LIMITS.annotationsPerRequest) };
}

function toChangedFile(file: { filename: string; previous_filename?: string; status: string }): ChangedFile {
  return { path: file.filename, ...(file.previous_filename ? { previousPath: file.previous_filename } : {}), status: file.status as ChangedFileStatus };
}

function toPullRequestInfo(pr: {
  number: number;
  state: string;
  head: { sha: string };
  base: { sha: string; repo: { default_branch?: string; html_url: string } | null };
}): PullRequestInfo {
  return {
    number: pr.number,
    state: pr.state === "open" ? "open" : "closed",
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    defaultBranch: pr.base.repo?.default_branch ?? "main",
    repositoryUrl: pr.base.repo?.html_url ?? "",
  };
}

interface BlobQueryResult {
  repository: ({ pullRequest: { headRefOid: string } | null } & Record<string, { text?: string | null; byteSize?: number; isBinary?: boolean | null; isTruncated?: boolean } | null>) | null;
}

/**
 * One GraphQL request for many blobs (github-platform.md §3.6): paths travel as variables, never
 * in the query text, and the pull request's head is read in the same request so that a review of a
 * head that has moved on can be dropped.
 */
async function fetchBlobs(params: { octokit: Octokit; repository: RepositoryRef; pullNumber: number; blobs: readonly BlobRequest[] }): Promise<BlobBatch> {
  const { octokit, repository, pullNumber, blobs } = params;
  const variables: Record<string, string | number> = { owner: repository.owner, name: repository.repo, number: pullNumber };
  const declarations = ["$owner: String!", "$name: String!", "$number: Int!"];
  const fields = blobs.map((blob, i) => {
    variables[`e${i}`] = `${blob.revision}:${blob.path}`;
    declarations.push(`$e${i}: String!`);
    return `    b${i}: object(expression: $e${i}) { ... on Blob { text byteSize isBinary isTruncated } }`;
  });
  const query = `query canaryBotBlobs(${declarations.join(", ")}) {\n  repository(owner: $owner, name: $name) {\n    pullRequest(number: $number) { headRefOid }\n${fields.join("\n")}\n  }\n}`;
  const data = await octokit.graphql<BlobQueryResult>(query, variables);
  const result = new Map<string, BlobContent>();
  blobs.forEach((blob, i) => {
    const object = data.repository?.[`b${i}`] as { text?: string | null; byteSize?: number; isBinary?: boolean | null; isTruncated?: boolean } | null | undefined;
    // A missing path, or a path that is a directory (no Blob fields), is no file.
    if (!object || object.byteSize === undefined) result.set(blob.key, { kind: "missing" });
    else if (object.isBinary) result.set(blob.key, { kind: "binary", byteSize: object.byteSize });
    else if (object.isTruncated || typeof object.text !== "string") result.set(blob.key, { kind: "truncated", byteSize: object.byteSize });
    else result.set(blob.key, { kind: "text", text: object.text, byteSize: object.byteSize });
  });
  return { headSha: data.repository?.pullRequest?.headRefOid ?? null, blobs: result };
}

/**
 * Runs one GitHub call and translates its failure (STYLE.md §7). `notFound` is the domain answer
 * for a 404 where "no such thing" is a normal answer; without it a 404 is an error like any other.
 */
async function call<T, N = never>(target: string, options: { notFound?: N }, fn: () => Promise<T>): Promise<T | N> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof GitHubRetryableError || error instanceof GitHubRequestError) throw error;
    const status = statusOf(error);
    if (status === 404 && "notFound" in options) return options.notFound as N;
    throw translateError(error, target);
  }
}

/** Octokit's RequestError and GraphqlResponseError, recognised by shape (they come from transitive packages). */
export function translateError(error: unknown, target: string): Error {
  const status = statusOf(error);
  const headers = headersOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const graphqlErrors = graphqlErrorsOf(error);
  if (graphqlErrors.some((e) => e.type === "RATE_LIMITED")) {
    return new GitHubRetryableError(`GitHub's GraphQL rate limit was reached reading ${target}`, "rate-limit", secondsUntilReset(headers), { cause: error });
  }
  if (status === 403 || status === 429) {
    if (headers["x-ratelimit-remaining"] === "0") {
      return new GitHubRetryableError(`GitHub's rate limit was reached for ${target}`, "rate-limit", secondsUntilReset(headers), { cause: error });
    }
    if (/secondary rate limit|abuse/i.test(message) || headers["retry-after"] !== undefined || status === 429) {
      const retryAfter = Number(headers["retry-after"]);
      return new GitHubRetryableError(`GitHub's secondary rate limit was reached for ${target}`, "secondary-rate-limit", Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined, { cause: error });
    }
  }
  if (status !== undefined && status >= 500) {
    return new GitHubRetryableError(`GitHub answered ${status} for ${target}`, "server-error", undefined, { cause: error });
  }
  if (graphqlErrors.length > 0) {
    return new GitHubRequestError(`GitHub's GraphQL API refused ${target}: ${graphqlErrors.map((e) => e.message).join("; ")}`, status, { cause: error });
  }
  return new GitHubRequestError(`GitHub answered ${status ?? "an error"} for ${target}: ${firstLine(message)}`, status, { cause: error });
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

function headersOf(error: unknown): Record<string, string | undefined> {
  const headers = (error as { response?: { headers?: Record<string, unknown> }; headers?: Record<string, unknown> } | null)?.response?.headers ?? (error as { headers?: Record<string, unknown> } | null)?.headers;
  if (!headers || typeof headers !== "object") return {};
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v === undefined ? undefined : String(v)]));
}

function graphqlErrorsOf(error: unknown): Array<{ type?: string; message: string }> {
  const errors = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? errors.filter((e): e is { type?: string; message: string } => typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") : [];
}

function secondsUntilReset(headers: Record<string, string | undefined>): number | undefined {
  const reset = Number(headers["x-ratelimit-reset"]);
  return Number.isFinite(reset) && reset > 0 ? Math.max(1, Math.ceil(reset - Date.now() / 1000) + 1) : undefined;
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).slice(0, 300);
}
