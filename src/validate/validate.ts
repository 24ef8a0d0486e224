/**
 * Validation of a set of manifest files: YAML findings, CRD schema findings, and Flagger semantics
 * (rules/), each placed on its line. Pure: the caller reads the files.
 */
import { compareFindings, formatPath, type Finding, type PendingFinding } from "../canary/findings.js";
import { isUnderVariable, type FluxVariable } from "../canary/flux-variables.js";
import { buildFinding } from "./codes.js";
import type { AlertProviderModel, CanaryModel, MetricTemplateModel } from "../canary/model.js";
import { placeFinding, type ManifestFile } from "../canary/parse.js";
import { buildRepositoryIndex, resolveCanary, type RepositoryIndex, type ResolvedCanary } from "../canary/resolve.js";
import type { ControllerSettings } from "../canary/settings.js";
import { INPUT_LIMITS } from "../limits.js";
import { CANARY_RULES, DOCUMENT_RULES, REPOSITORY_RULES } from "./rules/index.js";

export interface CanaryReport {
  name: string;
  namespace?: string;
  /** Line of the Canary's document in its file. */
  line: number;
  findings: Finding[];
  resolved: ResolvedCanary;
}

export interface FileReport {
  path: string;
  canaries: CanaryReport[];
  /** Findings that belong to no Canary: YAML problems, MetricTemplates, AlertProviders. */
  findings: Finding[];
}

export interface ValidationResult {
  files: FileReport[];
  index: RepositoryIndex;
}

/**
 * Validates `files`. References are resolved against `files` plus `context` (other files of the
 * repository that are not themselves reported on, e.g. unchanged files in a pull request).
 */
export function validateManifests(params: {
  files: readonly ManifestFile[];
  context?: readonly ManifestFile[];
  settings: ControllerSettings;
}): ValidationResult {
  const { files, settings } = params;
  const reported = new Set(files.map((f) => f.path));
  const all = [...files, ...(params.context ?? []).filter((f) => !reported.has(f.path))];
  const index = buildRepositoryIndex(all);

  const resolvedByCanary = new Map<CanaryModel, ResolvedCanary>();
  for (const canary of index.canaries) resolvedByCanary.set(canary, resolveCanary({ canary, index, settings }));
  const canaryFindings = new Map<CanaryModel, PendingFinding[]>();
  for (const [canary, resolved] of resolvedByCanary) {
    if (!reported.has(canary.document.file)) continue;
    const pending: PendingFinding[] = [...canary.schemaFindings];
    for (const rule of CANARY_RULES) pending.push(...rule({ resolved, index, settings }));
    canaryFindings.set(canary, withFluxVariables(pending, canary.fluxVariables));
  }
  const everyCanary = [...resolvedByCanary.values()];
  for (const rule of REPOSITORY_RULES) {
    for (const { canary, finding } of rule({ canaries: everyCanary, index, settings })) {
      canaryFindings.get(canary)?.push(finding);
    }
  }

  // Everything a file reports, grouped by file once: looking each file's Canaries, templates and
  // providers up among all of them made this stage files × Canaries (issue 14: 400 s at 10,000).
  const byFile = groupByFile({ canaries: canaryFindings.keys(), templates: index.metricTemplates, providers: index.alertProviders });
  const reports: FileReport[] = files.map((file) => {
    const own = byFile.get(file.path);
    const fileFindings: Finding[] = [...file.findings];
    for (const template of own?.templates ?? []) fileFindings.push(...withFluxVariables(template.schemaFindings, template.fluxVariables).map((f) => placeFinding(template.document, f)));
    for (const provider of own?.providers ?? []) fileFindings.push(...withFluxVariables(provider.schemaFindings, provider.fluxVariables).map((f) => placeFinding(provider.document, f)));
    for (const document of file.documents) {
      for (const rule of DOCUMENT_RULES) fileFindings.push(...rule({ document, index, settings }).map((f) => placeFinding(document, f)));
    }
    const canaries: CanaryReport[] = [];
    for (const canary of own?.canaries ?? []) {
      canaries.push({
        name: canary.name,
        ...(canary.namespace !== undefined ? { namespace: canary.namespace } : {}),
        line: canary.document.line,
        findings: dedupe(canaryFindings.get(canary)!.map((f) => placeFinding(canary.document, f))).sort(compareFindings),
        resolved: resolvedByCanary.get(canary)!,
      });
    }
    canaries.sort((a, b) => a.line - b.line);
    return { path: file.path, canaries, findings: capFindings(dedupe(fileFindings).sort(compareFindings), file.path) };
  });
  return { files: reports, index };
}

/**
 * Findings of an object with Flux variables left in: nothing on the fields that hold one (their
 * value is only known after Flux substitutes it), and one notice that says so, on the first.
 */
function withFluxVariables(pending: readonly PendingFinding[], variables: readonly FluxVariable[] | undefined): PendingFinding[] {
  if (!variables || variables.length === 0) return [...pending];
  const kept = pending.filter((f) => !isUnderVariable(f.path, variables));
  const listed = variables.slice(0, 3).map((v) => `\`${v.text}\` (${formatPath(v.path)}${v.defaultValue !== undefined ? `, read as its default ${JSON.stringify(v.defaultValue)}` : ""})`);
  const more = variables.length > listed.length ? ` and ${variables.length - listed.length} more` : "";
  kept.push(
    buildFinding({
      code: "FLUX_VARIABLE_NOT_SUBSTITUTED",
      message: `Flux variable not substituted: ${listed.join(", ")}${more}. Flux replaces these when it applies the file (Kustomization spec.postBuild.substitute); canary-bot read the raw file, so it checked the defaults where there are any and did not judge the other fields. Review the rendered output (kustomize build plus the substitution) to have them validated.`,
      path: variables[0]!.path,
    }),
  );
  return kept;
}

interface FileMembers {
  canaries: CanaryModel[];
  templates: MetricTemplateModel[];
  providers: AlertProviderModel[];
}

/** The reported Canaries, MetricTemplates and AlertProviders of each file, in document order. */
function groupByFile(params: {
  canaries: Iterable<CanaryModel>;
  templates: readonly MetricTemplateModel[];
  providers: readonly AlertProviderModel[];
}): Map<string, FileMembers> {
  const byFile = new Map<string, FileMembers>();
  const membersOf = (file: string): FileMembers => {
    let members = byFile.get(file);
    if (!members) byFile.set(file, (members = { canaries: [], templates: [], providers: [] }));
    return members;
  };
  for (const canary of params.canaries) membersOf(canary.document.file).canaries.push(canary);
  for (const template of params.templates) membersOf(template.document.file).templates.push(template);
  for (const provider of params.providers) membersOf(provider.document.file).providers.push(provider);
  return byFile;
}

export function allFindings(report: FileReport): Finding[] {
  return [...report.findings, ...report.canaries.flatMap((c) => c.findings)];
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}\u0000${f.line}\u0000${f.column}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function capFindings(findings: Finding[], path: string): Finding[] {
  if (findings.length <= INPUT_LIMITS.findingsPerFile) return findings;
  const kept = findings.slice(0, INPUT_LIMITS.findingsPerFile);
  kept.push({
    code: "TOO_MANY_FINDINGS",
    severity: "notice",
    message: `${findings.length - kept.length} more findings in ${path} are not listed; fix the ones above and validate again.`,
    path: "",
    line: 1,
    column: 1,
  });
  return kept;
}
