/**
 * Controller settings for the offline commands: Flagger's defaults, overridden by the `controller:`
 * section of a repository config file given with --config (the same `.github/canary-bot.yml` the
 * App reads), then by --mesh-provider.
 */
import { readFile } from "node:fs/promises";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../canary/settings.js";
import type { RepositoryConfig } from "../config/index.js";
import { CONFIG_LIMITS } from "../limits.js";
import { UsageError } from "./files.js";

export const SETTINGS_OPTIONS = {
  config: { type: "string" },
  "mesh-provider": { type: "string" },
} as const;

export async function loadControllerSettings(values: { config?: string; "mesh-provider"?: string }): Promise<ControllerSettings> {
  const settings = values.config ? (await import("../config/index.js")).buildControllerSettings(await loadRepositoryConfig(values.config)) : { ...DEFAULT_CONTROLLER_SETTINGS };
  if (values["mesh-provider"]) settings.meshProvider = values["mesh-provider"];
  return settings;
}

/**
 * Reads and validates a repository config file; a missing or invalid file is a usage error. The
 * config module (and zod) is imported only then: a one-file validate without a config skips it.
 */
export async function loadRepositoryConfig(file: string): Promise<RepositoryConfig> {
  const { parseRepositoryConfig, renderConfigErrors } = await import("../config/index.js");
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`--config ${file}: ${error instanceof Error && "code" in error && error.code === "ENOENT" ? "no such file" : error instanceof Error ? error.message : String(error)}`);
  }
  if (bytes.byteLength > CONFIG_LIMITS.bytes) throw new UsageError(`--config ${file} has ${bytes.byteLength} bytes; a canary-bot config has at most ${CONFIG_LIMITS.bytes}`);
  const result = parseRepositoryConfig(bytes.toString("utf8"));
  if (!result.ok) throw new UsageError(`--config ${file} is not a valid canary-bot config:\n${renderConfigErrors(result.errors, file)}`);
  return result.config;
}
