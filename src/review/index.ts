/**
 * The whole review of a pull request, as the App and `canary-bot review` need it: the sticky
 * comment's body and the check run's output. Pure.
 */
import { buildCheckRunOutput, type CheckRunOutput } from "../report/check-run.js";
import { renderReview } from "../report/comment.js";
import { buildReviewExtras } from "./extras.js";
import { buildReviewModel, type ReviewInput, type ReviewModel } from "./review.js";

export type { ReviewInput, ReviewModel } from "./review.js";

export interface PullRequestReview {
  /** False when the change touches no Canary nor anything a Canary points at: post nothing. */
  touchesCanaries: boolean;
  model: ReviewModel;
  /** The sticky comment body, marker included. */
  comment: string;
  check: CheckRunOutput;
}

export function reviewChanges(input: ReviewInput & { blobUrl?: string; notes?: readonly string[]; checkRunUrl?: string; docsUrl?: string }): PullRequestReview {
  const model = buildReviewModel(input);
  const notes = input.notes ?? [];
  const extras = buildReviewExtras({ model, settings: input.settings });
  const rendered = renderReview({
    model,
    notes: [...notes, ...extras.notes],
    extras: extras.byCanary,
    ...(input.blobUrl ? { blobUrl: input.blobUrl } : {}),
    ...(input.checkRunUrl ? { checkRunUrl: input.checkRunUrl } : {}),
    ...(input.docsUrl ? { docsUrl: input.docsUrl } : {}),
  });
  // The check run's text carries what the comment left out, then the full generated objects.
  const check = buildCheckRunOutput({ model, notes, detailsMarkdown: rendered.checkText });
  return { touchesCanaries: model.canaries.length > 0, model, comment: rendered.comment, check };
}
