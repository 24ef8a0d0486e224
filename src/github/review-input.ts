/**
 * Reads what a pull request review needs from GitHub, through the port (read-only): the changed
 * files, the manifests on both sides and their neighbours (fetch-plan.ts), parsed. Shared by the
 * App and by `canary-bot review --pr` (a dry run with a plain token).
 *
 * Requests: the compare API (merge base and up to 300 changed files; the paginated file list only
 * when there are more, and both commits' trees when there are more than the 3,000 it lists), one
 * tree listing, and the blobs in as few GraphQL requests as the batch
 * limits allow — each of which also reads the pull request's current head.
 */
import { buildOversizeFile, parseManifestFile, type ManifestFile } from "../canary/parse.js";
import type { ControllerSettings } from "../canary/settings.js";
import { buildControllerSettings, buildPathMatcher, CONFIG_PATH, type RepositoryConfig } from "../config/index.js";
import { GITHUB_LIMITS, INPUT_LIMITS } from "../limits.js";
import type { ReviewInput } from "../review/index.js";
import { buildBlobBatches, buildFetchPlan, type FetchPlan, type PlannedBlob } from "./fetch-plan.js";
import { GitHubRetryableError, type BlobContent, type ChangedFile, type GitHubReader, type Tree } from "./port.js";

export interface PullRequestTarget {
  number: number;
  /** The head commit the event is about. */
  headSha: string;
  /** The base branch's commit in the event. */
  baseSha: string;
}

export type ReviewInputResult =
  | {
      status: "ready";
      mergeBase: string;
      input: ReviewInput;
      /** Whether the pull request's head was confirmed current while reading (false when no blob had to be read). */
      headConfirmed: boolean;
      /** What the review could not read, in words for the comment and the check. */
      notes: string[];
      /** The pull request changes `.github/canary-bot.yml` (still at the head). */
      configChanged: boolean;
      plan: FetchPlan;
    }
  /** The pull request's head moved on (or the pull request is gone): drop this review. */
  | { status: "stale"; currentHeadSha: string | null };

/**
 * What a review read from GitHub, before parsing: plain data, so that it can cross to a worker
 * thread (review-pool.ts), where buildReviewInputFromFetched parses it.
 */
export type FetchedFile =
  | { path: string; kind: "text"; text: string }
  | { path: string; kind: "binary" }
  | { path: string; kind: "oversize"; byteLength: number }
  | { path: string; kind: "not-read"; reason: "changed-manifests" | "review-bytes" };

export interface FetchedReviewFiles {
  base: FetchedFile[];
  head: FetchedFile[];
  /** Unchanged neighbours, the same on both sides. */
  context: FetchedFile[];
  changedPaths: string[];
  settings: ControllerSettings;
  /** `limits.*` of the config, named in the finding of a file that was not read. */
  limits: { changedManifests: number; reviewBytes: number };
}

export type FetchResult =
  | { status: "ready"; mergeBase: string; fetched: FetchedReviewFiles; headConfirmed: boolean; notes: string[]; configChanged: boolean; plan: FetchPlan; partial: PartialListing | null }
  | { status: "stale"; currentHeadSha: string | null };

/** The pull request changes more files than GitHub lists, and its trees could not make up for it. */
export interface PartialListing {
  listed: number;
  reason: string;
}

export async function getPullRequestReviewInput(params: { port: GitHubReader; pullRequest: PullRequestTarget; config: RepositoryConfig }): Promise<ReviewInputResult> {
  const read = await fetchPullRequestFiles(params);
  if (read.status === "stale") return read;
  return { status: "ready", mergeBase: read.mergeBase, input: buildReviewInputFromFetched(read.fetched), headConfirmed: read.headConfirmed, notes: read.notes, configChanged: read.configChanged, plan: read.plan };
}

