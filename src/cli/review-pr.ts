/**
 * `canary-bot review --pr OWNER/REPO#N`: the review the App would post on a pull request on GitHub,
 * read with a plain token (GITHUB_TOKEN or GH_TOKEN) and printed; nothing is posted. A dry run of
 * the App, for trying it on real pull requests before installing it.
 */
import { parseArgs } from "node:util";
import type { Logger } from "probot";
import { renderConfigErrors } from "../config/index.js";
import { getPullRequestReview } from "../github/dry-run.js";
import { GitHubRequestError, GitHubRetryableError } from "../github/port.js";
import { createTokenReader } from "../github/token-reader.js";
import { UsageError } from "./files.js";
import type { CommandIO } from "./io.js";
import { loadRepositoryConfig } from "./settings.js";

export const REVIEW_PR_USAGE = `Usage: canary-bot review --pr OWNER/REPO#N [--format markdown|json] [--config FILE] [--mesh-provider P]

Prints the comment canary-bot would post on pull request N of OWNER/REPO (also accepted: the pull
request's URL), read from GitHub with the token in GITHUB_TOKEN (or GH_TOKEN); posts nothing.
The repository's .github/canary-bot.yml on its default branch applies, unless --config gives
another file. GitHub Enterprise Server: set GITHUB_API_URL (e.g. https://github.example.com/api/v3).

Exit codes: 0 the review passes, 1 the canary/validation check would fail, 2 usage error.`;

export async function runReviewPullRequest(args: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      pr: { type: "string" },
      format: { type: "string", default: "markdown" },
      config: { type: "string" },
      "mesh-provider": { type: "string" },
      repo: { type: "string" },
      base: { type: "string" },
      head: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout(`${REVIEW_PR_USAGE}\n`);
    return 0;
  }
  if (values.repo !== undefined || values.base !== undefined || values.head !== undefined) throw new UsageError("--pr reviews a pull request on GitHub; it cannot be combined with --repo, --base or --head");
  if (values.format !== "markdown" && values.format !== "json") throw new UsageError(`--format must be markdown or json, not ${values.format}`);
  const target = parsePullRequestRef(values.pr ?? "");
  const token = process.env.GITHUB_TOKEN || process.env.GH_TOKEN;
  if (!token) throw new UsageError("review --pr needs a GitHub token in GITHUB_TOKEN (or GH_TOKEN) that can read the repository");

  const config = values.config ? await loadRepositoryConfig(values.config) : undefined;
  const reader = await createTokenReader({
    token,
    repository: { owner: target.owner, repo: target.repo },
    ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
    log: createStderrLogger(io),
  });

  let result;
  try {
    result = await getPullRequestReview({ reader, pullNumber: target.number, ...(config ? { config } : {}), ...(values["mesh-provider"] ? { meshProvider: values["mesh-provider"] } : {}) });
  } catch (error) {
    if (error instanceof GitHubRequestError || error instanceof GitHubRetryableError) {
      io.stderr(`canary-bot review: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (result.status === "no-pull-request") throw new UsageError(`${target.owner}/${target.repo}#${target.number} is not a pull request this token can read`);
  if (result.status === "config-error") {
    io.stderr(`canary-bot review: the repository's .github/canary-bot.yml is invalid; the App would fail canary/validation and not review:\n${renderConfigErrors(result.errors)}\n`);
    if (values.format === "json") io.stdout(`${JSON.stringify({ pullRequest: result.pullRequest, touchesCanaries: null, comment: null, check: result.check }, null, 2)}\n`);
    return 1;
  }
  if (values.format === "json") {
    io.stdout(
      `${JSON.stringify(
        {
          pullRequest: result.pullRequest,
          mergeBase: result.mergeBase,
          changedPaths: result.changedPaths,
          touchesCanaries: result.review.touchesCanaries,
          comment: result.comment,
          check: result.review.check,
          notes: result.notes,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout(result.comment !== null ? `${result.comment}\n` : "No Canary (nor anything a Canary points at) changed: the App would not comment.\n");
  }
  return result.review.touchesCanaries && result.review.check.conclusion === "failure" ? 1 : 0;
}

/** `OWNER/REPO#N` or `https://github.com/OWNER/REPO/pull/N`. */
export function parsePullRequestRef(text: string): { owner: string; repo: string; number: number } {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})#(\d+)$/.exec(text) ?? /^https?:\/\/[^/]+\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/pull\/(\d+)\/?(?:[?#].*)?$/.exec(text);
  if (!match) throw new UsageError(`--pr must be OWNER/REPO#N or a pull request URL, not "${text}"`);
  return { owner: match[1]!, repo: match[2]!, number: Number(match[3]) };
}

/** Probot logs through pino to stdout, where the comment goes: send warnings and errors to stderr instead. */
function createStderrLogger(io: CommandIO, bindings: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (first: unknown, second?: unknown) => {
    const message = typeof first === "string" ? first : typeof second === "string" ? second : first instanceof Error ? first.message : "";
    if (message) io.stderr(`canary-bot review: ${level}: ${message}\n`);
  };
  const quiet = () => {};
  const logger = { level: "warn", trace: quiet, debug: quiet, info: quiet, warn: write("warning"), error: write("error"), fatal: write("error"), child: (more: Record<string, unknown>) => createStderrLogger(io, { ...bindings, ...more }) };
  return logger as unknown as Logger;
}
