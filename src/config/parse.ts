/**
 * Reading `.github/canary-bot.yml`: YAML text → the validated config with defaults, or errors that
 * name the line, the key and what to write instead. Pure; never throws on bad input.
 */
import { editDistance } from "../canary/edit-distance.js";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { PathSegment } from "../canary/findings.js";
import { locatePath, positionOfOffset } from "../canary/positions.js";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../canary/settings.js";
import { CONFIG_LIMITS } from "../limits.js";
import { CONFIG_PATH, repositoryConfigSchema, type RepositoryConfig } from "./schema.js";

export interface ConfigError {
  /** `environments[1].promotedIn`; empty for the file as a whole. */
  path: string;
  line: number;
  column: number;
  message: string;
}

export type ConfigResult = { ok: true; config: RepositoryConfig } | { ok: false; errors: ConfigError[] };

/** The config a repository without `.github/canary-bot.yml` gets. */
export function buildDefaultConfig(): RepositoryConfig {
  const parsed = repositoryConfigSchema.safeParse({});
  if (!parsed.success) throw new Error("the default repository config does not satisfy its own schema");
  return parsed.data;
}

/** Parses the config file's text. YAML 1.2 core schema: `yes` is a string, not a boolean. */
export function parseRepositoryConfig(text: string): ConfigResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > CONFIG_LIMITS.bytes) {
    return { ok: false, errors: [{ path: "", line: 1, column: 1, message: `the file has ${bytes} bytes; canary-bot reads at most ${CONFIG_LIMITS.bytes}` }] };
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map((error) => ({
        path: "",
        ...positionOfOffset(lineCounter, error.pos[0]),
        message: `YAML ${error.code === "DUPLICATE_KEY" ? "duplicate key" : "syntax error"}: ${firstLine(error.message)}`,
      })),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, errors: [{ path: "", line: 1, column: 1, message: `the file could not be read as data: ${error instanceof Error ? firstLine(error.message) : String(error)}` }] };
  }
  // An empty file (or only comments) is the default config.
  if (value === null || value === undefined) return { ok: true, config: buildDefaultConfig() };
  if (typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, errors: [{ path: "", ...positionOfOffset(lineCounter, document.contents?.range?.[0] ?? 0), message: "the file must be a mapping of keys (manifests, controller, environments, limits)" }] };
  }
  const parsed = repositoryConfigSchema.safeParse(value);
  if (parsed.success) return { ok: true, config: parsed.data };
  const errors = parsed.error.issues.flatMap((issue): ConfigError[] => {
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: formatConfigPath([...path, key]),
        ...locatePath({ document: document as Document.Parsed, lineCounter, path: [...path, key], at: "key" }),
        message: `unknown key "${key}"${suggestKey(path, key)}`,
      }));
    }
    return [{ path: formatConfigPath(path), ...locatePath({ document: document as Document.Parsed, lineCounter, path }), message: describeIssue(issue) }];
  });
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}

/** The Flagger controller settings a config states (DEFAULT_CONTROLLER_SETTINGS for what it leaves out). */
export function buildControllerSettings(config: RepositoryConfig): ControllerSettings {
  return { ...DEFAULT_CONTROLLER_SETTINGS, ...config.controller };
}

/** One line per error: `.github/canary-bot.yml:12:5: environments[1].promotedIn: …`. */
export function renderConfigErrors(errors: readonly ConfigError[], file: string = CONFIG_PATH): string {
  return errors.map((e) => `${file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ""}${e.message}`).join("\n");
}

export function formatConfigPath(path: readonly PathSegment[]): string {
  return path.map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join("");
}

function describeIssue(issue: { code: string; message: string; expected?: unknown }): string {
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) return `this key is required (${String(issue.expected)})`;
  return issue.message.replace(/^Invalid input: /, "");
}

const KNOWN_KEYS: Record<string, readonly string[]> = {
  "": ["manifests", "controller", "environments", "limits"],
  manifests: ["include", "exclude"],
  controller: Object.keys(DEFAULT_CONTROLLER_SETTINGS),
  environments: ["name", "paths", "cluster", "promotedIn", "previewOf", "approvers"],
  approvers: ["users", "teams", "allowSelfApproval"],
  limits: ["reviewBytes", "changedManifests", "contextFiles"],
};

/** ", did you mean …?" when a known key differs only in case or by a typo of one or two letters. */
function suggestKey(path: readonly (string | number)[], key: string): string {
  const parent = [...path].reverse().find((s): s is string => typeof s === "string") ?? "";
  const known = KNOWN_KEYS[parent] ?? [];
  const match = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k.toLowerCase(), key.toLowerCase(), 2) <= 2);
  return match ? `; did you mean "${match}"?` : known.length > 0 ? `; expected one of ${known.join(", ")}` : "";
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/\s+at line \d+, column \d+:?$/, "");
}
