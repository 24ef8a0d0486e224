/**
 * Where a GitOps repository's objects come from, as the cluster builds them (docs/gitops-build.md).
 * Pure: it reads the repository's file list and the parsed YAML of its manifest files.
 *
 * 1. Flux `Kustomization` objects (kustomize.toolkit.fluxcd.io v1, v1beta2, v1beta1): each builds
 *    its `spec.path` with its own namespace, prefix, patches, images and variables.
 * 2. kustomization.yaml folders that no other kustomization (nor a Flux path) includes.
 * 3. Loose manifests: YAML files outside every kustomization folder and every Flux path.
 */
import { parseDocument } from "yaml";
import type { ManifestFile } from "../canary/parse.js";
import { isRecord } from "../canary/parse.js";

/** kustomize's recognised file names (konfig.RecognizedKustomizationFileNames). */
export const KUSTOMIZATION_FILE_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

const FLUX_GROUP = "kustomize.toolkit.fluxcd.io";

export interface VariableSource {
  kind: "ConfigMap" | "Secret";
  name: string;
  optional: boolean;
}

export interface FluxKustomization {
  /** The file that declares the Flux Kustomization, and its line. */
  file: string;
  line: number;
  name: string;
  namespace: string;
  /** spec.path as a folder of the repository, "" for its root. */
  path: string;
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches: unknown[];
  images: unknown[];
  components: string[];
  /** spec.postBuild; undefined when the Kustomization has none (Flux then substitutes nothing). */
  postBuild?: { substitute: Record<string, string>; substituteFrom: VariableSource[] };
  /** `clusters/<name>/…`: the cluster folder the declaring file is in. */
  cluster: string | null;
  /** spec.sourceRef, as written, e.g. `GitRepository/flux-system`. */
  source: string;
  /** The source's `namespace/name` (its namespace defaults to the Kustomization's). */
  sourceKey: string;
}

export interface BuildRoots {
  flux: FluxKustomization[];
  /** Folders with a kustomization file that nothing else includes. */
  plain: string[];
  /** Manifest files outside every kustomization folder and Flux path. */
  loose: string[];
  /** What could not be followed, one sentence each. */
  notes: string[];
}

/** The folder of a path ("" for the repository root). */
export function dirnameOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

/** Joins and normalises a relative path against a folder; undefined when it leaves the repository. */
export function joinPath(folder: string, relative: string): string | undefined {
  const parts = folder === "" ? [] : folder.split("/");
  for (const part of relative.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

export function isUnder(path: string, folder: string): boolean {
  return folder === "" || path === folder || path.startsWith(`${folder}/`);
}

/** kustomize's remote targets: URLs and `github.com/…` style repository references. */
export function isRemoteReference(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^git@/.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry);
}

/** The cluster folder of a path: `clusters/<name>/…`. */
export function clusterOfPath(path: string): string | null {
  const match = /^(?:.*\/)?clusters\/([^/]+)\//.exec(path);
  return match ? match[1]! : null;
}

/** The kustomization file of a folder, if it has one. */
export function findKustomizationFile(paths: ReadonlySet<string>, folder: string): string | undefined {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const candidate = folder === "" ? name : `${folder}/${name}`;
    if (paths.has(candidate)) return candidate;
  }
  return undefined;
}

export interface PatchEntry {
  /** A patch file, relative to the kustomization's folder … */
  path?: string;
  /** … or the patch inline. */
  patch?: string;
  /** Which objects it applies to; without one, the objects the patch itself names. */
  target?: { kind?: string; name?: string };
  /** patchesJson6902 entries are JSON patches; `patches` entries may be either kind. */
  json6902: boolean;
  /** Its position among the kustomization's patch fields, e.g. `["patches", 0]`. */
  at: Array<string | number>;
}

export interface KustomizationEntries {
  /** resources, bases and components entries, as written. */
  entries: string[];
  /** Patch files named by the kustomization (never validated as whole objects). */
  patchFiles: string[];
  /** Every patch, in the order kustomize applies them. */
  patches: PatchEntry[];
}

/** A patch entry of a kustomization (or of a Flux Kustomization's spec.patches). */
export function readPatchEntry(value: unknown, at: Array<string | number>, json6902: boolean): PatchEntry | undefined {
  if (typeof value === "string") return { path: value, json6902, at };
  if (!isRecord(value)) return undefined;
  const target = isRecord(value.target)
    ? { ...(typeof value.target.kind === "string" ? { kind: value.target.kind } : {}), ...(typeof value.target.name === "string" ? { name: value.target.name } : {}) }
    : undefined;
  return {
    ...(typeof value.path === "string" ? { path: value.path } : {}),
    ...(typeof value.patch === "string" ? { patch: value.patch } : {}),
    ...(target ? { target } : {}),
    json6902,
    at,
  };
}

