/**
 * Use case: review a pull request and report — one sticky comment and a `canary/validation` check
 * run on the head commit. Receives plain inputs and the GitHub port (STYLE.md §1); every write is
 * idempotent, so running it twice for the same head writes nothing the second time.
 */
import { truncateMarkdown } from "../report/budget.js";
import type { CheckRunOutput } from "../report/check-run.js";
import { REVIEW_MARKER, renderNoCanaryComment } from "../report/comment.js";
import { codeBlock } from "../report/markdown.js";
import { CONFIG_PATH, parseRepositoryConfig, renderConfigErrors, type ConfigError } from "../config/index.js";
import type { EnvironmentConfig } from "../config/schema.js";
import type { ChangedCanary } from "../gate/merge-gate.js";
import { CONFIG_LIMITS, GITHUB_LIMITS } from "../limits.js";
import type { GitHubPort, Log } from "./port.js";
import { getRepositoryConfig } from "./repository-config.js";
import { fetchPullRequestFiles, type PullRequestTarget } from "./review-input.js";
import { runReviewInProcess, type ReviewExecutor, type UnreadableFile } from "./review-task.js";
import { ensureStickyComment, type CommentWrite } from "./sticky-comment.js";
import type { StoredCommentPort } from "./stored-sections.js";
import { ensureValidationCheck, type CheckWrite } from "./validation-check.js";

export interface ReviewedPullRequest extends PullRequestTarget {
  /** Where the config is read from. */
  defaultBranch: string;
  /** `https://github.com/owner/repo`, for line links in the comment. */
  repositoryUrl: string;
}

export type ReviewOutcome =
  /** Reviewed; `comment` and `check` say what was written. */
  | "reviewed"
  /** The pull request touches no Canary (and never did, or its comment already says so). */
  | "no-canaries"
  /** The head moved on while reading: a newer event reviews the newer head. */
  | "stale"
  /** `.github/canary-bot.yml` is invalid: the check says why. */
  | "config-error";

export interface ReviewResult {
  outcome: ReviewOutcome;
  comment: CommentWrite;
  check: CheckWrite | "none";
  /**
   * When the repository's config has environments (the merge gate is in use): the Canaries this
   * review of `headSha` found changed, per environment, for the gate to record and judge.
   */
  gate?: ReviewedForGate;
}

export interface ReviewedForGate {
  headSha: string;
  environments: EnvironmentConfig[];
  canaries: ChangedCanary[];
}

