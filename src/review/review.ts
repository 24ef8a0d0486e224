/**
 * The review of a change: which Canaries it touches and what each of them will do. Pure: the
 * caller (the CLI from a local git repository, the App from GitHub) reads the files of both sides.
 *
 * A Canary is touched when its own document changes, when it is added or removed, or when a
 * document it points at changes (its Deployment: that is a new revision, i.e. a rollout; its HPA,
 * Ingress, MetricTemplate, AlertProvider, or a ConfigMap/Secret its pod template uses).
 */
import type { Finding } from "../canary/findings.js";
import type { ManifestDocument, ManifestFile } from "../canary/parse.js";
import type { ResolvedCanary } from "../canary/resolve.js";
import type { ControllerSettings } from "../canary/settings.js";
import { validateManifests, type CanaryReport } from "../validate/validate.js";
import { buildPolicyDiff, type PolicyChange } from "./policy.js";

export interface ReviewInput {
  /** Manifests of the base revision: the changed files and whatever else is available for context. */
  base: readonly ManifestFile[];
  /** Manifests of the head revision, likewise. */
  head: readonly ManifestFile[];
  /** Paths of the changed manifest files (both names of a rename). */
  changedPaths: readonly string[];
  settings: ControllerSettings;
}

/**
 * `unreadable`: the Canary's file still exists at the head but could not be read (a YAML syntax
 * error, too large, not read within the review's limits), so nothing can be said about its new
 * version; the file's findings say why.
 */
export type CanaryChangeStatus = "added" | "removed" | "modified" | "affected" | "unreadable";

export interface CanaryChange {
  /** `namespace/name`, or `name` when the manifest sets no namespace. */
  key: string;
  name: string;
  namespace?: string;
  status: CanaryChangeStatus;
  /** The file of the head version (the base version's when removed). */
  file: string;
  line: number;
  /** Why an unchanged Canary is part of the review: the changed documents it points at. */
  affectedBy: string[];
  head?: CanaryReport;
  base?: CanaryReport;
  policy: PolicyChange[];
}

export interface ReviewModel {
  canaries: CanaryChange[];
  /** Findings of changed files that belong to no Canary (YAML problems, MetricTemplates …), head side. */
  files: Array<{ path: string; findings: Finding[] }>;
}

export function buildReviewModel(input: ReviewInput): ReviewModel {
  const changed = new Set(input.changedPaths);
  const headResult = validateManifests({ files: input.head, settings: input.settings });
  const baseResult = validateManifests({ files: input.base, settings: input.settings });
  const headReports = new Map(headResult.files.flatMap((f) => f.canaries).map((c) => [canaryKey(c), c]));
  const baseReports = new Map(baseResult.files.flatMap((f) => f.canaries).map((c) => [canaryKey(c), c]));

  const canaries: CanaryChange[] = [];
  for (const [key, head] of headReports) {
    const base = baseReports.get(key);
    const ownChange = changed.has(head.resolved.canary.document.file);
    const sameObject = base !== undefined && JSON.stringify(base.resolved.canary.document.value) === JSON.stringify(head.resolved.canary.document.value);
    const affectedBy = referencedDocuments(head.resolved).filter((d) => changed.has(d.file)).map(describeDocument);
    let status: CanaryChangeStatus | undefined;
    if (!base && (ownChange || affectedBy.length > 0)) status = "added";
    else if (ownChange && !sameObject) status = "modified";
    else if (affectedBy.length > 0) status = "affected";
    if (!status) continue;
    canaries.push({
      key,
      name: head.name,
      ...(head.namespace !== undefined ? { namespace: head.namespace } : {}),
      status,
      file: head.resolved.canary.document.file,
      line: head.line,
      affectedBy: status === "affected" ? affectedBy : [],
      head,
      ...(base ? { base } : {}),
      policy: buildPolicyDiff({ base: base?.resolved.canary.spec, head: head.resolved.canary.spec }),
    });
  }
  const unreadableAtHead = new Set(input.head.filter(isUnreadable).map((f) => f.path));
  for (const [key, base] of baseReports) {
    const file = base.resolved.canary.document.file;
    if (headReports.has(key) || !changed.has(file)) continue;
    canaries.push({
      key,
      name: base.name,
      ...(base.namespace !== undefined ? { namespace: base.namespace } : {}),
      status: unreadableAtHead.has(file) ? "unreadable" : "removed",
      file: base.resolved.canary.document.file,
      line: base.line,
      affectedBy: [],
      base,
      policy: [],
    });
  }
  canaries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.key.localeCompare(b.key));

  const files = headResult.files
    .filter((f) => changed.has(f.path) && f.findings.length > 0)
    .map((f) => ({ path: f.path, findings: f.findings }));
  return { canaries, files };
}

/** A file some of whose content could not be read: a file-level error, or a document that failed to parse. */
function isUnreadable(file: ManifestFile): boolean {
  return file.findings.some((f) => f.severity === "error" || f.code === "NOT_REVIEWED") && file.documents.every((d) => d.kind !== "Canary");
}

export function canaryKey(report: { name: string; namespace?: string }): string {
  return report.namespace ? `${report.namespace}/${report.name}` : report.name;
}

/** Every document a resolved Canary depends on. */
function referencedDocuments(resolved: ResolvedCanary): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  if (resolved.target) documents.push(resolved.target.document);
  if (resolved.autoscaler) documents.push(resolved.autoscaler);
  if (resolved.ingress) documents.push(resolved.ingress);
  for (const template of resolved.metricTemplates) if (template) documents.push(template.document);
  for (const provider of resolved.alertProviders) if (provider) documents.push(provider.document);
  documents.push(...resolved.configs.values());
  return documents;
}

function describeDocument(document: ManifestDocument): string {
  return `${document.kindName ?? document.kind} ${document.name ?? "(unnamed)"} (${document.file})`;
}

/** Whether anything in the review is an error (the check run fails). */
export function hasErrors(model: ReviewModel): boolean {
  return (
    model.canaries.some((c) => c.head?.findings.some((f) => f.severity === "error")) ||
    model.files.some((f) => f.findings.some((x) => x.severity === "error"))
  );
}
