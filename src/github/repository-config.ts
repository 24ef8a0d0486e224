/**
 * Reading `.github/canary-bot.yml` through the port, from the default branch only: a pull request
 * cannot change the rules it is reviewed by (DESIGN.md; Probot's `context.config` does the same,
 * but parses without line numbers, so canary-bot reads the text itself).
 */
import { buildDefaultConfig, CONFIG_PATH, parseRepositoryConfig, type ConfigResult } from "../config/index.js";
import { CONFIG_LIMITS } from "../limits.js";
import type { GitHubReader } from "./port.js";

export type RepositoryConfigResult = ConfigResult & { source: "file" | "default" };

export async function getRepositoryConfig(params: { port: GitHubReader; defaultBranch: string }): Promise<RepositoryConfigResult> {
  const file = await params.port.getFileText({ revision: params.defaultBranch, path: CONFIG_PATH, maxBytes: CONFIG_LIMITS.bytes });
  if (file === null) return { ok: true, config: buildDefaultConfig(), source: "default" };
  if (file.kind === "too-large") {
    return { ok: false, source: "file", errors: [{ path: "", line: 1, column: 1, message: `the file has ${file.size} bytes; canary-bot reads at most ${CONFIG_LIMITS.bytes}` }] };
  }
  return { ...parseRepositoryConfig(file.text), source: "file" };
}