export async function reviewPullRequest(params: {
  port: GitHubPort;
  pullRequest: ReviewedPullRequest;
  rerun?: boolean;
  log: Log;
  /** Where the CPU-bound review runs (a worker thread in the App); on this thread by default. */
  execute?: ReviewExecutor;
  /**
   * The comment's stored parts (main.ts, stored-sections.ts): the review's text is saved, and the
   * merge gate's, the rollout's and the slash commands' sections are drawn with it, so that the
   * `comment` job can redraw them later without reading the repository.
   */
  storedComment?: StoredCommentPort;
}): Promise<ReviewResult> {
  const { port, pullRequest, log } = params;
  const execute = params.execute ?? runReviewInProcess;
  const meta = { repo: `${port.repository.owner}/${port.repository.repo}`, pr: pullRequest.number, sha: pullRequest.headSha };

  const config = await getRepositoryConfig({ port, defaultBranch: pullRequest.defaultBranch });
  if (!config.ok) {
    log.warn({ ...meta, errors: config.errors.length }, "repository config is invalid");
    const check = await ensureValidationCheck({ port, headSha: pullRequest.headSha, output: buildConfigErrorOutput({ errors: config.errors, defaultBranch: pullRequest.defaultBranch }), rerun: params.rerun });
    return { outcome: "config-error", comment: "none", check };
  }

  const read = await fetchPullRequestFiles({ port, pullRequest, config: config.config });
  if (read.status === "stale") {
    log.info({ ...meta, currentSha: read.currentHeadSha }, "dropped review of a head that moved on");
    return { outcome: "stale", comment: "none", check: "none" };
  }

  // A pull request that changes the config gets it checked before it reaches the default branch.
  const configProblems = read.configChanged ? await findConfigProblems({ port, headSha: pullRequest.headSha }) : [];
  const notes = configProblems.length > 0 ? [...read.notes, `This pull request's ${CONFIG_PATH} is invalid; the canary/validation check lists the problems.`] : read.notes;
  const environments = config.config.environments;
  const review = await execute({ fetched: read.fetched, blobUrl: `${pullRequest.repositoryUrl}/blob/${pullRequest.headSha}`, notes, ...(environments.length > 0 ? { environments } : {}) });
  const gate: ReviewedForGate | undefined = review.gateCanaries ? { headSha: pullRequest.headSha, environments, canaries: review.gateCanaries } : undefined;
  let comment: CommentWrite = "none";
  // A changed manifest that could not be read may hold Canaries: never "no Canary changes" then.
  const unreadableOnly = !review.touchesCanaries && review.unreadable.length > 0;
  const partialOnly = !review.touchesCanaries && (read.partial !== null || read.buildSkipped);
  if (!review.touchesCanaries && !unreadableOnly && !partialOnly) {
    // Never create a comment for a pull request that never touched Canaries; one that did keeps
    // its comment, which now says there is nothing to review.
    const existing = await port.findBotComment({ issueNumber: pullRequest.number, marker: REVIEW_MARKER });
    if (existing && existing.body !== renderNoCanaryComment()) {
      if (!read.headConfirmed) {
        const current = await port.getPullRequest({ pullNumber: pullRequest.number });
        if (current?.headSha !== pullRequest.headSha) {
          log.info({ ...meta, currentSha: current?.headSha ?? null }, "dropped review of a head that moved on");
          return { outcome: "stale", comment: "none", check: "none" };
        }
      }
      await port.updateIssueComment({ commentId: existing.id, body: renderNoCanaryComment() });
      log.info(meta, "pull request no longer touches canaries");
      comment = "updated";
    } else if (existing) {
      comment = "unchanged";
    }
    await params.storedComment?.forget({ number: pullRequest.number });
    if (configProblems.length === 0) return { outcome: "no-canaries", comment, check: "none", ...(gate ? { gate } : {}) };
  }

  let output = review.touchesCanaries ? review.check : unreadableOnly ? buildUnreadableOutput(review.unreadable, notes) : partialOnly ? buildPartialOutput(notes) : buildNoCanaryOutput();
  if (configProblems.length > 0) {
    log.info({ ...meta, errors: configProblems.length }, "pull request changes the config into an invalid one");
    output = withConfigProblems(output, configProblems);
  }
  const check = await ensureValidationCheck({ port, headSha: pullRequest.headSha, output, rerun: params.rerun });
  if (review.touchesCanaries) {
    const target = { number: pullRequest.number, headSha: pullRequest.headSha };
    const body = params.storedComment ? await params.storedComment.compose({ ...target, reviewBody: review.comment }) : review.comment;
    comment = await ensureStickyComment({ port, issueNumber: pullRequest.number, body, createIfMissing: true });
    await params.storedComment?.written({ ...target, body });
  }
  log.info({ ...meta, canaries: review.canaries, conclusion: output.conclusion, comment, check }, "reviewed pull request");
  return { outcome: review.touchesCanaries || unreadableOnly || partialOnly ? "reviewed" : "no-canaries", comment, check, ...(gate ? { gate } : {}) };
}

/** The problems of the pull request's own version of the config (empty when it is valid or gone). */
async function findConfigProblems(params: { port: GitHubPort; headSha: string }): Promise<ConfigError[]> {
  const file = await params.port.getFileText({ revision: params.headSha, path: CONFIG_PATH, maxBytes: CONFIG_LIMITS.bytes });
  if (file === null) return [];
  if (file.kind === "too-large") return [{ path: "", line: 1, column: 1, message: `the file has ${file.size} bytes; canary-bot reads at most ${CONFIG_LIMITS.bytes}` }];
  const result = parseRepositoryConfig(file.text);
  return result.ok ? [] : result.errors;
}

