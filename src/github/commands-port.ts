/**
 * What the `command` job asks of GitHub beyond the review's port: the pull request's author and
 * fork status, the commenter's permission and team memberships, a reaction, a reply. A narrow
 * port (STYLE.md §1) with one Octokit implementation that wraps errors like octokit-port.ts
 * (404 is a domain answer, rate limits and 5xx retryable, anything else names the target).
 */
import type { RepositoryPermission } from "../gate/authorize.js";
import type { Reaction } from "../commands/feedback.js";
import { translateError, type Octokit } from "./octokit-port.js";
import { GitHubRequestError, GitHubRetryableError, type RepositoryRef } from "./port.js";

export interface CommandPullRequest {
  number: number;
  state: "open" | "closed";
  author: string;
  /** The head repository is not the base repository (or was deleted). */
  fork: boolean;
  headSha: string;
  defaultBranch: string;
}

export interface CommandsGitHubPort {
  readonly repository: RepositoryRef;
  getCommandPullRequest(params: { pullNumber: number }): Promise<CommandPullRequest | null>;
  /** GET /repos/{owner}/{repo}/collaborators/{username}/permission; "none" for a stranger. */
  getCollaboratorPermission(params: { username: string }): Promise<RepositoryPermission>;
  /** Active membership (a pending invitation is not) in `org/slug`. */
  isActiveTeamMember(params: { team: string; username: string }): Promise<boolean>;
  createCommentReaction(params: { commentId: number; content: Reaction }): Promise<void>;
  createIssueComment(params: { issueNumber: number; body: string }): Promise<{ id: number }>;
}

const PERMISSIONS: ReadonlySet<string> = new Set(["admin", "maintain", "write", "triage", "read", "none"]);

export function createOctokitCommandsPort(params: { octokit: Octokit; repository: RepositoryRef }): CommandsGitHubPort {
  const { octokit, repository } = params;
  const { owner, repo } = repository;
  return {
    repository,

    async getCommandPullRequest({ pullNumber }) {
      const pr = await call(`${owner}/${repo}#${pullNumber}`, { notFound: null }, async () => (await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber })).data);
      if (pr === null) return null;
      return {
        number: pr.number,
        state: pr.state === "open" ? "open" : "closed",
        author: pr.user.login,
        fork: pr.head.repo === null || pr.head.repo.full_name !== pr.base.repo.full_name,
        headSha: pr.head.sha,
        defaultBranch: pr.base.repo.default_branch,
      };
    },

    async getCollaboratorPermission({ username }) {
      const data = await call(`${owner}/${repo} permission of ${username}`, { notFound: null }, async () =>
        (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username })).data,
      );
      if (data === null) return "none";
      // role_name tells maintain and triage apart; `permission` folds them into write and read.
      const role = (data as { role_name?: string }).role_name;
      if (role !== undefined && PERMISSIONS.has(role)) return role as RepositoryPermission;
      return PERMISSIONS.has(data.permission) ? (data.permission as RepositoryPermission) : "none";
    },

    async isActiveTeamMember({ team, username }) {
      const [org, slug] = team.split("/") as [string, string];
      const data = await call(`team ${team} membership of ${username}`, { notFound: null }, async () =>
        (await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username })).data,
      );
      return data !== null && data.state === "active";
    },

    async createCommentReaction({ commentId, content }) {
      await call(`${owner}/${repo} comment ${commentId} reaction`, {}, async () => octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: commentId, content }));
    },

    async createIssueComment({ issueNumber, body }) {
      const data = await call(`${owner}/${repo}#${issueNumber}`, {}, async () => (await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })).data);
      return { id: data.id };
    },
  };
}

async function call<T, N = never>(target: string, options: { notFound?: N }, fn: () => Promise<T>): Promise<T | N> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof GitHubRetryableError || error instanceof GitHubRequestError) throw error;
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 404 && "notFound" in options) return options.notFound as N;
    throw translateError(error, target);
  }
}
