/**
 * From kustomize's output to documents placed in their source files. Pure.
 *
 * kustomize writes where each object came from when the kustomization it builds asks for
 * `buildMetadata: [originAnnotations]` (kustomize docs, "buildMetadata"): the annotation
 * `config.kubernetes.io/origin` holds `path:` (the resource file, relative to the built folder) or,
 * for generated objects, `configuredIn:` (the kustomization file whose generator made it). The
 * annotation is removed again, so the object is exactly what the cluster receives; the object is
 * then found in its source file by kind and name, and every finding on it points into that file.
 */
import { parse as parseYaml } from "yaml";
import type { PathSegment } from "../canary/findings.js";
import { isRecord, parseManifestFile, type ManifestDocument, type ManifestFile } from "../canary/parse.js";
import type { SourcePosition } from "../canary/positions.js";
import { joinPath } from "./roots.js";
import { SUBSTITUTE_DISABLED_KEY, substituteVariables } from "./substitute.js";

export const ORIGIN_ANNOTATION = "config.kubernetes.io/origin";

export interface Substitution {
  variables: ReadonlyMap<string, string>;
  /** Some variable sources are not in the repository: leave undefined names as written. */
  leaveUnknown: boolean;
}

/**
 * A patch, ready to place findings: its value (a strategic-merge object, or the operations of a
 * JSON patch) and where its parts are written (the patch file, or the inline patch's entry).
 */
export interface PatchSource {
  file: string;
  value: unknown;
  json6902: boolean;
  /** Which objects it applies to: the target, else the kind and name the patch itself names. */
  kind?: string;
  name?: string;
  /** Where a path inside the patch value is written. */
  locate(path: readonly PathSegment[]): SourcePosition;
}

export interface RenderedDocuments {
  documents: ManifestDocument[];
  /** Source files the documents were placed in, with their own findings. */
  sources: Map<string, ManifestFile>;
  notes: string[];
}

/**
 * Splits kustomize's output into documents and places each in its source file.
 * `builtFrom` is the folder of the generated kustomization, relative to the folder that holds the
 * repository copy at `repositoryFolder` (both as kustomize sees them), e.g. `roots/3` and `repo`.
 */
export function buildRenderedDocuments(params: {
  output: string;
  builtFrom: string;
  repositoryFolder: string;
  /** The parsed source files of the revision, by path. */
  sourceFiles: ReadonlyMap<string, ManifestFile>;
  substitution?: Substitution;
  /** Names the build in notes, e.g. `Flux Kustomization flux-system/apps`. */
  label: string;
  /** The patches of the build, in the order kustomize applies them. */
  patches?: readonly PatchSource[];
}): RenderedDocuments {
  const documents: ManifestDocument[] = [];
  const sources = new Map<string, ManifestFile>();
  const notes: string[] = [];
  const missing = new Set<string>();
  const unknown = new Set<string>();
  for (const chunk of splitDocuments(params.output)) {
    let parsed = parseManifestFile({ path: "(kustomize output)", content: chunk }).documents[0];
    if (!parsed || !isRecord(parsed.value)) continue;
    const origin = readOrigin(parsed.value, params);
    if (params.substitution && params.substitution.variables.size > 0 && !isSubstitutionDisabled(parsed.value)) {
      const result = substituteVariables({ text: chunk, variables: params.substitution.variables, leaveUnknown: params.substitution.leaveUnknown });
      result.missing.forEach((m) => missing.add(m));
      result.unknown.forEach((u) => unknown.add(u));
      if (result.text !== chunk) {
        const substituted = parseManifestFile({ path: "(kustomize output)", content: result.text }).documents[0];
        if (substituted && isRecord(substituted.value)) parsed = substituted;
        else notes.push(`${params.label}: after variable substitution, ${parsed.kindName ?? "an object"} ${parsed.name ?? ""} is no longer valid YAML; it is reviewed as written.`);
      }
    }
    const value = withoutOriginAnnotation(parsed.value);
    const sourcePath = origin?.path;
    const sourceFile = sourcePath ? params.sourceFiles.get(sourcePath) : undefined;
    if (sourceFile && sourcePath && !sources.has(sourcePath)) {
      // kustomize read the file whole and its objects are validated one by one from the output:
      // a file over canary-bot's own read limit (e.g. Flux's gotk-components.yaml) is not a problem here.
      sources.set(sourcePath, { ...sourceFile, findings: sourceFile.findings.filter((f) => f.code !== "FILE_TOO_LARGE") });
    }
    const source = sourceFile && origin?.kind === "resource" ? findSourceDocument(sourceFile, parsed) : undefined;
    const metadata = isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
    documents.push({
      file: sourcePath ?? "(generated)",
      index: source?.index ?? 0,
      line: source?.line ?? 1,
      kind: parsed.kind,
      ...(parsed.apiVersion !== undefined ? { apiVersion: parsed.apiVersion } : {}),
      ...(parsed.kindName !== undefined ? { kindName: parsed.kindName } : {}),
      ...(typeof metadata.name === "string" ? { name: metadata.name } : {}),
      ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
      value,
      locate: source ? buildLocator({ source, patches: findPatches(params.patches ?? [], source, parsed) }) : () => firstLine,
    });
  }
  if (missing.size > 0) {
    notes.push(`${params.label}: ${[...missing].map((m) => `\${${m}}`).join(", ")} ${missing.size === 1 ? "has" : "have"} no value and no default; Flux substitutes the empty string (or fails the build with the StrictPostBuildSubstitutions feature gate).`);
  }
  if (unknown.size > 0) {
    notes.push(`${params.label}: ${[...unknown].map((m) => `\${${m}}`).join(", ")} may come from a ConfigMap or Secret that is not in the repository; left as written.`);
  }
  return { documents, sources, notes };
}

