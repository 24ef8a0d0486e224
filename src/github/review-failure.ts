/**
 * When a review cannot finish, people must see it where they look (issue 10): the
 * `canary/validation` check of the head says what GitHub answered and when the next attempt is
 * (neutral while canary-bot retries, failure once it gave up), and the sticky comment — which
 * still shows an older head's review — says it is outdated.
 */
import type { CheckRunOutput } from "../report/check-run.js";
import { REVIEW_MARKER } from "../report/comment.js";
import type { GitHubPort } from "./port.js";

const OUTDATED_START = "<!-- canary-bot:outdated -->";
const OUTDATED_END = "<!-- /canary-bot:outdated -->";

export interface ReviewFailure {
  /** What went wrong, in words: "GitHub answered 500 for owner/repo@sha…". */
  reason: string;
  /** When the next attempt runs; null when canary-bot gave up. */
  nextAttemptAt: Date | null;
  attempts: number;
}

export function buildFailureOutput(params: { headSha: string; failure: ReviewFailure }): CheckRunOutput {
  const { failure } = params;
  const next = failure.nextAttemptAt
    ? `canary-bot will try again at ${failure.nextAttemptAt.toISOString()} (attempt ${failure.attempts + 1}).`
    : `canary-bot gave up after ${failure.attempts} attempt${failure.attempts === 1 ? "" : "s"}. Push a commit or press "Re-run" to try again.`;
  return {
    conclusion: failure.nextAttemptAt ? "neutral" : "failure",
    title: failure.nextAttemptAt ? "Review not finished: GitHub did not answer; retrying" : "Review failed",
    summary: [`canary-bot could not review \`${params.headSha.slice(0, 12)}\`.`, `**GitHub's answer:** ${escapeInline(failure.reason)}`, next].join("\n\n"),
    text: "",
    annotations: [],
  };
}

/** The comment with a banner saying that it is not a review of the current head (pure; idempotent). */
export function buildOutdatedComment(params: { body: string; headSha: string; failure: ReviewFailure }): string {
  const body = stripOutdatedBanner(params.body);
  const reviewsHead = body.includes(`/blob/${params.headSha}/`);
  const when = params.failure.nextAttemptAt ? ` It tries again at ${params.failure.nextAttemptAt.toISOString()}.` : " It gave up; push a commit or re-run the check.";
  const banner = [
    OUTDATED_START,
    `> [!WARNING]`,
    `> **${reviewsHead ? "This review may be incomplete" : "Outdated"}:** canary-bot could not ${reviewsHead ? "finish the review of" : "review"} the current head \`${params.headSha.slice(0, 12)}\`${reviewsHead ? "" : "; what follows is the review of an earlier commit"}.${when}`,
    OUTDATED_END,
    "",
  ].join("\n");
  // The marker stays first, where sticky-comment finds it.
  return body.startsWith(REVIEW_MARKER) ? `${REVIEW_MARKER}\n${banner}${body.slice(REVIEW_MARKER.length).replace(/^\n/, "")}` : `${banner}${body}`;
}

export function stripOutdatedBanner(body: string): string {
  const start = body.indexOf(OUTDATED_START);
  const end = body.indexOf(OUTDATED_END);
  if (start === -1 || end === -1 || end < start) return body;
  return body.slice(0, start) + body.slice(end + OUTDATED_END.length).replace(/^\n\n?/, "");
}

/** Marks our comment outdated; nothing when there is none (a first review that failed). */
export async function ensureCommentMarkedOutdated(params: { port: GitHubPort; issueNumber: number; headSha: string; failure: ReviewFailure }): Promise<"updated" | "unchanged" | "none"> {
  const existing = await params.port.findBotComment({ issueNumber: params.issueNumber, marker: REVIEW_MARKER });
  if (!existing) return "none";
  const body = buildOutdatedComment({ body: existing.body, headSha: params.headSha, failure: params.failure });
  if (body === existing.body) return "unchanged";
  await params.port.updateIssueComment({ commentId: existing.id, body });
  return "updated";
}

function escapeInline(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;")).slice(0, 1000);
}
