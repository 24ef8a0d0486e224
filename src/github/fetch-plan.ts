/**
 * Which blobs a pull request review reads (pure). docs/github-app.md, "What canary-bot reads":
 *
 * 1. Every changed manifest (a changed file under the config's globs): its head version, and its
 *    version at the merge base unless it was added (a rename's old name).
 * 2. For references, unchanged manifests near the changed ones: first those in the same directory,
 *    then those in the parent directory and in the directories beside it (not deeper). Unchanged
 *    files are identical on both sides, so each is read once, from the head.
 * 3. All of it within the byte budget (`limits.reviewBytes`), the changed-manifest count
 *    (`limits.changedManifests`) and the context count (`limits.contextFiles`); files larger than a
 *    manifest may be are not read. What is left out is counted, and the review says so.
 */
import type { ChangedFile, Tree } from "./port.js";

export interface FetchLimits {
  reviewBytes: number;
  changedManifests: number;
  contextFiles: number;
  /** The largest file parsed (INPUT_LIMITS.manifestBytes). */
  manifestBytes: number;
}

export type BlobSide = "base" | "head" | "context";

export interface PlannedBlob {
  key: string;
  side: BlobSide;
  revision: string;
  path: string;
  /** Known (head tree) or estimated (base: the head version's size) bytes. */
  size: number;
}

export interface FetchPlan {
  /** Changed manifest paths, both names of a rename, sorted. */
  changedPaths: string[];
  blobs: PlannedBlob[];
  /** Changed files known from the tree to be too large to parse: reported, not read. */
  oversize: Array<{ side: "base" | "head"; path: string; size: number }>;
  /** Changed files not read because of the limits. */
  notRead: Array<{ side: "base" | "head"; path: string; reason: "changed-manifests" | "review-bytes" }>;
  context: {
    /** Unchanged manifests in the neighbourhood. */
    candidates: number;
    read: number;
    /** Neighbourhood files left out by the limits (or too large to parse). */
    leftOut: number;
    /** The head tree listing was cut by GitHub: there may be more neighbours. */
    treeTruncated: boolean;
  };
}

export function buildFetchPlan(params: {
  changed: readonly ChangedFile[];
  isManifest: (path: string) => boolean;
  tree: Tree;
  headSha: string;
  mergeBase: string;
  limits: FetchLimits;
}): FetchPlan {
  const { changed, isManifest, tree, headSha, mergeBase, limits } = params;
  const sizes = new Map(tree.entries.map((e) => [e.path, e.size]));
  const everyChangedPath = new Set(changed.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path])));

  // Per changed file, its head and base versions: both are read, or neither (a head version without
  // its base would read as an added Canary).
  const wanted: Array<Array<{ side: "base" | "head"; path: string; size: number | undefined }>> = [];
  const changedPaths = new Set<string>();
  const manifestChanges = changed
    .filter((f) => f.status !== "unchanged" && (isManifest(f.path) || (f.previousPath !== undefined && isManifest(f.previousPath))))
    .sort((a, b) => a.path.localeCompare(b.path));
  const notRead: FetchPlan["notRead"] = [];
  manifestChanges.forEach((file, index) => {
    const headPath = file.status !== "removed" && isManifest(file.path) ? file.path : undefined;
    const basePath = file.status === "added" || file.status === "copied" ? undefined : file.status === "renamed" ? file.previousPath : file.path;
    const base = basePath !== undefined && isManifest(basePath) ? basePath : undefined;
    if (headPath) changedPaths.add(headPath);
    if (base) changedPaths.add(base);
    const versions: Array<{ side: "base" | "head"; path: string; size: number | undefined }> = [];
    if (headPath) versions.push({ side: "head", path: headPath, size: sizes.get(headPath) });
    // The base version's size is unknown without a second tree listing; its head version's is a fair guess.
    if (base) versions.push({ side: "base", path: base, size: sizes.get(base) ?? (headPath ? sizes.get(headPath) : undefined) });
    if (index >= limits.changedManifests) notRead.push(...versions.map((v) => ({ side: v.side, path: v.path, reason: "changed-manifests" as const })));
    else wanted.push(versions);
  });

  const blobs: PlannedBlob[] = [];
  const oversize: FetchPlan["oversize"] = [];
  let bytes = 0;
  for (const versions of wanted) {
    // A head version too large to parse is reported as such; its base version is then of no use.
    const tooLarge = versions.find((v) => v.side === "head" && (v.size ?? 0) > limits.manifestBytes);
    if (tooLarge) oversize.push({ side: "head", path: tooLarge.path, size: tooLarge.size ?? 0 });
    const readable = tooLarge ? [] : versions;
    const size = readable.reduce((sum, v) => sum + (v.size ?? 0), 0);
    if (bytes + size > limits.reviewBytes) {
      notRead.push(...readable.map((v) => ({ side: v.side, path: v.path, reason: "review-bytes" as const })));
      continue;
    }
    bytes += size;
    for (const v of readable) blobs.push({ key: `${v.side}:${v.path}`, side: v.side, revision: v.side === "head" ? headSha : mergeBase, path: v.path, size: v.size ?? 0 });
  }

  const neighbourhood = rankNeighbours({ changedPaths: [...changedPaths], tree, isManifest, exclude: everyChangedPath });
  let read = 0;
  let leftOut = 0;
  for (const entry of neighbourhood) {
    if (entry.size > limits.manifestBytes || read >= limits.contextFiles || bytes + entry.size > limits.reviewBytes) {
      leftOut += 1;
      continue;
    }
    bytes += entry.size;
    read += 1;
    blobs.push({ key: `context:${entry.path}`, side: "context", revision: headSha, path: entry.path, size: entry.size });
  }

  return {
    changedPaths: [...changedPaths].sort(),
    blobs,
    oversize,
    notRead,
    context: { candidates: neighbourhood.length, read, leftOut, treeTruncated: tree.truncated },
  };
}

