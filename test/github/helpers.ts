/** Shared by the App's end-to-end tests: the podinfo GitOps snapshots and the reads of one review. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { reviewChanges } from "../../src/review/index.js";
import { diffFiles, intercept, MERGE_BASE, mockBlobs, mockCompare, mockConfig, mockTree, PR, REPO, type Files, type TestBot } from "../support/github.js";

const PODINFO = join(import.meta.dirname, "../../fixtures/gitops-podinfo/commits");

/** A commit folder of fixtures/gitops-podinfo as a map of paths to contents. */
export function readCommit(name: string): Files {
  const root = join(PODINFO, name);
  const files: Files = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, "utf8");
    }
  };
  walk(root);
  return files;
}

export const BASE = readCommit("1-initial");
export const HEAD = readCommit("2-gateway-affinity");
export const REPOSITORY_URL = `https://github.com/${REPO.owner}/${REPO.repo}`;

/** What `canary-bot review` computes for the same two snapshots, with the App's line links. */
export function expectedReview(base: Files, head: Files, headSha = PR.headSha) {
  return reviewChanges({
    base: Object.entries(base).map(([path, content]) => parseManifestFile({ path, content })),
    head: Object.entries(head).map(([path, content]) => parseManifestFile({ path, content })),
    changedPaths: diffFiles(base, head).map((f) => f.filename),
    settings: DEFAULT_CONTROLLER_SETTINGS,
    blobUrl: `${REPOSITORY_URL}/blob/${headSha}`,
  });
}

/** The reads of a review of `base` → `head` (no config file unless given). Returns the blob expressions asked for. */
export function mockReviewReads(params: { base: Files; head: Files; config?: string | null; headSha?: string; headRefOid?: string }): string[][] {
  const headSha = params.headSha ?? PR.headSha;
  mockPull(headSha);
  mockConfig(params.config ?? null);
  mockCompare({ head: headSha, files: diffFiles(params.base, params.head) });
  mockTree({ sha: headSha, files: params.head });
  return mockBlobs({ revisions: { [headSha]: params.head, [MERGE_BASE]: params.base }, headRefOid: params.headRefOid ?? headSha });
}

export async function receive(bot: TestBot, event: { name: string; payload: Record<string, unknown> }, id = "delivery-1"): Promise<void> {
  await bot.probot.receive({ id, name: event.name as "pull_request", payload: event.payload as never });
}

/** The review job reads the pull request's current head first. */
export function mockPull(headSha: string = PR.headSha, options: { times?: number; number?: number } = {}): void {
  intercept({ method: "GET", path: `/repos/${REPO.owner}/${REPO.repo}/pulls/${options.number ?? PR.number}`, reply: [200, pullResponse(headSha, options.number)], ...(options.times ? { times: options.times } : {}) });
}

/** GET /repos/{owner}/{repo}/pulls/{n}, the fields canary-bot reads. */
export function pullResponse(headSha: string, number = PR.number) {
  return {
    number,
    state: "open",
    head: { sha: headSha, ref: "changes" },
    base: { sha: PR.baseSha, ref: REPO.defaultBranch, repo: { default_branch: REPO.defaultBranch, html_url: REPOSITORY_URL } },
  };
}
