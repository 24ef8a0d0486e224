/**
 * The comment's sections that come from the store rather than from the repository: the merge
 * gate's "Promotion" (the pull request's last decision, issue 12) and the slash commands'
 * "Approvals" (the audit trail: who, what, when, head, run — refusals with their reason, issue 13).
 * The review job appends them to the review it writes, so one writer owns the sticky comment.
 */
import { renderApprovalsSection } from "../commands/render-approvals.js";
import { renderPromotionSection } from "../gate/render-promotion.js";
import { listCommandRecords } from "../store/approvals.js";
import { getGatedPullRequest } from "../store/gate-store.js";
import type { Queryable } from "../store/store.js";

export async function getStoredCommentSections(db: Queryable, pull: { owner: string; repo: string; number: number }): Promise<string[]> {
  const [gated, records] = await Promise.all([
    getGatedPullRequest(db, pull),
    listCommandRecords(db, { repository: `${pull.owner}/${pull.repo}`, pullRequest: pull.number }),
  ]);
  return [gated?.decision ? renderPromotionSection(gated.decision) : "", renderApprovalsSection({ records })];
}
