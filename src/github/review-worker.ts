/** The worker thread's entry (piscina): one review task per call. See review-pool.ts. */
import { runReviewTask, type ReviewTask, type ReviewTaskResult } from "./review-task.js";

export default function review(task: ReviewTask): ReviewTaskResult {
  return runReviewTask(task);
}
