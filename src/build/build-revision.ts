/**
 * Builds one revision of a GitOps repository the way its clusters do (docs/gitops-build.md): finds
 * the build roots, copies the revision into a temporary folder, runs kustomize once per root with
 * a generated wrapper kustomization (Flux's namespace, prefix, patches and images, plus
 * `buildMetadata: [originAnnotations]` so that every object names its source file), applies Flux's
 * variable substitution, and groups the objects by environment or cluster.
 *
 * An I/O edge: it writes a temporary folder and runs the kustomize binary. Without a binary, and
 * for a root kustomize cannot build, the files are read as they are, and a note says so.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { isRecord, parseManifestFile, type ManifestDocument, type ManifestFile } from "../canary/parse.js";
import { buildPathMatcher, compileGlob, type RepositoryConfig } from "../config/index.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { BUILD_LIMITS } from "../limits.js";
import { runKustomize, type KustomizeEngine, type KustomizeResult } from "./kustomize.js";
import { buildRenderedDocuments, type PatchSource, type Substitution } from "./render.js";
import {
  clusterOfPath,
  dirnameOf,
  findBuildRoots,
  findKustomizationFile,
  isRemoteReference,
  isUnder,
  joinPath,
  KUSTOMIZATION_FILE_NAMES,
  parseKustomizationEntries,
  readPatchEntry,
  type FluxKustomization,
  type PatchEntry,
} from "./roots.js";
import { VARIABLE_NAME } from "./substitute.js";
import type { BuildRootInfo, BuiltRevision, RevisionScope } from "./types.js";

/** A revision's files: path → content. The App passes what it read from GitHub, the CLI what git has. */
export type RevisionFiles = ReadonlyMap<string, string | Uint8Array>;

const MANIFEST_NAME = /\.ya?ml$/i;
const WORKSPACE_PREFIX = "canary-bot-build-";
const WORKSPACE_PATH = new RegExp(`\\S*${WORKSPACE_PREFIX}[A-Za-z0-9]+/(?:roots/\\d+/\\.\\./\\.\\./)?(?:repo/)?`, "g");

interface Root {
  info: BuildRootInfo;
  /** The Flux Kustomization, when the root is one. */
  flux?: FluxKustomization;
}

interface Placed {
  document: ManifestDocument;
  root: BuildRootInfo;
  /** Also matched against environments' paths: the file declaring the Flux Kustomization. */
  declaredIn?: string;
  cluster: string | null;
}

/**
 * Builds a revision. `engine` undefined reads every manifest as it is (no kustomize binary).
 * Never throws on repository content: what cannot be built becomes a note and raw files.
 */
/**
 * kustomize's output per build input (see `hashBuildInputs`), shared by the builds of a review's
 * two revisions: a root whose inputs did not change is built once.
 */
export type BuildCache = Map<string, Promise<KustomizeResult>>;