/** Changed manifests that could not be read, and nothing else: each is a finding on its file. */
export function buildUnreadableOutput(files: readonly UnreadableFile[], notes: readonly string[]): CheckRunOutput {
  const list = files.map((f) => `- \`${f.path.replace(/`/g, "'")}\`: ${f.message}`).join("\n");
  return {
    conclusion: "failure",
    title: `${files.length} changed manifest${files.length === 1 ? "" : "s"} could not be read`,
    summary: truncateMarkdown({ text: [`canary-bot could not read ${files.length === 1 ? "this changed manifest, so it cannot say whether it holds" : "these changed manifests, so it cannot say whether they hold"} Flagger Canaries:`, list, ...notes].join("\n\n"), limit: GITHUB_LIMITS.checkOutputChars }),
    text: "",
    annotations: files.slice(0, GITHUB_LIMITS.annotationsPerCheckRun).map((f) => ({
      path: f.path,
      start_line: 1,
      end_line: 1,
      annotation_level: "failure" as const,
      message: f.message.slice(0, GITHUB_LIMITS.annotationMessageChars),
      title: f.code,
    })),
  };
}

/** No Canary among the files GitHub listed, but it did not list them all. */
function buildPartialOutput(notes: readonly string[]): CheckRunOutput {
  return { conclusion: "neutral", title: "Review partial: no Canary changes among the files read", summary: truncateMarkdown({ text: notes.join("\n\n"), limit: GITHUB_LIMITS.checkOutputChars }), text: "", annotations: [] };
}

function buildNoCanaryOutput(): CheckRunOutput {
  return { conclusion: "neutral", title: "No Canary changes", summary: "This pull request changes no Flagger Canary nor anything a Canary points at.", text: "", annotations: [] };
}

/** Fails the check with the pull request's config problems, each annotated on its line. */
export function withConfigProblems(output: CheckRunOutput, errors: readonly ConfigError[]): CheckRunOutput {
  const section = [
    `**This pull request's \`${CONFIG_PATH}\` is invalid.** Once merged, canary-bot could not review any pull request of this repository. Fix:`,
    codeBlock("text", renderConfigErrors(errors)),
  ].join("\n\n");
  const annotations = errors.map((e) => ({
    path: CONFIG_PATH,
    start_line: e.line,
    end_line: e.line,
    start_column: e.column,
    end_column: e.column,
    annotation_level: "failure" as const,
    message: e.message,
    title: `Invalid ${e.path || "configuration"}`.slice(0, GITHUB_LIMITS.annotationTitleChars),
  }));
  return {
    conclusion: "failure",
    title: `Invalid ${CONFIG_PATH}; ${output.title}`,
    summary: truncateMarkdown({ text: `${section}\n\n${output.summary}`, limit: GITHUB_LIMITS.checkOutputChars }),
    text: output.text,
    annotations: [...annotations, ...output.annotations].slice(0, GITHUB_LIMITS.annotationsPerCheckRun),
  };
}

/** The check of a pull request reviewed under an invalid config: failure, with every problem and its line. */
export function buildConfigErrorOutput(params: { errors: readonly ConfigError[]; defaultBranch: string }): CheckRunOutput {
  const count = params.errors.length;
  const summary = truncateMarkdown({
    text: [
      `canary-bot could not use \`${CONFIG_PATH}\` on the default branch (\`${params.defaultBranch}\`), so it did not review this pull request. Fix ${count === 1 ? "this problem" : `these ${count} problems`} on \`${params.defaultBranch}\`; the configuration reference is docs/configuration.md.`,
      codeBlock("text", renderConfigErrors(params.errors)),
    ].join("\n\n"),
    limit: GITHUB_LIMITS.checkOutputChars,
  });
  return { conclusion: "failure", title: `Invalid ${CONFIG_PATH}`, summary, text: "", annotations: [] };
}

/**
 * The review's comment with the stored sections after it, each cut to what GitHub still accepts:
 * the review keeps GITHUB_LIMITS.commentChars (60,000) and a comment may hold 65,536 characters.
 */
export function appendStoredSections(comment: string, sections: readonly string[]): string {
  let body = comment;
  for (const section of sections.filter((s) => s.trim() !== "")) {
    const room = GITHUB_LIMITS.commentBodyChars - body.length - 2;
    if (room <= 200) break;
    body += `\n\n${truncateMarkdown({ text: section, limit: Math.min(room, GITHUB_LIMITS.storedSectionChars) })}`;
  }
  return body;
}
