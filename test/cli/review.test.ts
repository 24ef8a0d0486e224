import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cli.js";
import { findMarkdownProblems } from "../support/gfm.js";
import { extractMermaidBlocks, openMermaidChecker } from "../support/mermaid.js";

const FIXTURE = join(import.meta.dirname, "../../fixtures/gitops-podinfo");

const cli = runCliCaptured;

describe("canary-bot review over the podinfo GitOps fixture", () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "podinfo-repo-"));
    execFileSync("bash", [join(FIXTURE, "build.sh"), repo]);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("prints the comment the App would post for the commit that adds a gateway, session affinity and a new stepWeight", async () => {
    const { code, stdout, stderr } = await cli(["review", "--repo", repo, "--base", "1-initial", "--head", "2-gateway-affinity"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(findMarkdownProblems(stdout)).toEqual([]);
    await expect(stdout).toMatchFileSnapshot(join(FIXTURE, "expected-review.md"));
  });

  it("draws pictures that Mermaid itself renders (headless Chromium)", async () => {
    const { stdout } = await cli(["review", "--repo", repo, "--base", "1-initial", "--head", "2-gateway-affinity"]);
    const diagrams = extractMermaidBlocks(stdout);
    // The weight line chart and the gantt chart.
    expect(diagrams.map((d) => d.split("\n").find((l) => !l.startsWith("-") && !l.startsWith(" ") && l !== "config:"))).toEqual(["xychart-beta", "gantt"]);
    const checker = await openMermaidChecker();
    try {
      expect((await checker.check(diagrams)).filter((r) => !r.ok)).toEqual([]);
    } finally {
      await checker.close();
    }
  });

  it("says there is nothing to review between identical revisions", async () => {
    const { code, stdout } = await cli(["review", "--repo", repo, "--base", "2-gateway-affinity", "--head", "2-gateway-affinity"]);
    expect(code).toBe(0);
    expect(stdout).toContain("the App would not comment");
  });

  it("answers JSON with the check run the App would create", async () => {
    const { stdout } = await cli(["review", "--repo", repo, "--base", "1-initial", "--head", "2-gateway-affinity", "--format", "json"]);
    const json = JSON.parse(stdout);
    expect(json.changedPaths).toEqual(["apps/istio-system/public-gateway.yaml", "apps/podinfo/canary.yaml"]);
    expect(json.touchesCanaries).toBe(true);
    expect(json.check.conclusion).toBe("success");
  });

  it("is a usage error (exit 2) without --base or with an unknown ref", async () => {
    expect((await cli(["review", "--repo", repo])).code).toBe(2);
    const unknown = await cli(["review", "--repo", repo, "--base", "no-such-ref"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no-such-ref is not a commit");
  });
});