/** Parses what was fetched into the review's input (pure; runs in a worker thread in the App). */
export function buildReviewInputFromFetched(fetched: FetchedReviewFiles): ReviewInput {
  const parse = (file: FetchedFile): ManifestFile => {
    switch (file.kind) {
      case "text":
        return parseManifestFile({ path: file.path, content: file.text });
      case "binary":
        return parseManifestFile({ path: file.path, content: new Uint8Array([0]) });
      case "oversize":
        return buildOversizeFile({ path: file.path, byteLength: file.byteLength });
      case "not-read":
        return buildNotReadFile(file.path, file.reason, fetched.limits);
    }
  };
  const context = fetched.context.map(parse);
  return { base: [...fetched.base.map(parse), ...context], head: [...fetched.head.map(parse), ...context], changedPaths: fetched.changedPaths, settings: fetched.settings };
}

/** Reads the changed files of a pull request, as far as GitHub lists them (see listChangedFiles). */
export async function fetchPullRequestFiles(params: { port: GitHubReader; pullRequest: PullRequestTarget; config: RepositoryConfig }): Promise<FetchResult> {
  const { port, pullRequest, config } = params;
  const settings: ControllerSettings = buildControllerSettings(config);
  const isManifest = buildPathMatcher(config.manifests);
  const limits = { changedManifests: config.limits.changedManifests, reviewBytes: config.limits.reviewBytes };

  const comparison = await port.compareCommits({ base: pullRequest.baseSha, head: pullRequest.headSha });
  let changed: ChangedFile[] = comparison.files;
  let partial: PartialListing | null = null;
  let headTree: Tree | undefined;
  if (!comparison.complete) {
    changed = await port.listPullRequestFiles({ pullNumber: pullRequest.number, max: GITHUB_LIMITS.pullRequestFiles });
    if (changed.length >= GITHUB_LIMITS.pullRequestFiles) {
      // GitHub lists at most 3,000 files of a pull request: the rest is read from the git trees.
      const fromTrees = await listChangesFromTrees({ port, base: comparison.mergeBase, head: pullRequest.headSha, isManifest });
      if (fromTrees.complete) {
        headTree = fromTrees.headTree;
        const known = new Set(changed.map((f) => f.path));
        changed = [...changed, ...fromTrees.changed.filter((f) => !known.has(f.path))];
      } else {
        partial = { listed: changed.length, reason: "GitHub lists at most 3,000 files of a pull request and cut the repository's file tree, so files past the first 3,000 were not reviewed" };
      }
    }
  }
  const configChanged = changed.some((f) => f.path === CONFIG_PATH && f.status !== "removed");
  const touchesManifests = changed.some((f) => isManifest(f.path) || (f.previousPath !== undefined && isManifest(f.previousPath)));
  const emptyPlan: FetchPlan = { changedPaths: [], blobs: [], oversize: [], notRead: [], context: { candidates: 0, read: 0, leftOut: 0, treeTruncated: false } };
  const partialNotes = partial ? [`This review is partial: ${partial.reason}.`] : [];
  if (!touchesManifests) {
    return { status: "ready", mergeBase: comparison.mergeBase, fetched: { base: [], head: [], context: [], changedPaths: [], settings, limits }, headConfirmed: false, notes: partialNotes, plan: emptyPlan, configChanged, partial };
  }

  const tree = headTree ?? (await port.getTree({ revision: pullRequest.headSha }));
  const plan = buildFetchPlan({
    changed,
    isManifest,
    tree,
    headSha: pullRequest.headSha,
    mergeBase: comparison.mergeBase,
    limits: { reviewBytes: config.limits.reviewBytes, changedManifests: config.limits.changedManifests, contextFiles: config.limits.contextFiles, manifestBytes: INPUT_LIMITS.manifestBytes },
  });

  const contents = new Map<string, BlobContent>();
  const batches = buildBlobBatches(plan.blobs, { blobs: GITHUB_LIMITS.blobsPerGraphqlRequest, bytes: GITHUB_LIMITS.blobBytesPerGraphqlRequest });
  // A pull request with only oversize changes reads no blob: confirm its head with an empty batch.
  if (batches.length === 0) batches.push([]);
  for (const batch of batches) {
    const heads = await readBatch({ port, pullNumber: pullRequest.number, batch, into: contents });
    const moved = heads.find((head) => head !== pullRequest.headSha);
    if (moved !== undefined) return { status: "stale", currentHeadSha: moved };
  }

  const files = new Map<string, FetchedFile>();
  for (const blob of plan.blobs) {
    const content = contents.get(blob.key) ?? { kind: "missing" };
    const file = await toFetchedFile({ port, blob, content });
    if (file) files.set(blob.key, file);
  }
  const headFiles: FetchedFile[] = [
    ...plan.oversize.filter((o) => o.side === "head").map((o): FetchedFile => ({ path: o.path, kind: "oversize", byteLength: o.size })),
    ...plan.notRead.filter((n) => n.side === "head").map((n): FetchedFile => ({ path: n.path, kind: "not-read", reason: n.reason })),
    ...[...files.entries()].filter(([key]) => key.startsWith("head:")).map(([, file]) => file),
  ];
  // A head version that could not be read (too large, left out) has no documents: its base version
  // would then read as removed Canaries. Compare nothing for that file instead.
  const unreadHeads = new Set(headFiles.filter((f) => f.kind === "oversize" || f.kind === "not-read").map((f) => f.path));
  const previousOf = new Map(changed.filter((f) => f.previousPath !== undefined).map((f) => [f.previousPath!, f.path]));
  const baseFiles = [...files.entries()].filter(([key]) => key.startsWith("base:")).map(([, file]) => file).filter((f) => !unreadHeads.has(previousOf.get(f.path) ?? f.path));
  const context = [...files.entries()].filter(([key]) => key.startsWith("context:")).map(([, file]) => file);
  return {
    status: "ready",
    mergeBase: comparison.mergeBase,
    fetched: { base: baseFiles, head: headFiles, context, changedPaths: plan.changedPaths, settings, limits },
    headConfirmed: true,
    notes: [...partialNotes, ...renderPlanNotes(plan)],
    plan,
    configChanged,
    partial,
  };
}