/** Reads the entries of a kustomization file; a file that cannot be read has none. */
export function parseKustomizationEntries(text: string): KustomizationEntries {
  const document = parseDocument(text, { prettyErrors: false });
  let value: unknown;
  try {
    value = document.errors.length === 0 ? document.toJS({ maxAliasCount: 100 }) : undefined;
  } catch {
    value = undefined;
  }
  if (!isRecord(value)) return { entries: [], patchFiles: [], patches: [] };
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const entries = [...strings(value.resources), ...strings(value.bases), ...strings(value.components)];
  const patchFiles = [
    ...strings(value.patchesStrategicMerge),
    ...(Array.isArray(value.patches) ? value.patches : []).flatMap((p) => (isRecord(p) && typeof p.path === "string" ? [p.path] : [])),
    ...(Array.isArray(value.patchesJson6902) ? value.patchesJson6902 : []).flatMap((p) => (isRecord(p) && typeof p.path === "string" ? [p.path] : [])),
  ];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const patches = [
    ...list(value.patchesStrategicMerge).map((p, i) => readPatchEntry(p, ["patchesStrategicMerge", i], false)),
    ...list(value.patchesJson6902).map((p, i) => readPatchEntry(p, ["patchesJson6902", i], true)),
    ...list(value.patches).map((p, i) => readPatchEntry(p, ["patches", i], false)),
  ].filter((p): p is PatchEntry => p !== undefined);
  return { entries, patchFiles, patches };
}

/**
 * Finds the build roots of one revision. `paths` lists every file of the revision; `manifests`
 * are its parsed manifest files (Flux Kustomization objects are read from them); `kustomizations`
 * holds the text of every kustomization file; `isManifest` is the repository's include/exclude.
 */
export function findBuildRoots(params: {
  paths: ReadonlySet<string>;
  manifests: readonly ManifestFile[];
  kustomizations: ReadonlyMap<string, string>;
  isManifest: (path: string) => boolean;
}): BuildRoots {
  const { paths, manifests, kustomizations, isManifest } = params;
  const notes: string[] = [];
  const folders = new Set<string>();
  for (const path of paths) for (let d = dirnameOf(path); ; d = dirnameOf(d)) {
    if (folders.has(d)) break;
    folders.add(d);
    if (d === "") break;
  }

  // GitRepository objects of the repository other than the bootstrap one (`flux-system`, which
  // syncs this repository) point at other repositories: their paths are not here.
  const otherRepositories = new Map<string, string>();
  for (const file of manifests) {
    for (const document of file.documents) {
      if (document.kindName !== "GitRepository" || !document.apiVersion?.startsWith("source.toolkit.fluxcd.io/") || document.name === undefined) continue;
      if (document.name === "flux-system") continue;
      const spec = isRecord(document.value) && isRecord(document.value.spec) ? document.value.spec : {};
      otherRepositories.set(`${document.namespace ?? "flux-system"}/${document.name}`, typeof spec.url === "string" ? spec.url : "another repository");
    }
  }
  const flux: FluxKustomization[] = [];
  for (const file of manifests) {
    if (!isManifest(file.path)) continue;
    for (const document of file.documents) {
      if (document.kindName !== "Kustomization" || !document.apiVersion?.startsWith(`${FLUX_GROUP}/`)) continue;
      const read = readFluxKustomization({ file: file.path, line: document.line, value: document.value });
      const other = read.kind === "root" ? otherRepositories.get(read.root.sourceKey) : undefined;
      if (read.kind === "root" && other !== undefined) {
        notes.push(`Flux Kustomization ${read.root.namespace}/${read.root.name} (${file.path}) builds ${read.root.path || "."} of ${read.root.source} (${other}), another repository; it was not built.`);
      } else if (read.kind === "note") notes.push(read.note);
      else if (!folders.has(read.root.path)) {
        notes.push(`Flux Kustomization ${read.root.namespace}/${read.root.name} (${file.path}) builds ${read.root.path || "."}, which is not in this repository (source ${read.root.source}); it was not built.`);
      } else flux.push(read.root);
    }
  }
  flux.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);

  // Folders another kustomization includes are built through it, never on their own.
  const included = new Set<string>();
  const kustomizationFolders: string[] = [];
  for (const [file, text] of kustomizations) {
    const folder = dirnameOf(file);
    kustomizationFolders.push(folder);
    for (const entry of parseKustomizationEntries(text).entries) {
      if (isRemoteReference(entry)) continue;
      const target = joinPath(folder, entry);
      if (target !== undefined && folders.has(target) && !paths.has(target)) included.add(target);
    }
  }
  const fluxPaths = new Set(flux.map((f) => f.path));
  // A Flux path without a kustomization file is built from everything below it, and the
  // kustomization folders below it are included as they are (fluxcd/pkg/kustomize generator).
  const generatedFluxPaths = [...fluxPaths].filter((p) => findKustomizationFile(paths, p) === undefined);
  const plain = kustomizationFolders
    .filter((folder) => !included.has(folder) && !fluxPaths.has(folder) && !generatedFluxPaths.some((p) => isUnder(folder, p)))
    .filter((folder) => isManifest(findKustomizationFile(paths, folder)!))
    .sort();

  const kustomizationFolderSet = new Set(kustomizationFolders);
  const loose = manifests
    .map((f) => f.path)
    .filter((path) => isManifest(path))
    .filter((path) => !kustomizationFolderSet.has(dirnameOf(path)) && !generatedFluxPaths.some((p) => isUnder(path, p)))
    .sort();
  return { flux, plain, loose, notes };
}

