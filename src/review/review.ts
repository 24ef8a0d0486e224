/**
 * The review of a change: which Canaries it touches and what each of them will do. Pure: the
 * caller (the CLI from a local git repository, the App from GitHub) reads and builds both sides.
 *
 * A Canary's identity is (environment or cluster, namespace, name) (docs/gitops-build.md): the same
 * name in two environments is two entries, and a Canary that moves between files is `changed`.
 *
 * What rolls out follows Flagger's trigger exactly (docs/flagger-scheduler.md §3.1): a new revision
 * starts only when the target's pod template changes (`HasTargetChanged` → `hasSpecChanged` over
 * `Spec.Template`, pkg/canary/deployment_controller.go and pkg/canary/spec.go), or, with config
 * tracking on, when the data of a ConfigMap or Secret the pod template uses changes
 * (`HaveDependenciesChanged` → `ConfigTracker.HasConfigChanged`, pkg/canary/config_tracker.go).
 * A Canary, autoscaler, Ingress, MetricTemplate or AlertProvider change only changes how the next
 * analysis runs.
 */
import { countBySeverity, type Finding } from "../canary/findings.js";
import type { ManifestDocument, ManifestFile } from "../canary/parse.js";
import { isRecord } from "../canary/parse.js";
import { listConfigReferences, type ResolvedCanary } from "../canary/resolve.js";
import type { ControllerSettings } from "../canary/settings.js";
import type { BuildRootInfo, RevisionScope } from "../build/types.js";
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
  /**
   * Both revisions as the clusters receive them (src/build): objects per environment or cluster.
   * When present, `base` and `head` are not read.
   */
  scopes?: { base: readonly RevisionScope[]; head: readonly RevisionScope[] };
}

/**
 * `unreadable`: the Canary's file still exists at the head but could not be read (a YAML syntax
 * error, too large, not read within the review's limits), so nothing can be said about its new
 * version; the file's findings say why.
 */
export type CanaryChangeStatus = "added" | "removed" | "modified" | "affected" | "unreadable";

/** The review JSON's word for what happened to the Canary object itself (DESIGN.md "review JSON"). */
export type CanaryChangeKind = "added" | "removed" | "changed" | "unchanged";

export interface CanaryChange {
  /** `namespace/name` (or `name` without a namespace), prefixed by `environment: ` when known. */
  key: string;
  name: string;
  namespace?: string;
  status: CanaryChangeStatus;
  /** The file of the head version (the base version's when removed). */
  file: string;
  line: number;
  /** Why the Canary rolls out: the changes that start a new revision (empty when none does). */
  affectedBy: string[];
  head?: CanaryReport;
  base?: CanaryReport;
  policy: PolicyChange[];
  /** The environment from `.github/canary-bot.yml`, or null. */
  environment: string | null;
  /** The environment's cluster, else the `clusters/<name>/` folder of the Flux Kustomization, or null. */
  cluster: string | null;
  /** The build root that produced it ("" for a manifest read as it is). */
  root: string;
  change: CanaryChangeKind;
  /** Flagger starts an analysis once this change is applied. */
  newRevision: boolean;
  /** Everything that changed for this Canary: what starts the new revision first, then what changes the next analysis. */
  reasons: string[];
  /** The file the Canary was in at the base, when it moved. */
  movedFrom?: string;
  /** Changes that alter how the next analysis runs but start none (Canary, HPA, MetricTemplate …). */
  analysisChanges: string[];
  /** The target's container images (init containers included), rendered, as `name:tag` or `name@digest`. */
  images: { base: string[]; head: string[] };
}

export interface ReviewModel {
  canaries: CanaryChange[];
  /** Findings of changed files that belong to no Canary (YAML problems, MetricTemplates …), head side. */
  files: Array<{ path: string; findings: Finding[] }>;
}

interface Entry {
  scope: RevisionScope;
  report: CanaryReport;
  root: BuildRootInfo;
  /** scope id + namespace/name. */
  identity: string;
}

/** The reason given when the Canary object itself changed. */
export const CANARY_ITSELF_CHANGED = "the Canary itself changed: the next analysis runs with its new settings";

const RAW_ROOT: BuildRootInfo = { id: "", folder: "" };