const firstLine: SourcePosition = { line: 1, column: 1 };

/** The patches that apply to an object: same kind, and (when the patch names one) the name in its source or as rendered. */
function findPatches(patches: readonly PatchSource[], source: ManifestDocument, rendered: ManifestDocument): PatchSource[] {
  return patches.filter((p) => p.kind === source.kindName && (p.name === undefined || p.name === source.name || p.name === rendered.name));
}

/**
 * Where a field of a rendered object is written: in the last patch that sets it (a finding on a
 * field a patch sets belongs on the patch's line, in the patch's file), else in the source file.
 */
function buildLocator(params: { source: ManifestDocument; patches: readonly PatchSource[] }) {
  return (path: readonly PathSegment[], at?: "key" | "value"): SourcePosition => {
    for (let i = params.patches.length - 1; i >= 0 && path.length > 0; i -= 1) {
      const patch = params.patches[i]!;
      if (!patch.json6902) {
        if (hasPath(patch.value, path)) return { ...patch.locate(path), file: patch.file };
        continue;
      }
      // A JSON patch: the last add/replace whose path is the field or one of its ancestors.
      const operations = Array.isArray(patch.value) ? patch.value : [];
      for (let j = operations.length - 1; j >= 0; j -= 1) {
        const operation = operations[j];
        if (!isRecord(operation) || (operation.op !== "add" && operation.op !== "replace") || typeof operation.path !== "string") continue;
        const target = parsePointer(operation.path);
        if (target.length > path.length || !target.every((segment, k) => String(segment) === String(path[k]))) continue;
        const rest = path.slice(target.length);
        const inside = hasPath(operation.value, rest) ? [j, "value", ...rest] : [j];
        return { ...patch.locate(inside), file: patch.file };
      }
    }
    return params.source.locate(path, at);
  };
}

/** A JSON pointer (RFC 6901) as path segments; `-` (append) stays as written. */
function parsePointer(pointer: string): PathSegment[] {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function hasPath(value: unknown, path: readonly PathSegment[]): boolean {
  let node: unknown = value;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === "number") node = node[segment];
    else if (isRecord(node) && typeof segment === "string" && Object.prototype.hasOwnProperty.call(node, segment)) node = node[segment];
    else return false;
  }
  return true;
}

/** kustomize separates documents with a `---` line. */
export function splitDocuments(output: string): string[] {
  return output
    .split(/^---[ \t]*$/m)
    .map((chunk) => chunk.replace(/^\n/, ""))
    .filter((chunk) => chunk.trim() !== "");
}

function readOrigin(value: Record<string, unknown>, params: { builtFrom: string; repositoryFolder: string }): { kind: "resource" | "generated"; path?: string } | undefined {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const text = annotations[ORIGIN_ANNOTATION];
  if (typeof text !== "string") return undefined;
  let origin: unknown;
  try {
    origin = parseYaml(text);
  } catch {
    return undefined;
  }
  if (!isRecord(origin)) return undefined;
  const toRepositoryPath = (relative: unknown): string | undefined => {
    if (typeof relative !== "string") return undefined;
    const joined = joinPath(params.builtFrom, relative);
    const prefix = `${params.repositoryFolder}/`;
    return joined?.startsWith(prefix) ? joined.slice(prefix.length) : undefined;
  };
  // A remote base's objects name their repository (`repo:`): there is no file here to point at.
  if (typeof origin.repo === "string") return undefined;
  if (origin.path !== undefined) {
    const path = toRepositoryPath(origin.path);
    return path === undefined ? undefined : { kind: "resource", path };
  }
  const configuredIn = toRepositoryPath(origin.configuredIn);
  return configuredIn === undefined ? undefined : { kind: "generated", path: configuredIn };
}

function isSubstitutionDisabled(value: Record<string, unknown>): boolean {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  return labels[SUBSTITUTE_DISABLED_KEY] === "disabled" || annotations[SUBSTITUTE_DISABLED_KEY] === "disabled";
}

function withoutOriginAnnotation(value: unknown): unknown {
  if (!isRecord(value) || !isRecord(value.metadata) || !isRecord(value.metadata.annotations)) return value;
  const { [ORIGIN_ANNOTATION]: _origin, ...annotations } = value.metadata.annotations;
  const { annotations: _all, ...metadata } = value.metadata;
  return { ...value, metadata: Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata };
}

/**
 * The document of `file` the rendered object came from: same kind, and the same name or one that
 * kustomize extended (namePrefix, nameSuffix, a generator's hash). A file holds few objects of
 * one kind, so the longest contained name is the right one.
 */
export function findSourceDocument(file: ManifestFile, rendered: ManifestDocument): ManifestDocument | undefined {
  const sameKind = file.documents.filter((d) => d.kindName === rendered.kindName);
  const name = rendered.name ?? "";
  const exact = sameKind.find((d) => d.name === name);
  if (exact) return exact;
  const contained = sameKind.filter((d) => d.name !== undefined && d.name !== "" && name.includes(d.name)).sort((a, b) => b.name!.length - a.name!.length);
  return contained[0] ?? (sameKind.length === 1 ? sameKind[0] : undefined);
}

