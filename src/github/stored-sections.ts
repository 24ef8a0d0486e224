/**
 * The sticky comment as drawn from the store: the review's own text (saved by the review job) with
 * the sections that change without a push — the merge gate's "Promotion" (the decision of the head
 * the review saw, issue 12), the merged pull request's "Rollout", the prompt when a run waits at a
 * Flagger gate, and the slash commands' "Approvals" audit trail (issue 13). The review job and the
 * `comment` job (comment-job.ts) both compose the body here, so both draw the same comment; they
 * never run at the same time for one pull request (EXCLUSIVE_KINDS in the queue).
 */
import { createHash } from "node:crypto";
import { buildGatePrompts } from "../commands/feedback.js";
import type { CanaryIdentity, CanaryRun } from "../commands/records.js";
import { renderApprovalsSection } from "../commands/render-approvals.js";
import { findCurrentRun } from "../gate/current-run.js";
import { renderPromotionSection } from "../gate/render-promotion.js";
import { renderRolloutSection } from "../gate/rollout.js";
import { GITHUB_LIMITS } from "../limits.js";
import { getPullRequestCanaries, listCommandRecords } from "../store/approvals.js";
import { forgetReviewComment, listGateCallSummaries, recordCommentWritten, saveReviewComment } from "../store/comments.js";
import { getGatedPullRequest, type PullRequestRef } from "../store/gate-store.js";
import { getPromotionRecords } from "../store/promotion-store.js";
import type { Queryable } from "../store/store.js";
import { appendStoredSections } from "./review-pull-request.js";

export interface StoredSections {
  /** Shown above the review: a run waits at a gate for someone's command. */
  prompts: string[];
  /** Shown below the review, in this order. */
  sections: string[];
}

export async function getStoredCommentSections(db: Queryable, pull: PullRequestRef & { headSha: string }): Promise<StoredSections> {
  const repository = `${pull.owner}/${pull.repo}`;
  const [gated, records, changed] = await Promise.all([
    getGatedPullRequest(db, pull),
    listCommandRecords(db, { repository, pullRequest: pull.number }),
    getPullRequestCanaries(db, { repository, pullRequest: pull.number }),
  ]);
  // The decision of another head (the gate has not read this one yet) says nothing about this one.
  const decision = gated?.decision && gated.headSha === pull.headSha ? gated.decision : null;
  const rollout = gated?.state === "merged" ? gated.rollout : null;
  const canaries: CanaryIdentity[] = changed && changed.headSha === pull.headSha ? changed.canaries.map((c) => c.canary) : [];
  const summaries = await listGateCallSummaries(db, canaries);
  let prompts: string[] = [];
  if (gated?.state !== "merged" && gated?.state !== "closed" && summaries.length > 0) {
    const runs = (await getPromotionRecords(db, canaries)).map(findCurrentRun).filter((run): run is CanaryRun => run !== null);
    prompts = buildGatePrompts({ canaries, gateCalls: summaries.map((s) => s.last), runs, approvals: records });
  }
  return {
    prompts,
    sections: [decision ? renderPromotionSection(decision) : "", rollout ? renderRolloutSection(rollout) : "", renderApprovalsSection({ records, gateCallSummaries: summaries })],
  };
}

/**
 * The whole comment: the prompts first (a person must act), then the review's text, then the
 * stored sections. The review's text starts with its hidden marker, which stays first.
 */
export function composeStickyComment(params: { reviewBody: string; stored: StoredSections }): string {
  const { reviewBody, stored } = params;
  // The callout first, so that the sections' room (appendStoredSections) counts it.
  return appendStoredSections(insertPrompts(reviewBody, stored.prompts), stored.sections);
}

function insertPrompts(body: string, prompts: readonly string[]): string {
  if (prompts.length === 0) return body;
  const shown = prompts.slice(0, GITHUB_LIMITS.gatePromptsShown);
  const more = prompts.length - shown.length;
  const callout = [...shown.map((p) => `> ⏸️ **${p}**`), ...(more > 0 ? [`> … and ${more} more gates wait; the Approvals section lists them.`] : [])].join("\n>\n");
  const newline = body.indexOf("\n");
  // The marker line first, then the callout: findBotComment and people both see what they look for.
  return newline < 0 ? `${body}\n${callout}` : `${body.slice(0, newline)}\n${callout}\n${body.slice(newline + 1)}`;
}

export function digestComment(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

/** What the review job asks of the stored comment for one pull request. */
export interface StoredCommentPort {
  /** Saves the review's text for the head and returns the whole comment to write. */
  compose(params: { number: number; headSha: string; reviewBody: string }): Promise<string>;
  /** Remembers what was written, so the comment job does not write the same body again. */
  written(params: { number: number; headSha: string; body: string }): Promise<void>;
  /** The pull request no longer changes Canaries: nothing is left for the comment job to redraw. */
  forget(params: { number: number }): Promise<void>;
}

export function createStoredCommentPort(db: Queryable, params: { installationId: number; owner: string; repo: string }): StoredCommentPort {
  const { installationId, owner, repo } = params;
  return {
    async compose({ number, headSha, reviewBody }) {
      await saveReviewComment(db, { owner, repo, number, installationId, headSha, reviewBody });
      return composeStickyComment({ reviewBody, stored: await getStoredCommentSections(db, { owner, repo, number, headSha }) });
    },
    async written({ number, headSha, body }) {
      await recordCommentWritten(db, { owner, repo, number, headSha, digest: digestComment(body) });
    },
    async forget({ number }) {
      await forgetReviewComment(db, { owner, repo, number });
    },
  };
}