export function buildReviewModel(input: ReviewInput): ReviewModel {
  const changed = new Set(input.changedPaths);
  const built = input.scopes !== undefined;
  const baseScopes = input.scopes?.base ?? [rawScope(input.base)];
  const headScopes = input.scopes?.head ?? [rawScope(input.head)];
  // Only the file reports are kept: each validation's index (documents by kind and name) goes as
  // soon as its reports exist, before the other revision is validated.
  const headResults = headScopes.map((scope) => ({ scope, files: validateManifests({ files: scope.files, settings: input.settings }).files }));
  const baseResults = baseScopes.map((scope) => ({ scope, files: validateManifests({ files: scope.files, settings: input.settings }).files }));
  const headEntries = headResults.flatMap(({ scope, files }) => listEntries(scope, files.flatMap((f) => f.canaries)));
  const baseEntries = baseResults.flatMap(({ scope, files }) => listEntries(scope, files.flatMap((f) => f.canaries)));
  if (built) markDuplicates(headEntries);

  const pairs = pairEntries(baseEntries, headEntries);
  const ambiguous = findAmbiguousIdentities([...baseEntries, ...headEntries]);
  const unreadableAtHead = new Set(headScopes.flatMap((s) => s.files).filter(isUnreadable).map((f) => f.path));
  const canaries: CanaryChange[] = [];
  for (const { base, head } of pairs) {
    const entry = head ?? base!;
    const file = entry.report.resolved.canary.document.file;
    let status: CanaryChangeStatus | undefined;
    const effects = head && base ? compareTargets({ base: base.report.resolved, head: head.report.resolved, settings: input.settings }) : { revision: [], analysis: [] };
    const baseFile = base?.report.resolved.canary.document.file;
    const movedFrom = head && baseFile !== undefined && baseFile !== head.report.resolved.canary.document.file ? baseFile : undefined;
    const sameObject = base !== undefined && head !== undefined && sameValue(base.report.resolved.canary.document.value, head.report.resolved.canary.document.value);
    if (head && !base) {
      // Raw files: only a changed file (or one a changed file points at) is the pull request's.
      const relevant = built || changed.has(file) || referencedDocuments(head.report.resolved).some((d) => changed.has(d.file));
      if (relevant) status = "added";
    } else if (base && !head) {
      if (built || changed.has(file)) status = unreadableAtHead.has(file) ? "unreadable" : "removed";
    } else if (!sameObject) status = "modified";
    else if (movedFrom !== undefined) status = "modified";
    else if (effects.revision.length > 0 || effects.analysis.length > 0) status = "affected";
    if (!status) continue;

    const report = status === "removed" || status === "unreadable" ? base!.report : head!.report;
    const analysisChanges = [...(status === "modified" && !sameObject ? [CANARY_ITSELF_CHANGED] : []), ...effects.analysis];
    const moved = movedFrom !== undefined && status === "modified" ? [`moved from ${movedFrom}${sameObject ? "; the object the cluster receives is the same" : ""}`] : [];
    const newRevision = status === "modified" || status === "affected" ? effects.revision.length > 0 : false;
    const namespace = report.namespace;
    const baseKey = namespace ? `${namespace}/${report.name}` : report.name;
    const scopeLabel = entry.scope.id;
    const rootLabel = ambiguous.has(entry.identity) && entry.root.id !== "" ? ` (${entry.root.id})` : "";
    canaries.push({
      key: `${scopeLabel ? `${scopeLabel}: ` : ""}${baseKey}${rootLabel}`,
      name: report.name,
      ...(namespace !== undefined ? { namespace } : {}),
      status,
      file: report.resolved.canary.document.file,
      line: report.line,
      affectedBy: newRevision ? effects.revision : [],
      ...(head && status !== "removed" && status !== "unreadable" ? { head: head.report } : {}),
      ...(base ? { base: base.report } : {}),
      policy: head && status !== "removed" && status !== "unreadable" ? buildPolicyDiff({ base: base?.report.resolved.canary.spec, head: head.report.resolved.canary.spec }) : [],
      environment: entry.scope.environment,
      cluster: entry.scope.cluster,
      root: entry.root.id,
      change: status === "added" ? "added" : status === "removed" ? "removed" : status === "affected" ? "unchanged" : "changed",
      newRevision,
      reasons: [...(newRevision ? effects.revision : []), ...moved, ...analysisChanges],
      ...(movedFrom !== undefined ? { movedFrom } : {}),
      analysisChanges,
      images: { base: base ? imagesOf(base.report.resolved) : [], head: head && status !== "removed" ? imagesOf(head.report.resolved) : [] },
    });
  }
  canaries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.key.localeCompare(b.key));

  const seen = new Set<string>();
  const files: ReviewModel["files"] = [];
  for (const { files: reports } of headResults) {
    for (const f of reports) {
      if (!changed.has(f.path) || f.findings.length === 0 || seen.has(f.path)) continue;
      seen.add(f.path);
      files.push({ path: f.path, findings: f.findings });
    }
  }
  return { canaries, files };
}

