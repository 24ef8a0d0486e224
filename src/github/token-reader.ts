/**
 * A read-only GitHub port authenticated with a plain token (a personal access token or
 * GITHUB_TOKEN), for `canary-bot review --pr`: the App's own reads, through Probot's Octokit (so
 * with its throttling, retries and pagination), without App credentials. No new dependency:
 * Probot builds a token-authenticated Octokit when given `githubToken`.
 */
import { Probot, type Logger } from "probot";
import { createOctokitPort } from "./octokit-port.js";
import type { GitHubReader, RepositoryRef } from "./port.js";

export async function createTokenReader(params: {
  token: string;
  repository: RepositoryRef;
  /** The REST API root, e.g. `https://github.example.com/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
  log: Logger;
}): Promise<GitHubReader> {
  const probot = new Probot({ githubToken: params.token, log: params.log, ...(params.baseUrl ? { baseUrl: params.baseUrl } : {}) });
  const octokit = await probot.auth();
  return createOctokitPort({ octokit, repository: params.repository });
}
