import type { CommandIO } from "./io.js";
import { UsageError } from "./files.js";

/** Placeholder until the command is built. */
export async function runTimeline(_args: readonly string[], _io: CommandIO): Promise<number> {
  throw new UsageError("timeline is not available yet");
}
