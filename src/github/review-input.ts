/**
 * Reads what a pull request review needs from GitHub, through the port (read-only): the changed
 * files, the manifests on both sides and their neighbours (fetch-plan.ts), parsed. Shared by the
 * App and by `canary-bot review --pr` (a dry run with a plain token).
 *
 * Requests: the compare API (merge base and up to 300 changed files; the paginated file list only
 * when there are more), one tree listing, and the blobs in as few GraphQL requests as the batch
 * limits allow — each of which also reads the pull request's current head.
 */
import { buildOversizeFile, parseManifestFile, type ManifestFile } from "../canary/parse.js";
import type { ControllerSettings } from "../canary/settings.js";
import { buildControllerSettings, buildPathMatcher, CONFIG_PATH, type RepositoryConfig } from "../config/index.js";
import { GITHUB_LIMITS, INPUT_LIMITS } from "../limits.js";
import type { ReviewInput } from "../review/index.js";
import { buildBlobBatches, buildFetchPlan, type FetchPlan, type PlannedBlob } from "./fetch-plan.js";
import { GitHubRetryableError, type BlobContent, type ChangedFile, type GitHubReader } from "./port.js";

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

export async function getPullRequestReviewInput(params: { port: GitHubReader; pullRequest: PullRequestTarget; config: RepositoryConfig }): Promise<ReviewInputResult> {
  const { port, pullRequest, config } = params;
  const settings: ControllerSettings = buildControllerSettings(config);
  const isManifest = buildPathMatcher(config.manifests);

  const comparison = await port.compareCommits({ base: pullRequest.baseSha, head: pullRequest.headSha });
  const changed: ChangedFile[] = comparison.complete
    ? comparison.files
    : await port.listPullRequestFiles({ pullNumber: pullRequest.number, max: GITHUB_LIMITS.pullRequestFiles });
  const configChanged = changed.some((f) => f.path === CONFIG_PATH && f.status !== "removed");
  const touchesManifests = changed.some((f) => isManifest(f.path) || (f.previousPath !== undefined && isManifest(f.previousPath)));
  const emptyPlan: FetchPlan = { changedPaths: [], blobs: [], oversize: [], notRead: [], context: { candidates: 0, read: 0, leftOut: 0, treeTruncated: false } };
  if (!touchesManifests) {
    return { status: "ready", mergeBase: comparison.mergeBase, input: { base: [], head: [], changedPaths: [], settings }, headConfirmed: false, notes: [], plan: emptyPlan, configChanged };
  }

  const tree = await port.getTree({ revision: pullRequest.headSha });
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

  const files = new Map<string, ManifestFile>();
  for (const blob of plan.blobs) {
    const content = contents.get(blob.key) ?? { kind: "missing" };
    const file = await toManifestFile({ port, blob, content });
    if (file) files.set(blob.key, file);
  }
  const headFiles = [
    ...plan.oversize.filter((o) => o.side === "head").map((o) => buildOversizeFile({ path: o.path, byteLength: o.size })),
    ...plan.notRead.filter((n) => n.side === "head").map((n) => buildNotReadFile(n.path, n.reason, config)),
    ...[...files.entries()].filter(([key]) => key.startsWith("head:")).map(([, file]) => file),
  ];
  // A head version that could not be read (too large, left out) has no documents: its base version
  // would then read as removed Canaries. Compare nothing for that file instead.
  const unreadHeads = new Set(headFiles.filter((f) => f.documents.length === 0 && f.findings.some((x) => x.code === "FILE_TOO_LARGE" || x.code === "NOT_REVIEWED")).map((f) => f.path));
  const previousOf = new Map(changed.filter((f) => f.previousPath !== undefined).map((f) => [f.previousPath!, f.path]));
  const baseFiles = [...files.entries()].filter(([key]) => key.startsWith("base:")).map(([, file]) => file).filter((f) => !unreadHeads.has(previousOf.get(f.path) ?? f.path));
  const context = [...files.entries()].filter(([key]) => key.startsWith("context:")).map(([, file]) => file);
  const input: ReviewInput = {
    base: [...baseFiles, ...context],
    head: [...headFiles, ...context],
    changedPaths: plan.changedPaths,
    settings,
  };
  return { status: "ready", mergeBase: comparison.mergeBase, input, headConfirmed: true, notes: renderPlanNotes(plan), plan, configChanged };
}

/**
 * Reads one batch. A batch that GitHub fails to answer in time (5xx after Octokit's own retries) is
 * split in two and each half read again: a GraphQL request has 10 s (github-platform.md §3.6).
 */
async function readBatch(params: { port: GitHubReader; pullNumber: number; batch: PlannedBlob[]; into: Map<string, BlobContent> }): Promise<Array<string | null>> {
  const { port, pullNumber, batch, into } = params;
  try {
    const answer = await port.getBlobs({ pullNumber, blobs: batch.map((b) => ({ key: b.key, revision: b.revision, path: b.path })) });
    for (const [key, content] of answer.blobs) into.set(key, content);
    return [answer.headSha];
  } catch (error) {
    if (!(error instanceof GitHubRetryableError) || error.reason !== "server-error" || batch.length < 2) throw error;
    const half = Math.ceil(batch.length / 2);
    return [...(await readBatch({ ...params, batch: batch.slice(0, half) })), ...(await readBatch({ ...params, batch: batch.slice(half) }))];
  }
}

async function toManifestFile(params: { port: GitHubReader; blob: PlannedBlob; content: BlobContent }): Promise<ManifestFile | undefined> {
  const { port, blob, content } = params;
  switch (content.kind) {
    case "missing":
      // GitHub listed the file but it is not there at that revision (e.g. a submodule): nothing to read.
      return undefined;
    case "binary":
      return parseManifestFile({ path: blob.path, content: new Uint8Array([0]) });
    case "truncated": {
      if (content.byteSize > INPUT_LIMITS.manifestBytes) return buildOversizeFile({ path: blob.path, byteLength: content.byteSize });
      const file = await port.getFileText({ revision: blob.revision, path: blob.path, maxBytes: INPUT_LIMITS.manifestBytes });
      if (file === null) return undefined;
      return file.kind === "too-large" ? buildOversizeFile({ path: blob.path, byteLength: file.size }) : parseManifestFile({ path: blob.path, content: file.text });
    }
    case "text":
      if (content.byteSize > INPUT_LIMITS.manifestBytes) return buildOversizeFile({ path: blob.path, byteLength: content.byteSize });
      return parseManifestFile({ path: blob.path, content: content.text });
  }
}

function buildNotReadFile(path: string, reason: "changed-manifests" | "review-bytes", config: RepositoryConfig): ManifestFile {
  const why =
    reason === "changed-manifests"
      ? `the pull request changes more than ${config.limits.changedManifests} manifest files (limits.changedManifests)`
      : `the review read its budget of ${config.limits.reviewBytes} bytes (limits.reviewBytes) before this file`;
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
