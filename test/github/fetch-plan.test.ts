/** What a review reads (docs/github-app.md, "What canary-bot reads"). Pure. */
import { describe, expect, it } from "vitest";
import { buildPathMatcher } from "../../src/config/index.js";
import { selectBuildInputs } from "../../src/build/roots.js";
import { buildBlobBatches, buildBuildFetchPlan, buildFetchPlan, rankNeighbours, type FetchLimits } from "../../src/github/fetch-plan.js";
import type { ChangedFile, Tree } from "../../src/github/port.js";

const HEAD = "h".repeat(40);
const BASE = "b".repeat(40);
const isManifest = buildPathMatcher({ include: ["**/*.yaml"], exclude: [".github/**"] });
const LIMITS: FetchLimits = { reviewBytes: 1_000_000, changedManifests: 100, contextFiles: 100, manifestBytes: 10_000 };

function tree(paths: Record<string, number>, truncated = false): Tree {
  return { entries: Object.entries(paths).map(([path, size]) => ({ path, size })), truncated };
}

describe("buildFetchPlan", () => {
  it("reads changed manifests at head and merge base, and unchanged neighbours once", () => {
    const changed: ChangedFile[] = [
      { path: "apps/podinfo/canary.yaml", status: "modified" },
      { path: "apps/podinfo/new.yaml", status: "added" },
      { path: "apps/podinfo/old.yaml", status: "removed" },
      { path: "apps/podinfo/renamed.yaml", previousPath: "apps/podinfo/before.yaml", status: "renamed" },
      { path: "README.md", status: "modified" },
    ];
    const plan = buildFetchPlan({
      changed,
      isManifest,
      tree: tree({ "apps/podinfo/canary.yaml": 100, "apps/podinfo/new.yaml": 10, "apps/podinfo/renamed.yaml": 20, "apps/podinfo/deployment.yaml": 50, "README.md": 5, "apps/podinfo/notes.txt": 1 }),
      headSha: HEAD,
      mergeBase: BASE,
      limits: LIMITS,
    });
    expect(plan.changedPaths).toEqual(["apps/podinfo/before.yaml", "apps/podinfo/canary.yaml", "apps/podinfo/new.yaml", "apps/podinfo/old.yaml", "apps/podinfo/renamed.yaml"]);
    expect(plan.blobs.map((b) => `${b.side} ${b.revision === HEAD ? "head" : "base"} ${b.path} ${b.size}`)).toEqual([
      "head head apps/podinfo/canary.yaml 100",
      "base base apps/podinfo/canary.yaml 100",
      "head head apps/podinfo/new.yaml 10",
      "base base apps/podinfo/old.yaml 0",
      "head head apps/podinfo/renamed.yaml 20",
      "base base apps/podinfo/before.yaml 20",
      "context head apps/podinfo/deployment.yaml 50",
    ]);
    expect(plan.context).toEqual({ candidates: 1, read: 1, leftOut: 0, treeTruncated: false });
  });

  it("ranks neighbours: same directory, then the parent and the directories beside it, never deeper or farther", () => {
    const ranked = rankNeighbours({
      changedPaths: ["clusters/prod/podinfo/canary.yaml"],
      tree: tree({
        "clusters/prod/podinfo/canary.yaml": 1,
        "clusters/prod/podinfo/deployment.yaml": 1,
        "clusters/prod/kustomization.yaml": 1,
        "clusters/prod/frontend/deployment.yaml": 1,
        "clusters/prod/frontend/deep/x.yaml": 1,
        "clusters/staging/podinfo/deployment.yaml": 1,
        "infra/flagger/metric-template.yaml": 1,
      }),
      isManifest,
      exclude: new Set(["clusters/prod/podinfo/canary.yaml"]),
    });
    expect(ranked.map((r) => `${r.tier} ${r.path}`)).toEqual(["0 clusters/prod/podinfo/deployment.yaml", "1 clusters/prod/frontend/deployment.yaml", "1 clusters/prod/kustomization.yaml"]);
  });

  it("does not read changed files known to be too large, and reads both versions of a file or neither", () => {
    const plan = buildFetchPlan({
      changed: [
        { path: "a/big.yaml", status: "modified" },
        { path: "a/one.yaml", status: "modified" },
        { path: "a/two.yaml", status: "modified" },
      ],
      isManifest,
      tree: tree({ "a/big.yaml": 20_000, "a/one.yaml": 400, "a/two.yaml": 400, "a/context.yaml": 10 }),
      headSha: HEAD,
      mergeBase: BASE,
      limits: { ...LIMITS, reviewBytes: 1000 },
    });
    expect(plan.oversize).toEqual([{ side: "head", path: "a/big.yaml", size: 20_000 }]);
    // big.yaml's base version is not read either (nothing to compare it with); one.yaml fits whole, two.yaml not.
    expect(plan.blobs.map((b) => `${b.side}:${b.path}`)).toEqual(["head:a/one.yaml", "base:a/one.yaml", "context:a/context.yaml"]);
    expect(plan.notRead).toEqual([
      { side: "head", path: "a/two.yaml", reason: "review-bytes" },
      { side: "base", path: "a/two.yaml", reason: "review-bytes" },
    ]);
  });

  it("counts what the limits leave out of the neighbourhood, and a truncated tree", () => {
    const plan = buildFetchPlan({
      changed: [{ path: "a/canary.yaml", status: "modified" }],
      isManifest,
      tree: tree({ "a/canary.yaml": 1, "a/x.yaml": 1, "a/y.yaml": 1, "a/huge.yaml": 50_000 }, true),
      headSha: HEAD,
      mergeBase: BASE,
      limits: { ...LIMITS, contextFiles: 1 },
    });
    expect(plan.context).toEqual({ candidates: 3, read: 1, leftOut: 2, treeTruncated: true });
  });

  it("reviews at most limits.changedManifests changed files", () => {
    const plan = buildFetchPlan({
      changed: [{ path: "a/1.yaml", status: "added" }, { path: "a/2.yaml", status: "added" }],
      isManifest,
      tree: tree({ "a/1.yaml": 1, "a/2.yaml": 1 }),
      headSha: HEAD,
      mergeBase: BASE,
      limits: { ...LIMITS, changedManifests: 1 },
    });
    expect(plan.notRead).toEqual([{ side: "head", path: "a/2.yaml", reason: "changed-manifests" }]);
    expect(plan.changedPaths).toEqual(["a/1.yaml", "a/2.yaml"]);
  });
});

