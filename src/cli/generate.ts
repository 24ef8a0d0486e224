import type { CommandIO } from "./io.js";
import { UsageError } from "./files.js";

/** Placeholder until the command is built. */
export async function runGenerate(_args: readonly string[], _io: CommandIO): Promise<number> {
  throw new UsageError("generate is not available yet");
}
