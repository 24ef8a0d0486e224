/**
 * `canary-bot validate [--format text|json] PATH…`: exit 0 when clean, 1 when any finding is an
 * error, 2 on a usage error (DESIGN.md, CLI).
 */
import { parseArgs } from "node:util";
import { countBySeverity, type Finding } from "../canary/findings.js";
import { allFindings, validateManifests, type ValidationResult } from "../validate/validate.js";
import { findManifestPaths, readManifestFiles, UsageError } from "./files.js";
import { loadControllerSettings, SETTINGS_OPTIONS } from "./settings.js";
import type { CommandIO } from "./io.js";

export const VALIDATE_USAGE = `Usage: canary-bot validate [--format text|json] [--config FILE] PATH...

Validates Flagger Canary manifests (files or folders of *.yaml/*.yml) the way Flagger's CRD and
controller would, and reports each finding on its line.

Exit codes: 0 no errors, 1 at least one finding of severity error, 2 usage error.`;

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
  const settings = await loadControllerSettings(values);
  const paths = await findManifestPaths(positionals);
  const files = await readManifestFiles(paths);
  const result = validateManifests({ files, settings });
  io.stdout(values.format === "json" ? `${JSON.stringify(renderValidationJson(result), null, 2)}\n` : renderValidationText(result));
  const errors = result.files.some((file) => allFindings(file).some((f) => f.severity === "error"));
  return errors ? 1 : 0;
}

/** The stable JSON shape of DESIGN.md: {files:[{path, canaries:[{name, namespace, findings}], findings}]}. */
export function renderValidationJson(result: ValidationResult): unknown {
  return {
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
export function renderValidationText(result: ValidationResult): string {
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
  lines.push(
    `${plural(totals.files, "file")}, ${`${totals.canaries} ${totals.canaries === 1 ? "Canary" : "Canaries"}`}: ${plural(counts.error, "error")}, ${plural(counts.warning, "warning")}, ${plural(counts.notice, "notice")}`,
  );
  return `${lines.join("\n")}\n`;
}