/**
 * The manifest files that differ between two commits, from their recursive trees (blob SHAs):
 * what a pull request changes past the 3,000 files GitHub lists. Renames show as a removal and an
 * addition. Incomplete when GitHub cut either tree listing.
 */
async function listChangesFromTrees(params: { port: GitHubReader; base: string; head: string; isManifest: (path: string) => boolean }): Promise<{ complete: boolean; changed: ChangedFile[]; headTree: Tree }> {
  const [baseTree, headTree] = [await params.port.getTree({ revision: params.base }), await params.port.getTree({ revision: params.head })];
  if (baseTree.truncated || headTree.truncated) return { complete: false, changed: [], headTree };
  return { complete: true, changed: buildTreeChanges({ base: baseTree, head: headTree, isManifest: params.isManifest }), headTree };
}

/** The changed manifest paths between two trees, by blob SHA (pure). */
export function buildTreeChanges(params: { base: Tree; head: Tree; isManifest: (path: string) => boolean }): ChangedFile[] {
  const base = new Map(params.base.entries.map((e) => [e.path, e.sha]));
  const head = new Map(params.head.entries.map((e) => [e.path, e.sha]));
  const changed: ChangedFile[] = [];
  for (const [path, sha] of head) {
    if (!params.isManifest(path)) continue;
    if (!base.has(path)) changed.push({ path, status: "added" });
    else if (sha === undefined || base.get(path) !== sha) changed.push({ path, status: "modified" });
  }
  for (const path of base.keys()) if (!head.has(path) && params.isManifest(path)) changed.push({ path, status: "removed" });
  return changed.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Reads one batch. A batch that GitHub fails to answer in time (5xx after Octokit's own retries) is
 * split in two and each half read again: a GraphQL request has 10 s (github-platform.md §3.6).
 */
async function readBatch(params: { port: GitHubReader; pullNumber: number; batch: PlannedBlob[]; into: Map<string, BlobContent>; depth?: number }): Promise<Array<string | null>> {
  const { port, pullNumber, batch, into } = params;
  const depth = params.depth ?? 0;
  try {
    const answer = await port.getBlobs({ pullNumber, blobs: batch.map((b) => ({ key: b.key, revision: b.revision, path: b.path })) });
    for (const [key, content] of answer.blobs) into.set(key, content);
    return [answer.headSha];
  } catch (error) {
    // Halved at most twice: during an outage of GraphQL, splitting further only multiplies the
    // failing requests (issue 10: retries for more than 400 s); the job's retry takes over.
    if (!(error instanceof GitHubRetryableError) || error.reason !== "server-error" || batch.length < 2 || depth >= GITHUB_LIMITS.blobBatchSplits) throw error;
    const half = Math.ceil(batch.length / 2);
    return [...(await readBatch({ ...params, depth: depth + 1, batch: batch.slice(0, half) })), ...(await readBatch({ ...params, depth: depth + 1, batch: batch.slice(half) }))];
  }
}

async function toFetchedFile(params: { port: GitHubReader; blob: PlannedBlob; content: BlobContent }): Promise<FetchedFile | undefined> {
  const { port, blob, content } = params;
  switch (content.kind) {
    case "missing":
      // GitHub listed the file but it is not there at that revision (e.g. a submodule): nothing to read.
      return undefined;
    case "binary":
      return { path: blob.path, kind: "binary" };
    case "truncated": {
      if (content.byteSize > INPUT_LIMITS.manifestBytes) return { path: blob.path, kind: "oversize", byteLength: content.byteSize };
      const file = await port.getFileText({ revision: blob.revision, path: blob.path, maxBytes: INPUT_LIMITS.manifestBytes });
      if (file === null) return undefined;
      return file.kind === "too-large" ? { path: blob.path, kind: "oversize", byteLength: file.size } : { path: blob.path, kind: "text", text: file.text };
    }
    case "text":
      if (content.byteSize > INPUT_LIMITS.manifestBytes) return { path: blob.path, kind: "oversize", byteLength: content.byteSize };
      return { path: blob.path, kind: "text", text: content.text };
  }
}

function buildNotReadFile(path: string, reason: "changed-manifests" | "review-bytes", config: { changedManifests: number; reviewBytes: number }): ManifestFile {
  const why =
    reason === "changed-manifests"
      ? `the pull request changes more than ${config.changedManifests} manifest files (limits.changedManifests)`
      : `the review read its budget of ${config.reviewBytes} bytes (limits.reviewBytes) before this file`;
  return {
    path,
    documents: [],
    findings: [
      {
        code: "NOT_REVIEWED",
        severity: "warning",
        message: `This file was not read because ${why}, so it was not validated. Split the pull request, or run \`canary-bot validate\` on it locally.`,
        path: "",
        line: 1,
        column: 1,
      },
    ],
  };
}

/** One sentence per thing the review could not read (the comment and the check show them). */
export function renderPlanNotes(plan: FetchPlan): string[] {
  const notes: string[] = [];
  const notRead = plan.notRead.filter((n) => n.side === "head").length;
  if (notRead > 0) notes.push(`${notRead} changed manifest ${notRead === 1 ? "file was" : "files were"} not reviewed because of the review's size limits (see \`limits\` in .github/canary-bot.yml).`);
  if (plan.context.leftOut > 0) {
    notes.push(
      `References were resolved against ${plan.context.read} of the ${plan.context.candidates} unchanged manifests near the changed files; the other ${plan.context.leftOut} were not read (size limits), so a reference to them shows as not found.`,
    );
  }
  if (plan.context.treeTruncated) notes.push("GitHub cut the repository's file listing (it is very large), so some unchanged manifests near the changed files may not have been read.");
  return notes;
}
