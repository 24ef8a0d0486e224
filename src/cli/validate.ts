/**
 * `canary-bot validate [--format text|json] PATH…`: exit 0 when clean, 1 when any finding is an
 * error, 2 on a usage error (DESIGN.md, CLI).
 */
import { parseArgs } from "node:util";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../canary/settings.js";
import { countBySeverity, type Finding } from "../canary/findings.js";
import { allFindings, validateManifests, type ValidationResult } from "../validate/validate.js";
import { filterByRepositoryConfig, findManifestPaths, findRepositoryContext, readManifestFiles, UsageError } from "./files.js";
import { loadRepositoryConfig, SETTINGS_OPTIONS } from "./settings.js";
import type { CommandIO } from "./io.js";
import { DEFAULT_MANIFESTS } from "../config/defaults.js";

export const VALIDATE_USAGE = `Usage: canary-bot validate [--format text|json] [--config FILE] [--mesh-provider NAME] PATH...

Validates Flagger Canary manifests (files or folders of *.yaml/*.yml) the way Flagger's CRD and
controller would, and reports each finding on its line. Only YAML documents with apiVersion and
kind are validated; Helm chart templates are skipped and counted.

--config FILE   the repository's .github/canary-bot.yml: its controller settings, and its
                manifests include/exclude globs (the files the App reads). Default: the
                .github/canary-bot.yml of the git repository that holds the first PATH, if any;
                inside a git repository without one, the App's default globs.

Exit codes: 0 no errors, 1 at least one finding of severity error, 2 usage error.`;

/** What the summary line counts besides the files read. */
export interface ValidationSummary {
  /** Helm chart templates that were not read (a notice only for those that hold a Canary). */
  skippedTemplates: number;
  /** Files left out by the config's manifests include/exclude globs. */
  excluded: number;
}

export async function runValidate(args: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { format: { type: "string", default: "text" }, help: { type: "boolean", short: "h" }, ...SETTINGS_OPTIONS },
  });
  if (values.help) {
    io.stdout(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  if (values.format !== "text" && values.format !== "json") throw new UsageError(`--format must be text or json, not ${values.format}`);
  if (positionals.length === 0) throw new UsageError("validate needs at least one file or folder");
  // Inside a git repository, the files the App reads: its config's globs, or the defaults (which
  // need no config schema: see config/defaults.ts).
  const context = findRepositoryContext({ firstPath: positionals[0]!, configFile: values.config });
  const config = context.configFile ? await loadRepositoryConfig(context.configFile) : undefined;
  let settings: ControllerSettings = { ...DEFAULT_CONTROLLER_SETTINGS };
  if (config) settings = (await import("../config/index.js")).buildControllerSettings(config);
  if (values["mesh-provider"]) settings.meshProvider = values["mesh-provider"];

  const found = await findManifestPaths(positionals);
  const manifests = config?.manifests ?? (context.root !== undefined ? DEFAULT_MANIFESTS : undefined);
  const paths = manifests && context.root !== undefined ? await filterByRepositoryConfig({ paths: found, root: context.root, manifests }) : found;
  const files = await readManifestFiles(paths);
  const result = validateManifests({ files, settings });
  const summary: ValidationSummary = { skippedTemplates: files.filter((f) => f.skipped === "helm-template").length, excluded: found.length - paths.length };
  io.stdout(values.format === "json" ? `${JSON.stringify(renderValidationJson(result, summary), null, 2)}\n` : renderValidationText(result, summary));
  const errors = result.files.some((file) => allFindings(file).some((f) => f.severity === "error"));
  return errors ? 1 : 0;
}

/**
 * The stable JSON shape of DESIGN.md: {files:[{path, canaries:[{name, namespace, findings}],
 * findings}]}, plus `skipped: {helmTemplates, excluded}` when a summary is given.
 */
export function renderValidationJson(result: ValidationResult, summary?: ValidationSummary): unknown {
  return {
    ...(summary ? { skipped: { helmTemplates: summary.skippedTemplates, excluded: summary.excluded } } : {}),
    files: result.files.map((file) => ({
      path: file.path,
      canaries: file.canaries.map((canary) => ({
        name: canary.name,
        namespace: canary.namespace ?? null,
        findings: canary.findings.map(toJson),
      })),
      findings: file.findings.map(toJson),
    })),
  };
}

function toJson(finding: Finding) {
  return {
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    path: finding.path,
    line: finding.line,
    column: finding.column,
  };
}

/** `path:line:column: severity CODE message`, one line per finding, like a compiler. */
export function renderValidationText(result: ValidationResult, summary?: ValidationSummary): string {
  const lines: string[] = [];
  const totals = { files: result.files.length, canaries: 0 };
  const everything: Finding[] = [];
  for (const file of result.files) {
    totals.canaries += file.canaries.length;
    const findings = allFindings(file).sort((a, b) => a.line - b.line || a.column - b.column);
    everything.push(...findings);
    for (const f of findings) lines.push(`${file.path}:${f.line}:${f.column}: ${f.severity} ${f.code} ${f.message}`);
  }
  const counts = countBySeverity(everything);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const skipped = [
    ...(summary && summary.skippedTemplates > 0 ? [`${plural(summary.skippedTemplates, "Helm template")} skipped`] : []),
    ...(summary && summary.excluded > 0 ? [`${summary.excluded} excluded by the config`] : []),
  ];
  lines.push(
    `${plural(totals.files, "file")}${skipped.length > 0 ? ` (${skipped.join(", ")})` : ""}, ${`${totals.canaries} ${totals.canaries === 1 ? "Canary" : "Canaries"}`}: ${plural(counts.error, "error")}, ${plural(counts.warning, "warning")}, ${plural(counts.notice, "notice")}`,
  );
  return `${lines.join("\n")}\n`;
}