export async function runRevisionBuild(params: { files: RevisionFiles; config: RepositoryConfig; engine: KustomizeEngine | undefined; cache?: BuildCache }): Promise<BuiltRevision> {
  const { files, config, engine } = params;
  const isManifest = buildPathMatcher(config.manifests);
  const paths = new Set(files.keys());
  const kustomizations = new Map<string, string>();
  const manifests = new Map<string, ManifestFile>();
  for (const [path, content] of files) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    if ((KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(name)) kustomizations.set(path, toText(content));
    else if (MANIFEST_NAME.test(path)) manifests.set(path, parseManifestFile({ path, content }));
  }
  const notes: string[] = [];
  const placed: Placed[] = [];
  const placeRaw = (file: ManifestFile, root: BuildRootInfo, cluster: string | null) => {
    for (const document of file.documents) placed.push({ document, root, cluster });
  };
  const rawFindings = new Map<string, ManifestFile>();

  const roots = findBuildRoots({ paths, manifests: [...manifests.values()], kustomizations, isManifest });
  const looseRoot: BuildRootInfo = { id: "", folder: "" };
  const hasBuilds = roots.flux.length > 0 || roots.plain.length > 0;
  if (!engine || !hasBuilds) {
    if (hasBuilds) {
      notes.push(
        "No kustomize binary was found (install kustomize or kubectl, or set KUSTOMIZE_BIN): manifests were reviewed as raw files, without kustomize overlays, Flux namespaces or variable substitution.",
      );
    }
    for (const file of manifests.values()) {
      if (!isManifest(file.path)) continue;
      rawFindings.set(file.path, file);
      // Without a build nothing says where a file goes but the environments' paths: one scope, so
      // that references resolve across the whole repository as they always did.
      placeRaw(file, looseRoot, null);
    }
    return { mode: "raw", scopes: groupIntoScopes({ placed, environments: config.environments, sources: rawFindings }), notes };
  }
  notes.push(...roots.notes);

  const all: Root[] = [
    ...roots.flux.map((flux) => ({ info: { id: `Kustomization ${flux.namespace}/${flux.name} (${flux.file})`, folder: flux.path }, flux })),
    ...roots.plain.map((folder) => ({ info: { id: folder || ".", folder } })),
  ];
  if (all.length > BUILD_LIMITS.rootsPerRevision) {
    notes.push(`The repository has ${all.length} build roots; the first ${BUILD_LIMITS.rootsPerRevision} were built and the others read as raw files (BUILD_LIMITS.rootsPerRevision).`);
  }
  const patchFiles = new Set<string>();
  for (const [file, text] of kustomizations) {
    for (const patch of parseKustomizationEntries(text).patchFiles) {
      const path = joinPath(dirnameOf(file), patch);
      if (path !== undefined) patchFiles.add(path);
    }
  }

  const workspace = await mkdtemp(join(tmpdir(), WORKSPACE_PREFIX));
  const sources = new Map<string, ManifestFile>();
  try {
    await writeRevision(join(workspace, "repo"), files);
    let index = 0;
    const rootNotes: string[][] = [];
    const queue = all.slice(0, BUILD_LIMITS.rootsPerRevision);
    const overflow = all.slice(BUILD_LIMITS.rootsPerRevision);
    // Two builds at a time: kustomize is single-threaded, and a review shares the machine.
    const worker = async () => {
      for (let root = queue.shift(); root; root = queue.shift()) {
        const n = index++;
        const result = await buildRoot({ root, n, workspace, engine, paths, manifests, kustomizations, files, ...(params.cache ? { cache: params.cache } : {}) });
        // Notes in the order of the roots, whichever build finishes first.
        // Temporary folders (this revision's, or the other's when the build was shared) mean nothing to a reader.
        rootNotes[n] = result.notes.map((note) => note.replace(WORKSPACE_PATH, ""));
        if (result.documents) {
          for (const [path, file] of result.sources) sources.set(path, file);
          for (const document of result.documents) {
            placed.push({ document, root: root.info, ...(root.flux ? { declaredIn: root.flux.file } : {}), cluster: root.flux?.cluster ?? clusterOfPath(document.file) });
          }
        } else {
          for (const file of rawFilesOf({ root, manifests, patchFiles, paths, kustomizations })) {
            sources.set(file.path, file);
            for (const document of file.documents) placed.push({ document, root: root.info, ...(root.flux ? { declaredIn: root.flux.file } : {}), cluster: root.flux?.cluster ?? clusterOfPath(file.path) });
          }
        }
      }
    };
    await Promise.all([worker(), worker()]);
    notes.push(...rootNotes.flat());
    for (const root of overflow) {
      for (const file of rawFilesOf({ root, manifests, patchFiles, paths, kustomizations })) {
        sources.set(file.path, file);
        placeRaw(file, root.info, root.flux?.cluster ?? clusterOfPath(file.path));
      }
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
  notes.push(...describeUnusedCanaryFiles({ manifests, sources, patchFiles, loose: roots.loose, isManifest }));
  for (const path of roots.loose) {
    const file = manifests.get(path)!;
    sources.set(path, file);
    // A loose file under `clusters/<name>/` is applied by that cluster's bootstrap Kustomization.
    placeRaw(file, looseRoot, clusterOfPath(path));
  }
  return { mode: "kustomize", scopes: groupIntoScopes({ placed, environments: config.environments, sources }), notes };
}

function toText(content: string | Uint8Array): string {
  return typeof content === "string" ? content : Buffer.from(content).toString("utf8");
}

async function writeRevision(folder: string, files: RevisionFiles): Promise<void> {
  for (const [path, content] of files) {
    // Paths come from git or GitHub; one that would leave the folder is never written.
    if (joinPath("", path) !== path || path === "") continue;
    const target = join(folder, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

/** Every kustomization folder a root reaches, and whether one of them names a remote base. */
function walkKustomizations(params: { start: string; paths: ReadonlySet<string>; kustomizations: ReadonlyMap<string, string> }): { folders: string[]; remote: string[] } {
  const seen = new Set<string>();
  const remote: string[] = [];
  const stack = [params.start];
  while (stack.length > 0) {
    const folder = stack.pop()!;
    if (seen.has(folder)) continue;
    seen.add(folder);
    const file = findKustomizationFile(params.paths, folder);
    if (!file) continue;
    for (const entry of parseKustomizationEntries(params.kustomizations.get(file) ?? "").entries) {
      if (isRemoteReference(entry)) {
        remote.push(entry);
        continue;
      }
      const target = joinPath(folder, entry);
      if (target !== undefined && !params.paths.has(target)) stack.push(target);
    }
  }
  return { folders: [...seen], remote };
}

async function buildRoot(params: {
  root: Root;
  n: number;
  workspace: string;
  engine: KustomizeEngine;
  paths: ReadonlySet<string>;
  manifests: ReadonlyMap<string, ManifestFile>;
  kustomizations: ReadonlyMap<string, string>;
  files: RevisionFiles;
  cache?: BuildCache;
}): Promise<{ documents?: ManifestDocument[]; sources: Map<string, ManifestFile>; notes: string[] }> {
  const { root, n, workspace, engine, paths, manifests, kustomizations } = params;
  const label = root.flux ? `Flux ${root.info.id}` : `kustomization ${root.info.id}`;
  const notes: string[] = [];
  const folder = root.info.folder;
  const generated = findKustomizationFile(paths, folder) === undefined;
  const walk = walkKustomizations({ start: folder, paths, kustomizations });
  if (walk.remote.length > 0) {
    return { sources: new Map(), notes: [`${label} uses a remote base (${walk.remote[0]}), which canary-bot cannot fetch: its files were reviewed as they are.`] };
  }
  if (generated) {
    // Flux builds a path without a kustomization file from every manifest below it, and includes
    // the folders below that have one (fluxcd/pkg/kustomize, generator.go: generateKustomization).
    const resources = listGeneratedResources({ folder, paths, manifests });
    notes.push(...resources.skipped.map((path) => `${label}: ${path} holds YAML that is not a Kubernetes object; Flux fails to build such a path ("failed to decode Kubernetes YAML"). It was left out here.`));
    await writeFile(join(workspace, "repo", folder, "kustomization.yaml"), JSON.stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: resources.entries }, null, 2));
  }
  const wrapperFolder = `roots/${n}`;
  const repositoryFromWrapper = `../../repo${folder === "" ? "" : `/${folder}`}`;
  const wrapper: Record<string, unknown> = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: [repositoryFromWrapper],
    buildMetadata: ["originAnnotations"],
  };
  const flux = root.flux;
  if (flux) {
    // The fields Flux writes into the kustomization it builds (kustomize-controller, generator.go).
    if (flux.targetNamespace) wrapper.namespace = flux.targetNamespace;
    if (flux.namePrefix) wrapper.namePrefix = flux.namePrefix;
    if (flux.nameSuffix) wrapper.nameSuffix = flux.nameSuffix;
    if (flux.patches.length > 0) wrapper.patches = flux.patches;
    if (flux.images.length > 0) wrapper.images = flux.images;
    if (flux.components.length > 0) wrapper.components = flux.components.map((c) => `${repositoryFromWrapper}/${c}`);
  }
  await mkdir(join(workspace, wrapperFolder), { recursive: true });
  await writeFile(join(workspace, wrapperFolder, "kustomization.yaml"), JSON.stringify(wrapper, null, 2));
  const run = () => runKustomize({ engine, folder: join(workspace, wrapperFolder), loadRestrictorNone: flux !== undefined });
  let result: KustomizeResult;
  if (params.cache) {
    const key = hashBuildInputs({ folder, wrapper, engine, paths, files: params.files, kustomizations, generated });
    let pending = params.cache.get(key);
    if (!pending) {
      pending = run();
      params.cache.set(key, pending);
    }
    result = await pending;
  } else result = await run();
  if (!result.ok) {
    notes.push(`${label} could not be built (${result.error}): its files were reviewed as they are.`);
    return { sources: new Map(), notes };
  }
  let substitution: Substitution | undefined;
  if (flux?.postBuild) {
    const variables = readVariables({ flux, manifests });
    notes.push(...variables.notes);
    substitution = variables.substitution;
  }
  const patches = listPatchSources({ folders: walk.folders, paths, kustomizations, manifests, ...(flux ? { flux } : {}) });
  const rendered = buildRenderedDocuments({ output: result.output, builtFrom: wrapperFolder, repositoryFolder: "repo", sourceFiles: manifests, label, patches, ...(substitution ? { substitution } : {}) });
  notes.push(...rendered.notes);
  return { documents: rendered.documents, sources: rendered.sources, notes };
}

/** The resources of the kustomization Flux generates for a path that has none. */
export function listGeneratedResources(params: { folder: string; paths: ReadonlySet<string>; manifests: ReadonlyMap<string, ManifestFile> }): { entries: string[]; skipped: string[] } {
  const { folder, paths, manifests } = params;
  const entries = new Set<string>();
  const skipped: string[] = [];
  const relative = (path: string) => (folder === "" ? path : path.slice(folder.length + 1));
  for (const path of [...paths].sort()) {
    if (!isUnder(path, folder) || path === folder) continue;
    // The first folder below the root that has a kustomization file is included whole.
    let included: string | undefined;
    for (let d = dirnameOf(path); d !== folder && isUnder(d, folder); d = dirnameOf(d)) {
      if (findKustomizationFile(paths, d) !== undefined) included = d;
    }
    if (included !== undefined) {
      entries.add(relative(included));
      continue;
    }
    if (!MANIFEST_NAME.test(path)) continue;
    const file = manifests.get(path);
    if (!file) continue;
    const objects = file.documents.filter((d) => d.kind !== "empty");
    if (objects.length === 0) continue;
    if (objects.some((d) => !isRecord(d.value) || typeof d.value.apiVersion !== "string" || typeof d.value.kind !== "string")) {
      skipped.push(path);
      continue;
    }
    entries.add(relative(path));
  }
  return { entries: [...entries], skipped };
}

/** The files of a root read as they are: every manifest in its kustomization folders, patches left out. */
function rawFilesOf(params: { root: Root; manifests: ReadonlyMap<string, ManifestFile>; patchFiles: ReadonlySet<string>; paths: ReadonlySet<string>; kustomizations: ReadonlyMap<string, string> }): ManifestFile[] {
  const { root, manifests, patchFiles } = params;
  const generated = findKustomizationFile(params.paths, root.info.folder) === undefined;
  const folders = new Set(walkKustomizations({ start: root.info.folder, paths: params.paths, kustomizations: params.kustomizations }).folders);
  return [...manifests.values()].filter((file) => !patchFiles.has(file.path) && (folders.has(dirnameOf(file.path)) || (generated && isUnder(file.path, root.info.folder))));
}

/**
 * Flux's variables for a Kustomization: `substituteFrom` ConfigMaps and Secrets in order (found in
 * the repository, in the Kustomization's namespace), then `substitute`, which wins.
 */
function readVariables(params: { flux: FluxKustomization; manifests: ReadonlyMap<string, ManifestFile> }): { substitution?: Substitution; notes: string[] } {
  const { flux } = params;
  const label = `Flux Kustomization ${flux.namespace}/${flux.name}`;
  const notes: string[] = [];
  const variables = new Map<string, string>();
  let leaveUnknown = false;
  for (const source of flux.postBuild!.substituteFrom) {
    const document = [...params.manifests.values()]
      .flatMap((f) => f.documents)
      .find((d) => d.kindName === source.kind && d.apiVersion === "v1" && d.name === source.name && (d.namespace ?? flux.namespace) === flux.namespace);
    const data = document ? readData(document) : undefined;
    if (!data) {
      if (!source.optional) {
        leaveUnknown = true;
        notes.push(`${label} takes variables from ${source.kind} ${flux.namespace}/${source.name}, which is not readable in the repository (absent or encrypted); variables it may define were left as written.`);
      }
      continue;
    }
    for (const [k, v] of data) variables.set(k, v);
  }
  for (const [k, v] of Object.entries(flux.postBuild!.substitute)) variables.set(k, v);
  const invalid = [...variables.keys()].filter((k) => !VARIABLE_NAME.test(k));
  if (invalid.length > 0) {
    notes.push(`${label} defines variable ${invalid[0]}, whose name Flux refuses (it must match ^[_[:alpha:]][_[:alpha:][:digit:]]*$): Flux fails this build. No variables were substituted here.`);
    return { notes };
  }
  return { substitution: { variables, leaveUnknown }, notes };
}

function readData(document: ManifestDocument): Map<string, string> | undefined {
  if (!isRecord(document.value)) return undefined;
  // A SOPS-encrypted Secret is decrypted by Flux in the cluster; its values are not readable here.
  if (document.value.sops !== undefined) return undefined;
  const out = new Map<string, string>();
  const data = isRecord(document.value.data) ? document.value.data : {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string") continue;
    out.set(k, document.kindName === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v);
  }
  if (document.kindName === "Secret" && isRecord(document.value.stringData)) {
    for (const [k, v] of Object.entries(document.value.stringData)) if (typeof v === "string") out.set(k, v);
  }
  return out;
}

/**
 * Raw files (no build) grouped by environment as `runRevisionBuild` groups them without kustomize:
 * the App's review of a repository without kustomization files, which reads only the files a
 * review needs, gets the same scopes as `canary-bot review --repo` on the whole checkout.
 */
export function groupRawFilesIntoScopes(params: { files: readonly ManifestFile[]; environments: readonly EnvironmentConfig[] }): RevisionScope[] {
  const looseRoot: BuildRootInfo = { id: "", folder: "" };
  const placed: Placed[] = params.files.flatMap((file) => file.documents.map((document) => ({ document, root: looseRoot, cluster: null })));
  return groupIntoScopes({ placed, environments: params.environments, sources: new Map(params.files.map((f) => [f.path, f] as const)) });
}

/** Groups placed documents by environment (config `environments[].paths`), else cluster. */
function groupIntoScopes(params: { placed: readonly Placed[]; environments: readonly EnvironmentConfig[]; sources: ReadonlyMap<string, ManifestFile> }): RevisionScope[] {
  const environments = params.environments.map((e) => ({ environment: e, patterns: e.paths.map((p) => compileGlob(p)) }));
  const scopes = new Map<string, { scope: RevisionScope; files: Map<string, ManifestFile>; rootOf: Map<ManifestDocument, BuildRootInfo> }>();
  for (const item of params.placed) {
    // The source file, the Flux Kustomization's own file, and a file in the built folder: the
    // first environment with a path glob matching any of them wins (docs/gitops-build.md).
    const candidates = [item.document.file, ...(item.declaredIn ? [item.declaredIn] : []), ...(item.root.id !== "" ? [`${item.root.folder === "" ? "" : `${item.root.folder}/`}kustomization.yaml`] : [])];
    const match = environments.find((e) => e.patterns.some((p) => candidates.some((c) => p.test(c))));
    const environment = match?.environment.name ?? null;
    const cluster = match?.environment.cluster ?? item.cluster;
    const id = environment ?? cluster ?? "";
    let entry = scopes.get(id);
    if (!entry) {
      const files = new Map<string, ManifestFile>();
      const rootOf = new Map<ManifestDocument, BuildRootInfo>();
      entry = { scope: { id, environment, cluster, files: [], rootOf }, files, rootOf };
      scopes.set(id, entry);
    }
    let file = entry.files.get(item.document.file);
    if (!file) {
      file = { path: item.document.file, documents: [], findings: [...(params.sources.get(item.document.file)?.findings ?? [])] };
      entry.files.set(item.document.file, file);
    }
    file.documents.push(item.document);
    entry.rootOf.set(item.document, item.root);
  }
  // Files that hold no object (YAML errors, empty files) still carry their findings.
  for (const [path, file] of params.sources) {
    if (file.documents.length > 0 || [...scopes.values()].some((s) => s.files.has(path))) continue;
    const scope = scopes.get("") ?? { scope: { id: "", environment: null, cluster: null, files: [], rootOf: new Map() }, files: new Map(), rootOf: new Map() };
    scopes.set("", scope);
    scope.files.set(path, { path, documents: [], findings: [...file.findings] });
  }
  return [...scopes.values()]
    .map((s) => ({ ...s.scope, files: [...s.files.values()].sort((a, b) => a.path.localeCompare(b.path)) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}


/**
 * A Canary in a kustomization folder that no build uses: not listed in `resources`, so neither
 * kustomize nor Flux applies it. Said once per file, so that no Canary is skipped silently.
 */
function describeUnusedCanaryFiles(params: {
  manifests: ReadonlyMap<string, ManifestFile>;
  sources: ReadonlyMap<string, ManifestFile>;
  patchFiles: ReadonlySet<string>;
  loose: readonly string[];
  isManifest: (path: string) => boolean;
}): string[] {
  const loose = new Set(params.loose);
  const notes: string[] = [];
  for (const file of params.manifests.values()) {
    if (params.sources.has(file.path) || params.patchFiles.has(file.path) || loose.has(file.path) || !params.isManifest(file.path)) continue;
    const canaries = file.documents.filter((d) => d.kind === "Canary").map((d) => d.name ?? "(unnamed)");
    if (canaries.length === 0) continue;
    notes.push(`${file.path} holds Canary ${canaries.join(", ")}, but no kustomization or Flux Kustomization builds it (it is not among any resources): the cluster never receives it, and it was not reviewed.`);
  }
  return notes;
}

/**
 * A key for everything one kustomize build can read: the wrapper, and the content of every file
 * in the folders the build reaches and of every file a kustomization there names (resources,
 * patches, generator inputs, components …: every string of a kustomization file that names a file
 * or folder of the repository is followed). Conservative: a file named in an unusual field is
 * still hashed; only the key's equality is used, never its absence.
 */
function hashBuildInputs(params: {
  folder: string;
  wrapper: unknown;
  engine: KustomizeEngine;
  paths: ReadonlySet<string>;
  files: RevisionFiles;
  kustomizations: ReadonlyMap<string, string>;
  generated: boolean;
}): string {
  const { paths, files } = params;
  const hash = createHash("sha256");
  hash.update(JSON.stringify([params.engine.command, params.engine.args, params.wrapper, params.folder, params.generated]));
  const byFolder = new Map<string, string[]>();
  for (const path of paths) {
    const folder = dirnameOf(path);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), path]);
  }
  const included = new Set<string>();
  const visited = new Set<string>();
  const queue = [params.folder];
  const includeFolder = (folder: string, recursive: boolean) => {
    for (const [f, list] of byFolder) if (f === folder || (recursive && isUnder(f, folder))) list.forEach((p) => included.add(p));
  };
  // A generated Flux path reads every file below it.
  if (params.generated) includeFolder(params.folder, true);
  while (queue.length > 0) {
    const folder = queue.shift()!;
    if (visited.has(folder)) continue;
    visited.add(folder);
    includeFolder(folder, false);
    const file = findKustomizationFile(paths, folder);
    if (!file) continue;
    for (const text of collectStrings(parseKustomizationValue(params.kustomizations.get(file) ?? ""))) {
      for (const candidate of [text, text.slice(text.indexOf("=") + 1)]) {
        const target = joinPath(folder, candidate);
        if (target === undefined) continue;
        if (paths.has(target)) included.add(target);
        else if (byFolder.has(target) || [...byFolder.keys()].some((f) => isUnder(f, target) && target !== "")) queue.push(target);
      }
    }
  }
  for (const path of [...included].sort()) {
    const content = files.get(path);
    hash.update(`\u0000${path}\u0000`);
    hash.update(typeof content === "string" ? content : Buffer.from(content ?? new Uint8Array()));
  }
  return hash.digest("hex");
}

function parseKustomizationValue(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

function collectStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out));
  else if (isRecord(value)) Object.values(value).forEach((v) => collectStrings(v, out));
  return out;
}

