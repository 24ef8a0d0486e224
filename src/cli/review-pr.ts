import type { CommandIO } from "./io.js";
import { UsageError } from "./files.js";

/** Placeholder until the GitHub port lands. */
export async function runReviewPullRequest(_args: readonly string[], _io: CommandIO): Promise<number> {
  throw new UsageError("review --pr is not available yet");
}