function rawScope(files: readonly ManifestFile[]): RevisionScope {
  return { id: "", environment: null, cluster: null, files: [...files], rootOf: new Map() };
}

function listEntries(scope: RevisionScope, reports: readonly CanaryReport[]): Entry[] {
  return reports.map((report) => ({
    scope,
    report,
    root: scope.rootOf.get(report.resolved.canary.document) ?? RAW_ROOT,
    identity: `${scope.id}\u0000${report.namespace ?? ""}\u0000${report.name}`,
  }));
}

/**
 * Two Canaries with one identity in one environment: kustomize refuses that within one build, so
 * they come from two builds (two Flux Kustomizations) that overwrite each other in the cluster.
 */
function markDuplicates(entries: readonly Entry[]): void {
  const byIdentity = new Map<string, Entry[]>();
  for (const entry of entries) {
    // Without an environment or cluster, two builds may well go to two clusters: no finding.
    if (entry.scope.id === "") continue;
    byIdentity.set(entry.identity, [...(byIdentity.get(entry.identity) ?? []), entry]);
  }
  for (const group of byIdentity.values()) {
    if (group.length < 2) continue;
    const [first, ...others] = group;
    for (const entry of others) {
      const document = entry.report.resolved.canary.document;
      entry.report.findings.unshift({
        code: "CANARY_DEFINED_TWICE",
        severity: "error",
        message: `Canary ${entry.report.namespace ?? ""}/${entry.report.name} is also built from ${first!.report.resolved.canary.document.file}${first!.root.id ? ` by ${first!.root.id}` : ""}${entry.root.id ? `, and here by ${entry.root.id}` : ""}: both are applied to ${entry.scope.id || "the same cluster"} and overwrite each other (Flux reports the conflict on one of them). Keep one definition.`,
        path: "metadata.name",
        ...document.locate(["metadata", "name"]),
      });
    }
  }
}

/** Identities built by more than one root in the same scope (plain kustomize overlays without Flux nor environments). */
function findAmbiguousIdentities(entries: readonly Entry[]): Set<string> {
  const roots = new Map<string, Set<string>>();
  for (const e of entries) roots.set(e.identity, (roots.get(e.identity) ?? new Set()).add(e.root.id));
  return new Set([...roots].filter(([, r]) => r.size > 1).map(([identity]) => identity));
}

/** Pairs base and head by identity; among several with one identity, by build root, then in order. */
function pairEntries(base: readonly Entry[], head: readonly Entry[]): Array<{ base?: Entry; head?: Entry }> {
  const pairs: Array<{ base?: Entry; head?: Entry }> = [];
  const remaining = new Map<string, Entry[]>();
  for (const entry of base) remaining.set(entry.identity, [...(remaining.get(entry.identity) ?? []), entry]);
  const unmatched: Entry[] = [];
  for (const entry of head) {
    const candidates = remaining.get(entry.identity) ?? [];
    const index = candidates.findIndex((c) => c.root.id === entry.root.id);
    if (index === -1) {
      unmatched.push(entry);
      continue;
    }
    pairs.push({ base: candidates[index]!, head: entry });
    candidates.splice(index, 1);
  }
  for (const entry of unmatched) {
    const candidates = remaining.get(entry.identity) ?? [];
    const match = candidates.shift();
    pairs.push(match ? { base: match, head: entry } : { head: entry });
  }
  for (const candidates of remaining.values()) for (const entry of candidates) pairs.push({ base: entry });
  return pairs;
}