/**
 * The patches of a build in the order kustomize applies them: the innermost kustomization's first
 * (a base's patches before its overlay's), the Flux Kustomization's `spec.patches` last (they sit in
 * the wrapper). A finding on a field the last of them sets is placed in that patch.
 */
function listPatchSources(params: {
  folders: readonly string[];
  paths: ReadonlySet<string>;
  kustomizations: ReadonlyMap<string, string>;
  manifests: ReadonlyMap<string, ManifestFile>;
  flux?: FluxKustomization;
}): PatchSource[] {
  const sources: PatchSource[] = [];
  const fromEntry = (entry: PatchEntry, folder: string, entryFile: string, locateEntry: () => ManifestDocument["locate"] | undefined) => {
    if (entry.path !== undefined) {
      const file = joinPath(folder, entry.path);
      for (const document of (file !== undefined ? params.manifests.get(file)?.documents : undefined) ?? []) {
        const json6902 = entry.json6902 || Array.isArray(document.value);
        const kind = entry.target?.kind ?? document.kindName;
        const name = entry.target ? entry.target.name : document.name;
        sources.push({ file: document.file, value: document.value, json6902, ...(kind ? { kind } : {}), ...(name ? { name } : {}), locate: (p) => document.locate(p) });
      }
    } else if (entry.patch !== undefined) {
      let value: unknown;
      try {
        value = parseYaml(entry.patch);
      } catch {
        return;
      }
      const json6902 = entry.json6902 || Array.isArray(value);
      const metadata = isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
      const kind = entry.target?.kind ?? (isRecord(value) && typeof value.kind === "string" ? value.kind : undefined);
      const name = entry.target ? entry.target.name : typeof metadata.name === "string" ? metadata.name : undefined;
      const locate = locateEntry();
      if (!locate) return;
      // An inline patch is a string: its fields are placed on the patch entry itself.
      sources.push({ file: entryFile, value, json6902, ...(kind ? { kind } : {}), ...(name ? { name } : {}), locate: () => locate([...entry.at, "patch"]) });
    }
  };
  for (const folder of [...params.folders].reverse()) {
    const file = findKustomizationFile(params.paths, folder);
    if (!file) continue;
    const text = params.kustomizations.get(file) ?? "";
    let parsed: ManifestDocument | undefined;
    const locateEntry = () => (parsed ??= parseManifestFile({ path: file, content: text }).documents[0])?.locate;
    for (const entry of parseKustomizationEntries(text).patches) fromEntry(entry, folder, file, locateEntry);
  }
  const flux = params.flux;
  if (flux) {
    const document = params.manifests.get(flux.file)?.documents.find((d) => d.kindName === "Kustomization" && d.name === flux.name && d.line === flux.line);
    flux.patches.forEach((patch, i) => {
      const entry = readPatchEntry(patch, ["spec", "patches", i], false);
      if (entry) fromEntry(entry, flux.path, flux.file, () => document?.locate);
    });
  }
  return sources;
}