function readFluxKustomization(params: { file: string; line: number; value: unknown }): { kind: "root"; root: FluxKustomization } | { kind: "note"; note: string } {
  const value = isRecord(params.value) ? params.value : {};
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const spec = isRecord(value.spec) ? value.spec : {};
  const name = typeof metadata.name === "string" ? metadata.name : "(unnamed)";
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "flux-system";
  const sourceRef = isRecord(spec.sourceRef) ? spec.sourceRef : {};
  const source = `${typeof sourceRef.kind === "string" ? sourceRef.kind : "?"}/${typeof sourceRef.name === "string" ? sourceRef.name : "?"}`;
  if (typeof sourceRef.kind === "string" && sourceRef.kind !== "GitRepository") {
    return { kind: "note", note: `Flux Kustomization ${namespace}/${name} (${params.file}) builds from ${source}, not from a Git repository; it was not built.` };
  }
  const rawPath = typeof spec.path === "string" ? spec.path : "";
  const path = joinPath("", rawPath);
  if (path === undefined) return { kind: "note", note: `Flux Kustomization ${namespace}/${name} (${params.file}) has path ${rawPath}, outside the repository; it was not built.` };
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  let postBuild: FluxKustomization["postBuild"];
  if (isRecord(spec.postBuild)) {
    const substitute: Record<string, string> = {};
    if (isRecord(spec.postBuild.substitute)) for (const [k, v] of Object.entries(spec.postBuild.substitute)) substitute[k] = typeof v === "string" ? v : String(v);
    const substituteFrom: VariableSource[] = (Array.isArray(spec.postBuild.substituteFrom) ? spec.postBuild.substituteFrom : []).flatMap((s) =>
      isRecord(s) && (s.kind === "ConfigMap" || s.kind === "Secret") && typeof s.name === "string" ? [{ kind: s.kind, name: s.name, optional: s.optional === true }] : [],
    );
    postBuild = { substitute, substituteFrom };
  }
  const targetNamespace = str(spec.targetNamespace);
  const namePrefix = str(spec.namePrefix);
  const nameSuffix = str(spec.nameSuffix);
  return {
    kind: "root",
    root: {
      file: params.file,
      line: params.line,
      name,
      namespace,
      path,
      ...(targetNamespace ? { targetNamespace } : {}),
      ...(namePrefix ? { namePrefix } : {}),
      ...(nameSuffix ? { nameSuffix } : {}),
      patches: Array.isArray(spec.patches) ? spec.patches : [],
      images: Array.isArray(spec.images) ? spec.images : [],
      components: Array.isArray(spec.components) ? spec.components.filter((c): c is string => typeof c === "string") : [],
      ...(postBuild ? { postBuild } : {}),
      cluster: clusterOfPath(params.file),
      source,
      sourceKey: `${typeof sourceRef.namespace === "string" ? sourceRef.namespace : namespace}/${typeof sourceRef.name === "string" ? sourceRef.name : "?"}`,
    },
  };
}

/** Files a build reads besides manifests: generator inputs next to a kustomization file. */
const GENERATOR_INPUT = /\.(json|env|properties|txt|conf|ini|toml|sh|pem|crt|key)$/i;

/** A file name a kustomize generator may read (when it sits next to a kustomization file). */
export function isGeneratorInputName(path: string): boolean {
  return GENERATOR_INPUT.test(path);
}

/** Whether a revision's file list has a kustomization file: the App then builds (docs/github-app.md). */
export function hasKustomizationFile(paths: readonly string[]): boolean {
  return paths.some((path) => (KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(path.slice(path.lastIndexOf("/") + 1)));
}

/**
 * Which files of a revision the build needs, from its file list: every YAML file (manifests,
 * kustomization files, Flux Kustomizations, patches) and the generator inputs of kustomization
 * folders. The CLI reads these from git; the App reads the same from GitHub (within its limits).
 */
export function selectBuildInputs(paths: readonly string[]): string[] {
  const isKustomization = (path: string) => (KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(path.slice(path.lastIndexOf("/") + 1));
  const kustomizationFolders = new Set(paths.filter(isKustomization).map(dirnameOf));
  return paths.filter((path) => isKustomization(path) || /\.ya?ml$/i.test(path) || (GENERATOR_INPUT.test(path) && kustomizationFolders.has(dirnameOf(path))));
}
