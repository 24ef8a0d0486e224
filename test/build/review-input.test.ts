/** The function the App calls: files of both revisions in, the review input out (real kustomize). */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getBuiltReviewInput, isBuildInput } from "../../src/build/review-input.js";
import { buildDefaultConfig } from "../../src/config/index.js";
import { reviewChanges } from "../../src/review/index.js";
import { readFixtureCommit } from "../github/helpers.js";


/** A commit of the two-environment fixture as the build takes it: path → content. */
const readCommitFiles = (name: string) => new Map(Object.entries(readFixtureCommit("gitops-environments", name)));

describe("getBuiltReviewInput", () => {
  const base = readCommitFiles("1-initial");
  const head = readCommitFiles("2-staging-image");

  it("builds both revisions and gives the review a model per environment", async () => {
    const input = await getBuiltReviewInput({ base, head, changedPaths: ["apps/staging/kustomization.yaml", "README.md"], config: buildDefaultConfig() });
    expect(input.mode).toBe("kustomize");
    expect(input.changedPaths).toEqual(["apps/staging/kustomization.yaml"]);
    expect(input.scopes.head.map((s) => s.id)).toEqual(["production", "staging"]);
    const review = reviewChanges({ ...input, notes: input.notes });
    expect(review.model.canaries.map((c) => [c.key, c.newRevision, c.images.head])).toEqual([["staging: podinfo-staging/podinfo", true, ["ghcr.io/stefanprodan/podinfo:6.2.0"]]]);
    expect(review.check.conclusion).toBe("success");
  });

  it("puts a finding on a field an overlay patch sets on the patch's line, in the comment and the check", async () => {
    const broken = new Map(head);
    broken.set("apps/staging/canary-patch.yaml", head.get("apps/staging/canary-patch.yaml")!.replace("interval: 10s", "interval: 10x"));
    const input = await getBuiltReviewInput({ base, head: broken, changedPaths: ["apps/staging/canary-patch.yaml"], config: buildDefaultConfig() });
    const review = reviewChanges({ ...input, notes: input.notes });
    const [staging] = review.model.canaries;
    const finding = staging?.head?.findings.find((f) => f.path === "spec.analysis.interval");
    expect([staging?.key, finding?.severity, finding?.file, finding?.line]).toEqual(["staging: podinfo-staging/podinfo", "error", "apps/staging/canary-patch.yaml", 7]);
    expect(review.check.annotations.filter((a) => a.annotation_level === "failure").map((a) => [a.path, a.start_line])).toEqual([["apps/staging/canary-patch.yaml", 7]]);
    expect(review.comment).toContain("| `apps/staging/canary-patch.yaml` 7 |");
  });

  it("calls a Canary whose file no longer parses unreadable, not removed, with the YAML finding and the build's note", async () => {
    const broken = new Map(head);
    broken.set("apps/base/podinfo/canary.yaml", `${head.get("apps/base/podinfo/canary.yaml")!}  bad: [\n`);
    const input = await getBuiltReviewInput({ base, head: broken, changedPaths: ["apps/base/podinfo/canary.yaml"], config: buildDefaultConfig() });
    const review = reviewChanges({ ...input, notes: input.notes });
    expect(review.model.canaries.map((c) => [c.key, c.status])).toEqual([
      ["production: podinfo/podinfo", "unreadable"],
      ["staging: podinfo-staging/podinfo", "unreadable"],
    ]);
    expect(review.model.files.map((f) => [f.path, f.findings.map((x) => x.code)])).toEqual([["apps/base/podinfo/canary.yaml", ["YAML_SYNTAX"]]]);
    expect(input.notes).toHaveLength(2);
    expect(review.check.conclusion).toBe("failure");
  });

  it("reads raw files with engine null, and the comment and the check say so", async () => {
    const input = await getBuiltReviewInput({ base, head, changedPaths: ["apps/staging/kustomization.yaml"], config: buildDefaultConfig(), engine: null });
    expect(input.mode).toBe("raw");
    const review = reviewChanges({ ...input, notes: input.notes });
    // Raw files cannot see the kustomize image tag: nothing rolls out, which is why the note matters.
    expect(review.model.canaries).toEqual([]);
    expect(input.notes).toEqual([expect.stringMatching(/^No kustomize binary was found/)]);
  });

  it("prefixes notes that only the base revision has", async () => {
    const broken = new Map(base);
    broken.set("apps/production/kustomization.yaml", "resources: [../base/podinfo, missing.yaml]\n");
    const input = await getBuiltReviewInput({ base: broken, head, changedPaths: ["apps/production/kustomization.yaml"], config: buildDefaultConfig() });
    expect(input.notes).toEqual([expect.stringMatching(/^Base revision: Flux Kustomization flux-system\/apps \(clusters\/production\/apps\.yaml\) could not be built/)]);
  });

  it("counts kustomization files and manifests as build inputs, nothing else", () => {
    const isManifest = (p: string) => /\.ya?ml$/.test(p) && !p.startsWith(".github/");
    expect(["apps/kustomization.yaml", "apps/Kustomization", "apps/x.yaml", ".github/workflows/ci.yaml", "README.md"].filter((p) => isBuildInput(p, isManifest))).toEqual([
      "apps/kustomization.yaml",
      "apps/Kustomization",
      "apps/x.yaml",
    ]);
  });
});

describe("a root whose inputs did not change is built once for both revisions", () => {
  it("builds production once and staging twice when only staging changes", async () => {
    const { mkdtempSync, writeFileSync, readFileSync: read, rmSync, chmodSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { findKustomizeEngine } = await import("../../src/build/kustomize.js");
    const real = await findKustomizeEngine();
    if (!real) throw new Error("this test needs kustomize or kubectl");
    const dir = mkdtempSync(join(tmpdir(), "counting-kustomize-"));
    const log = join(dir, "calls");
    const script = join(dir, "kustomize");
    // A kustomize that records each build, then runs the real engine.
    writeFileSync(script, `#!/bin/sh\necho "$@" >> ${log}\nshift\nexec ${real.command} ${real.args.join(" ")} "$@"\n`);
    chmodSync(script, 0o755);
    try {
      const base = readCommitFiles("1-initial");
      const head = readCommitFiles("2-staging-image");
      const input = await getBuiltReviewInput({ base, head, changedPaths: ["apps/staging/kustomization.yaml"], config: buildDefaultConfig(), engine: { command: script, args: ["build"], label: "counting kustomize" } });
      expect(read(log, "utf8").trim().split("\n")).toHaveLength(3);
      // Both revisions still have both clusters.
      expect([input.scopes.base.map((s) => s.id), input.scopes.head.map((s) => s.id)]).toEqual([["production", "staging"], ["production", "staging"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
