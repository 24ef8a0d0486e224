import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

describe("canary-bot review reads blobs as the parser would", () => {
  const canary = (maxWeight: number) =>
    `apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  provider: kubernetes\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  service:\n    port: 80\n  analysis:\n    interval: 1m\n    threshold: 5\n    iterations: ${maxWeight}\n`;
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "review-blobs-"));
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { stdio: "ignore" });
    execFileSync("git", ["init", "-q", repo]);
    mkdirSync(join(repo, "apps"));
    writeFileSync(join(repo, "apps/canary.yaml"), canary(5));
    git("add", "-A");
    git("commit", "-qm", "base");
    git("tag", "base");
    // A byte order mark before the head's Canary, and a file that is not UTF-8 text.
    writeFileSync(join(repo, "apps/canary.yaml"), `\uFEFF${canary(10)}`);
    writeFileSync(join(repo, "apps/binary.yaml"), Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    git("add", "-A");
    git("commit", "-qm", "head");
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("a Canary after a byte order mark is read, and a file that is not UTF-8 is FILE_NOT_TEXT", async () => {
    const { stdout } = await cli(["review", "--repo", repo, "--base", "base", "--format", "json"]);
    const json = JSON.parse(stdout);
    expect(json.canaries.map((c: { name: string; line: number; change: string }) => [c.name, c.line, c.change])).toEqual([["web", 1, "changed"]]);
    expect(json.comment).toContain("FILE_NOT_TEXT");
    expect(json.comment).toContain("apps/binary.yaml");
  });
});
