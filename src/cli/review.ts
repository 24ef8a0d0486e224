/**
 * `canary-bot review [--repo DIR] --base REF [--head REF]`: the exact comment the App would post for
 * a pull request from REF to HEAD of a local git repository — the whole product, offline.
 * `canary-bot review --pr OWNER/REPO#N` does the same for a pull request on GitHub (review-pr.ts).
 */
import { parseArgs } from "node:util";
import { buildOversizeFile, parseManifestFile, type ManifestFile } from "../canary/parse.js";
import { INPUT_LIMITS } from "../limits.js";
import { reviewChanges } from "../review/index.js";
import { UsageError } from "./files.js";
import { findMergeBase, listChangedPaths, listTree, readBlobs, resolveRevision } from "./git.js";
import type { CommandIO } from "./io.js";
import { loadControllerSettings, SETTINGS_OPTIONS } from "./settings.js";

export const REVIEW_USAGE = `Usage: canary-bot review [--repo DIR] --base REF [--head REF] [--format markdown|json] [--config FILE]
       canary-bot review --pr OWNER/REPO#N   (needs GITHUB_TOKEN; prints, posts nothing)

Prints the pull request comment canary-bot would post for the changes from REF (the pull request's
base branch) to HEAD (default: HEAD) of a local git repository. Like GitHub, it compares HEAD with
the merge base of the two refs; references are resolved against every manifest of each revision.

Exit codes: 0 the review passes, 1 the canary/validation check would fail, 2 usage error.`;

const MANIFEST_PATH = /\.ya?ml$/i;

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
  const settings = await loadControllerSettings(values);
  const head = await resolveRevision(repo, values.head ?? "HEAD");
  const base = await findMergeBase(repo, await resolveRevision(repo, values.base), head);
  const changedPaths = (await listChangedPaths(repo, base, head)).filter((p) => MANIFEST_PATH.test(p));
  const [baseFiles, headFiles] = await Promise.all([readManifestsAt(repo, base), readManifestsAt(repo, head)]);
  const review = reviewChanges({ base: baseFiles, head: headFiles, changedPaths, settings });
  if (values.format === "json") {
    io.stdout(`${JSON.stringify({ base, head, changedPaths, touchesCanaries: review.touchesCanaries, comment: review.touchesCanaries ? review.comment : null, check: review.check }, null, 2)}\n`);
  } else {
    io.stdout(review.touchesCanaries ? `${review.comment}\n` : "No Canary (nor anything a Canary points at) changed: the App would not comment.\n");
  }
  return review.check.conclusion === "failure" ? 1 : 0;
}

async function readManifestsAt(repo: string, revision: string): Promise<ManifestFile[]> {
  const entries = (await listTree(repo, revision)).filter((e) => MANIFEST_PATH.test(e.path));
  if (entries.length > INPUT_LIMITS.filesPerWalk) throw new UsageError(`${revision} has more than ${INPUT_LIMITS.filesPerWalk} manifest files`);
  const blobs = await readBlobs(repo, entries, INPUT_LIMITS.manifestBytes);
  return blobs.map((blob) =>
    blob.size > INPUT_LIMITS.manifestBytes ? buildOversizeFile({ path: blob.path, byteLength: blob.size }) : parseManifestFile({ path: blob.path, content: blob.content }),
  );
}
