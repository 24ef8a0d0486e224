/**
 * The one sticky review comment of a pull request (STYLE.md §6): found by its hidden marker, created
 * only for a pull request that touches Canaries, edited only when its body changed.
 */
import { REVIEW_MARKER } from "../report/comment.js";
import type { GitHubPort } from "./port.js";

export type CommentWrite = "created" | "updated" | "unchanged" | "none";

/**
 * Makes the pull request's sticky comment read `body`. With `createIfMissing: false` an existing
 * comment is updated but none is created (a pull request that stopped touching Canaries).
 */
export async function ensureStickyComment(params: { port: Pick<GitHubPort, "findBotComment" | "updateIssueComment" | "createIssueComment">; issueNumber: number; body: string; createIfMissing: boolean }): Promise<CommentWrite> {
  const { port, issueNumber, body } = params;
  const existing = await port.findBotComment({ issueNumber, marker: REVIEW_MARKER });
  if (existing) {
    if (existing.body === body) return "unchanged";
    await port.updateIssueComment({ commentId: existing.id, body });
    return "updated";
  }
  if (!params.createIfMissing) return "none";
  await port.createIssueComment({ issueNumber, body });
  return "created";
}