describe("buildBlobBatches", () => {
  it("splits by count and by bytes, never leaving a batch empty", () => {
    const sizes = [5, 5, 5, 20, 1, 1];
    expect(buildBlobBatches(sizes.map((size) => ({ size })), { blobs: 2, bytes: 12 }).map((b) => b.map((x) => x.size))).toEqual([[5, 5], [5], [20], [1, 1]]);
    expect(buildBlobBatches([], { blobs: 2, bytes: 12 })).toEqual([]);
  });
});

describe("buildBuildFetchPlan", () => {
  const shaTree = (entries: Record<string, [size: number, sha: string]>): Tree => ({ entries: Object.entries(entries).map(([path, [size, sha]]) => ({ path, size, sha })), truncated: false });
  const headTree = shaTree({
    "apps/staging/kustomization.yaml": [30, "k2"],
    "apps/base/canary.yaml": [200, "c1"],
    "apps/base/kustomization.yaml": [40, "kb"],
    "apps/base/values.env": [10, "e1"],
    "apps/base/huge.yaml": [50_000, "hg"],
    "docs/readme.md": [10, "r1"],
    "scripts/build.json": [10, "j1"],
  });
  const baseTree = shaTree({ "apps/staging/kustomization.yaml": [30, "k1"], "apps/base/canary.yaml": [200, "c1"], "apps/base/kustomization.yaml": [40, "kb"], "apps/base/values.env": [10, "e1"] });
  const plan = (limits: { reviewBytes: number; files: number }) =>
    buildBuildFetchPlan({ headTree, baseTree, headSha: HEAD, mergeBase: BASE, select: selectBuildInputs, limits: { ...limits, manifestBytes: 10_000 } });

  it("reads the build inputs of both revisions, each distinct blob once, and no file too large to parse", () => {
    const ready = plan({ reviewBytes: 1_000, files: 100 });
    expect(ready.status).toBe("ready");
    if (ready.status !== "ready") return;
    expect(ready.blobs.map((b) => [b.key, b.revision, b.path])).toEqual([
      ["blob:k2", HEAD, "apps/staging/kustomization.yaml"],
      ["blob:c1", HEAD, "apps/base/canary.yaml"],
      ["blob:kb", HEAD, "apps/base/kustomization.yaml"],
      ["blob:e1", HEAD, "apps/base/values.env"],
      ["blob:k1", BASE, "apps/staging/kustomization.yaml"],
    ]);
    expect(ready.head.map(([path]) => path)).not.toContain("scripts/build.json");
    expect(ready.base).toEqual([
      ["apps/staging/kustomization.yaml", "blob:k1"],
      ["apps/base/canary.yaml", "blob:c1"],
      ["apps/base/kustomization.yaml", "blob:kb"],
      ["apps/base/values.env", "blob:e1"],
    ]);
    expect(ready.oversize).toEqual([["blob:hg", 50_000]]);
  });

  it("says why when the inputs exceed the byte budget or the file count", () => {
    expect(plan({ reviewBytes: 300, files: 100 })).toMatchObject({ status: "too-large", reason: "its build inputs are 310 bytes, over limits.reviewBytes (300)" });
    expect(plan({ reviewBytes: 1_000, files: 5 })).toMatchObject({ status: "too-large", files: 6 });
  });
});