/** What changed among the objects a Canary points at: what starts a new revision, and what changes the next analysis. */
function compareTargets(params: { base: ResolvedCanary; head: ResolvedCanary; settings: ControllerSettings }): { revision: string[]; analysis: string[] } {
  const { base, head, settings } = params;
  const revision: string[] = [];
  const analysis: string[] = [];
  const baseTarget = base.target?.document;
  const headTarget = head.target?.document;
  if (baseTarget && headTarget) {
    const label = `${headTarget.kindName ?? headTarget.kind} ${headTarget.name ?? ""}`;
    const baseTemplate = podTemplateOf(baseTarget.value);
    const headTemplate = podTemplateOf(headTarget.value);
    if (!sameValue(baseTemplate, headTemplate)) {
      const before = imagesOf(base);
      const after = imagesOf(head);
      const images = sameValue(before, after) ? "" : ` (images ${before.join(", ") || "none"} → ${after.join(", ") || "none"})`;
      revision.push(`${label}: its pod template changed${images} (${headTarget.file})`);
    } else if (!sameValue(baseTarget.value, headTarget.value)) {
      analysis.push(`${label} changed outside its pod template (${headTarget.file})`);
    }
    if (settings.enableConfigTracking) {
      for (const reference of listConfigReferences(isRecord(headTarget.value) ? headTarget.value : {})) {
        const key = `${reference.kind}/${reference.name}`;
        const before = base.configs.get(key);
        const after = head.configs.get(key);
        if (!before || !after || !isTracked(after)) continue;
        if (!sameValue(trackedData(before), trackedData(after))) revision.push(`${reference.kind} ${reference.name}, which the pod template uses, changed (${after.file})`);
      }
    }
  }
  const compare = (label: string, a: ManifestDocument | undefined, b: ManifestDocument | undefined) => {
    if (a && b && !sameValue(a.value, b.value)) analysis.push(`${label} ${b.name ?? ""} changed (${b.file})`);
  };
  compare(head.autoscaler?.kindName ?? "autoscaler", base.autoscaler, head.autoscaler);
  compare("Ingress", base.ingress, head.ingress);
  head.metricTemplates.forEach((t, i) => compare("MetricTemplate", base.metricTemplates[i]?.document, t?.document));
  head.alertProviders.forEach((p, i) => compare("AlertProvider", base.alertProviders[i]?.document, p?.document));
  return { revision, analysis };
}

function podTemplateOf(value: unknown): unknown {
  return isRecord(value) && isRecord(value.spec) ? value.spec.template : undefined;
}

/** Flagger skips configs annotated `flagger.app/config-tracking: disable*` and Secrets of other types (config_tracker.go). */
function isTracked(document: ManifestDocument): boolean {
  const value = isRecord(document.value) ? document.value : {};
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const flag = annotations["flagger.app/config-tracking"];
  if (typeof flag === "string" && flag.startsWith("disable")) return false;
  if (document.kind !== "Secret") return true;
  const type = typeof value.type === "string" ? value.type : "Opaque";
  return ["Opaque", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls"].includes(type);
}

/** Flagger's checksum covers `data` only; the API server folds a Secret's `stringData` into it. */
function trackedData(document: ManifestDocument): unknown {
  const value = isRecord(document.value) ? document.value : {};
  if (document.kind !== "Secret") return value.data ?? null;
  const data: Record<string, unknown> = { ...(isRecord(value.data) ? value.data : {}) };
  if (isRecord(value.stringData)) for (const [k, v] of Object.entries(value.stringData)) data[k] = typeof v === "string" ? Buffer.from(v, "utf8").toString("base64") : v;
  return data;
}

/** The target's images, containers then init containers, as written after the build. */
export function imagesOf(resolved: ResolvedCanary): string[] {
  const template = podTemplateOf(resolved.target?.document.value);
  const spec = isRecord(template) && isRecord(template.spec) ? template.spec : {};
  const images: string[] = [];
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) if (isRecord(container) && typeof container.image === "string") images.push(container.image);
  }
  return images;
}

/** Deep equality of plain data, key order ignored (Flagger hashes with sorted keys). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue(a[k], b[k]));
  }
  return false;
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

/** The review JSON's verdict of one Canary (DESIGN.md "review JSON"). */
export function verdictOfChange(change: CanaryChange): "error" | "warning" | "ok" {
  if (change.status === "unreadable") return "error";
  if (change.status === "removed") return "ok";
  const counts = countBySeverity(change.head?.findings ?? []);
  return counts.error > 0 ? "error" : counts.warning > 0 ? "warning" : "ok";
}

/** Whether anything in the review is an error (the check run fails). */
export function hasErrors(model: ReviewModel): boolean {
  return (
    model.canaries.some((c) => c.head?.findings.some((f) => f.severity === "error")) ||
    model.files.some((f) => f.findings.some((x) => x.severity === "error"))
  );
}
