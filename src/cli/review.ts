/**
 * `canary-bot review [--repo DIR] --base REF [--head REF]`: the exact comment the App would post for
 * a pull request from REF to HEAD of a local git repository — the whole product, offline.
 * `canary-bot review --pr OWNER/REPO#N` does the same for a pull request on GitHub (review-pr.ts).
 *
 * Like the App, it reads `.github/canary-bot.yml` from the base (the App reads the default
 * branch's), applies its include/exclude globs, and builds both revisions as the clusters do
 * (src/build): the same function the App calls, `getBuiltReviewInput`.
 */
import { parseArgs } from "node:util";
import { getBuiltReviewInput, type BuiltReviewInput } from "../build/review-input.js";
import type { RevisionFiles } from "../build/build-revision.js";
import { selectBuildInputs } from "../build/roots.js";
import { buildDefaultConfig, CONFIG_PATH, parseRepositoryConfig, renderConfigErrors, type RepositoryConfig } from "../config/index.js";
import { INPUT_LIMITS } from "../limits.js";
import { reviewChanges, type PullRequestReview } from "../review/index.js";
import { verdictOfChange } from "../review/review.js";
import { UsageError } from "./files.js";
import { findMergeBase, listChangedPaths, listTree, readBlobs, resolveRevision } from "./git.js";
import type { CommandIO } from "./io.js";
import { loadRepositoryConfig, SETTINGS_OPTIONS } from "./settings.js";

export const REVIEW_USAGE = `Usage: canary-bot review [--repo DIR] --base REF [--head REF] [--format markdown|json] [--config FILE]
       canary-bot review --pr OWNER/REPO#N   (needs GITHUB_TOKEN; prints, posts nothing)

Prints the pull request comment canary-bot would post for the changes from REF (the pull request's
base branch) to HEAD (default: HEAD) of a local git repository. Like GitHub, it compares HEAD with
the merge base of the two refs. Like the App, it reads .github/canary-bot.yml from the base (or
--config FILE) and builds both revisions with kustomize as Flux does (KUSTOMIZE_BIN, kustomize or
kubectl on PATH; without one, files are read as they are and the comment says so).

Exit codes: 0 the review passes, 1 the canary/validation check would fail, 2 usage error.`;

export async function runReview(args: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      repo: { type: "string" },
      base: { type: "string" },
      head: { type: "string" },
      pr: { type: "string" },
      format: { type: "string", default: "markdown" },
      help: { type: "boolean", short: "h" },
      ...SETTINGS_OPTIONS,
    },
  });
  if (values.help) {
    io.stdout(`${REVIEW_USAGE}\n`);
    return 0;
  }
  if (values.pr !== undefined) {
    const { runReviewPullRequest } = await import("./review-pr.js");
    return runReviewPullRequest(args, io);
  }
  if (!values.base) throw new UsageError("review needs --base REF (or --pr OWNER/REPO#N)");
  if (values.format !== "markdown" && values.format !== "json") throw new UsageError(`--format must be markdown or json, not ${values.format}`);
  const repo = values.repo ?? process.cwd();
  const head = await resolveRevision(repo, values.head ?? "HEAD");
  const base = await findMergeBase(repo, await resolveRevision(repo, values.base), head);
  const config = values.config ? await loadRepositoryConfig(values.config) : await readConfigAt(repo, base);
  if (values["mesh-provider"]) config.controller.meshProvider = values["mesh-provider"];
  const input = await readBuiltReviewInput({ repo, base, head, config });
  const review = reviewChanges({ ...input, notes: input.notes });
  if (values.format === "json") {
    // Two writes, not one joined string: at 10,000 Canaries the JSON is 8 MB, and joining copies it.
    io.stdout(JSON.stringify(renderReviewJson({ base, head, changedPaths: input.changedPaths, review, notes: input.notes, mode: input.mode }), null, 2));
    io.stdout("\n");
  } else {
    io.stdout(review.touchesCanaries ? `${review.comment}\n` : "No Canary (nor anything a Canary points at) changed: the App would not comment.\n");
  }
  return review.check.conclusion === "failure" ? 1 : 0;
}

/** The review JSON of DESIGN.md ("review JSON"), documented in the README. */
export function renderReviewJson(params: { base: string; head: string; changedPaths: readonly string[]; review: PullRequestReview; notes: readonly string[]; mode: string }) {
  const { review } = params;
  return {
    base: params.base,
    head: params.head,
    changedPaths: params.changedPaths,
    build: params.mode,
    notes: params.notes,
    touchesCanaries: review.touchesCanaries,
    comment: review.touchesCanaries ? review.comment : null,
    check: review.check,
    canaries: review.model.canaries.map((c) => ({
      cluster: c.cluster,
      environment: c.environment,
      namespace: c.namespace ?? null,
      name: c.name,
      path: c.file,
      line: c.line,
      root: c.root || null,
      change: c.change,
      newRevision: c.newRevision,
      reasons: c.reasons,
      images: c.images,
      verdict: verdictOfChange(c),
      findings: c.status === "removed" ? [] : (c.head?.findings ?? []),
    })),
  };
}

/** The repository config at a revision; the default config when there is none. An invalid file is a usage error. */
async function readConfigAt(repo: string, revision: string): Promise<RepositoryConfig> {
  const entry = (await listTree(repo, revision)).find((e) => e.path === CONFIG_PATH);
  if (!entry) return buildDefaultConfig();
  const [blob] = await readBlobs(repo, [entry], INPUT_LIMITS.manifestBytes);
  const content = blob!.content;
  const result = parseRepositoryConfig(typeof content === "string" ? content : Buffer.from(content).toString("utf8"));
  if (!result.ok) throw new UsageError(`${CONFIG_PATH} at ${revision.slice(0, 12)} is not a valid canary-bot config:\n${renderConfigErrors(result.errors)}`);
  return result.config;
}

/**
 * Both revisions read and built. What was read is released when this returns (held by the
 * caller, it lived until the comment was printed): the review keeps only what the build made of
 * it, the documents, with their own text for placing findings.
 */
async function readBuiltReviewInput(params: { repo: string; base: string; head: string; config: RepositoryConfig }): Promise<BuiltReviewInput> {
  const { repo, base, head } = params;
  const changed = await listChangedPaths(repo, base, head);
  const [baseFiles, headFiles] = await Promise.all([readRevisionFiles(repo, base), readRevisionFiles(repo, head)]);
  return getBuiltReviewInput({ base: baseFiles, head: headFiles, changedPaths: changed, config: params.config });
}

/** The files the build needs (selectBuildInputs: what the App reads from GitHub too). */
async function readRevisionFiles(repo: string, revision: string): Promise<RevisionFiles> {
  const tree = await listTree(repo, revision);
  const selected = new Set(selectBuildInputs(tree.map((e) => e.path)));
  const wanted = tree.filter((e) => selected.has(e.path));
  if (wanted.length > INPUT_LIMITS.filesPerWalk) throw new UsageError(`${revision} has more than ${INPUT_LIMITS.filesPerWalk} manifest files`);
  const blobs = await readBlobs(repo, wanted, INPUT_LIMITS.manifestBytes);
  const files = new Map<string, string | Uint8Array>();
  for (const blob of blobs) {
    // A blob over the read limit is passed as an over-size marker the parser turns into FILE_TOO_LARGE.
    files.set(blob.path, blob.size > INPUT_LIMITS.manifestBytes ? new Uint8Array(blob.size) : blob.content);
  }
  return files;
}