/** Unchanged manifests near the changed paths, nearest first (same directory, then beside it), then by path. */
export function rankNeighbours(params: { changedPaths: readonly string[]; tree: Tree; isManifest: (path: string) => boolean; exclude: ReadonlySet<string> }): Array<{ path: string; size: number; tier: 0 | 1 }> {
  const own = new Set(params.changedPaths.map(dirname));
  const parents = new Set([...own].filter((d) => d !== "").map(dirname));
  const ranked: Array<{ path: string; size: number; tier: 0 | 1 }> = [];
  for (const entry of params.tree.entries) {
    if (params.exclude.has(entry.path) || !params.isManifest(entry.path)) continue;
    const dir = dirname(entry.path);
    if (own.has(dir)) ranked.push({ ...entry, tier: 0 });
    else if (parents.has(dir) || (dir !== "" && parents.has(dirname(dir)))) ranked.push({ ...entry, tier: 1 });
  }
  return ranked.sort((a, b) => a.tier - b.tier || a.path.localeCompare(b.path));
}

function dirname(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

/** Splits blobs into GraphQL requests by count and by known bytes. */
export function buildBlobBatches<T extends { size: number }>(blobs: readonly T[], limits: { blobs: number; bytes: number }): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const blob of blobs) {
    if (current.length > 0 && (current.length >= limits.blobs || bytes + blob.size > limits.bytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(blob);
    bytes += blob.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * What the kustomize build of both revisions reads (docs/github-app.md, "What the App reads for
 * the build"): `selectBuildInputs` over the head tree and the merge base's tree — the same files
 * `canary-bot review --repo` reads from git. A blob with the same SHA on both sides is read once.
 * Files over `manifestBytes` are not read (the build gets an over-size marker, as in the CLI).
 */
export interface BuildFetchPlan {
  status: "ready";
  blobs: PlannedBlob[];
  /** Path → blob key (a blob of `blobs`), per revision. */
  base: Array<[path: string, key: string]>;
  head: Array<[path: string, key: string]>;
  /** Files too large to parse, by key: not read. */
  oversize: Array<[key: string, size: number]>;
}

export type BuildFetchDecision = BuildFetchPlan | { status: "too-large"; files: number; bytes: number; reason: string };

export function buildBuildFetchPlan(params: {
  headTree: Tree;
  baseTree: Tree;
  headSha: string;
  mergeBase: string;
  select: (paths: readonly string[]) => string[];
  limits: { reviewBytes: number; files: number; manifestBytes: number };
}): BuildFetchDecision {
  const { headTree, baseTree, headSha, mergeBase, limits } = params;
  const blobs = new Map<string, PlannedBlob>();
  const oversize = new Map<string, number>();
  let bytes = 0;
  const side = (tree: Tree, revision: string, name: "base" | "head"): Array<[string, string]> => {
    const selected = new Set(params.select(tree.entries.map((e) => e.path)));
    const out: Array<[string, string]> = [];
    for (const entry of tree.entries) {
      if (!selected.has(entry.path)) continue;
      // Equal SHAs, equal contents: an unchanged file is read once for both revisions.
      const key = entry.sha !== undefined ? `blob:${entry.sha}` : `${name}:${entry.path}`;
      out.push([entry.path, key]);
      if (blobs.has(key) || oversize.has(key)) continue;
      if (entry.size > limits.manifestBytes) oversize.set(key, entry.size);
      else {
        blobs.set(key, { key, side: name, revision, path: entry.path, size: entry.size });
        bytes += entry.size;
      }
    }
    return out;
  };
  const head = side(headTree, headSha, "head");
  const base = side(baseTree, mergeBase, "base");
  const files = blobs.size + oversize.size;
  if (bytes > limits.reviewBytes) return { status: "too-large", files, bytes, reason: `its build inputs are ${bytes} bytes, over limits.reviewBytes (${limits.reviewBytes})` };
  if (files > limits.files) return { status: "too-large", files, bytes, reason: `it has ${files} build input files, over the ${limits.files} the App reads (GITHUB_LIMITS.buildFilesPerReview)` };
  return { status: "ready", blobs: [...blobs.values()], base, head, oversize: [...oversize.entries()] };
}
