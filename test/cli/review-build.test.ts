/**
 * `canary-bot review` over fixtures built from real GitOps repositories (fixtures/gitops-istio,
 * fixtures/gitops-environments, each with its sources in its README), through the real kustomize.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../support/cli.js";
import { findMarkdownProblems } from "../support/gfm.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures");

interface ReviewJson {
  build: string;
  notes: string[];
  touchesCanaries: boolean;
  comment: string | null;
  check: { conclusion: string };
  canaries: Array<{
    cluster: string | null;
    environment: string | null;
    namespace: string | null;
    name: string;
    path: string;
    line: number;
    change: string;
    newRevision: boolean;
    reasons: string[];
    images: { base: string[]; head: string[] };
    verdict: string;
    findings: Array<{ code: string; severity: string; line: number }>;
  }>;
}

async function reviewJson(repo: string, base: string, head: string, extra: string[] = []): Promise<ReviewJson> {
  const { stdout, stderr } = await runCliCaptured(["review", "--repo", repo, "--base", base, "--head", head, "--format", "json", ...extra]);
  expect(stderr).toBe("");
  return JSON.parse(stdout) as ReviewJson;
}

const summary = (json: ReviewJson) => json.canaries.map((c) => ({ id: `${c.cluster}/${c.namespace}/${c.name}`, change: c.change, newRevision: c.newRevision, images: c.images }));

function buildFixture(name: string): string {
  const repo = mkdtempSync(join(tmpdir(), `${name}-`));
  execFileSync("bash", [join(FIXTURES, name, "build.sh"), repo]);
  return repo;
}

describe("review of gitops-istio history (one Flux cluster, kustomize apps)", () => {
  let repo: string;
  beforeAll(() => {
    repo = buildFixture("gitops-istio");
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("an image bump through images: newTag is a new revision with the new image", async () => {
    const json = await reviewJson(repo, "1-initial", "2-image-bump");
    expect(json.build).toBe("kustomize");
    expect(summary(json)).toEqual([
      { id: "my-cluster/prod/frontend", change: "changed", newRevision: true, images: { base: ["ghcr.io/stefanprodan/podinfo:5.0.0"], head: ["ghcr.io/stefanprodan/podinfo:6.1.0"] } },
    ]);
    expect(json.canaries[0]?.reasons[0]).toMatch(/^Deployment frontend: its pod template changed \(images .*:5\.0\.0 → .*:6\.1\.0\)/);
    expect(json.comment).toMatch(/<summary>[^\n]*· changed · new revision<\/summary>/);
  });

  it("a progressDeadlineSeconds and HPA change is not a new revision, and the comment says so", async () => {
    const json = await reviewJson(repo, "2-image-bump", "3-progress-deadline-hpa");
    expect(summary(json)).toEqual([{ id: "my-cluster/prod/frontend", change: "changed", newRevision: false, images: { base: ["ghcr.io/stefanprodan/podinfo:6.1.0"], head: ["ghcr.io/stefanprodan/podinfo:6.1.0"] } }]);
    expect(json.canaries[0]?.reasons).toEqual([
      "the Canary itself changed: the next analysis runs with its new settings",
      "Deployment frontend changed outside its pod template (apps/frontend/deployment.yaml)",
      "HorizontalPodAutoscaler frontend changed (apps/frontend/hpa.yaml)",
    ]);
    expect(json.comment).not.toContain("new revision ·");
    expect(json.comment).not.toContain("Rolls out because");
    expect(json.comment).toContain("No new revision");
  });

  it("a Canary moved into a kustomize namespace is changed, not removed and added", async () => {
    const json = await reviewJson(repo, "3-progress-deadline-hpa", "4-kustomize-namespace");
    expect(json.canaries.map((c) => [c.cluster, c.namespace, c.name, c.change, c.path, c.newRevision])).toEqual([["my-cluster", "prod", "frontend", "changed", "apps/frontend/flagger/canary.yaml", false]]);
    expect(json.canaries[0]?.reasons).toEqual(["moved from apps/frontend/canary.yaml; the object the cluster receives is the same"]);
  });

  it("without kustomize the same move reads as removed and added, and the review says why", async () => {
    const saved = process.env.KUSTOMIZE_BIN;
    process.env.KUSTOMIZE_BIN = "";
    try {
      const json = await reviewJson(repo, "3-progress-deadline-hpa", "4-kustomize-namespace");
      expect(json.build).toBe("raw");
      expect(json.notes).toEqual([expect.stringMatching(/^No kustomize binary was found/)]);
      expect(json.canaries.map((c) => c.change).sort()).toEqual(["added", "removed"]);
      expect(json.comment).toContain("No kustomize binary was found");
    } finally {
      if (saved === undefined) delete process.env.KUSTOMIZE_BIN;
      else process.env.KUSTOMIZE_BIN = saved;
    }
  });
});

describe("review of a two-environment repository (clusters/staging and clusters/production over one base)", () => {
  let repo: string;
  beforeAll(() => {
    repo = buildFixture("gitops-environments");
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("the image bump of the staging overlay is a new revision of the staging podinfo only", async () => {
    const json = await reviewJson(repo, "1-initial", "2-staging-image");
    expect(summary(json)).toEqual([
      { id: "staging/podinfo-staging/podinfo", change: "unchanged", newRevision: true, images: { base: ["ghcr.io/stefanprodan/podinfo:6.1.0"], head: ["ghcr.io/stefanprodan/podinfo:6.2.0"] } },
    ]);
  });

  it("production's HPA and progressDeadlineSeconds patches change production's podinfo only, with no new revision", async () => {
    const json = await reviewJson(repo, "2-staging-image", "3-production-hpa-deadline");
    expect(summary(json)).toEqual([{ id: "production/podinfo/podinfo", change: "changed", newRevision: false, images: { base: ["ghcr.io/stefanprodan/podinfo:6.1.0"], head: ["ghcr.io/stefanprodan/podinfo:6.1.0"] } }]);
  });

  it("both podinfo Canaries are separate entries, each with its own namespace, images and findings on the base file's lines, and no false errors from the overlay patch", async () => {
    const json = await reviewJson(repo, "1-initial", "4-staging-threshold");
    expect(summary(json)).toEqual([
      { id: "production/podinfo/podinfo", change: "changed", newRevision: false, images: { base: ["ghcr.io/stefanprodan/podinfo:6.1.0"], head: ["ghcr.io/stefanprodan/podinfo:6.1.0"] } },
      { id: "staging/podinfo-staging/podinfo", change: "changed", newRevision: true, images: { base: ["ghcr.io/stefanprodan/podinfo:6.1.0"], head: ["ghcr.io/stefanprodan/podinfo:6.2.0"] } },
    ]);
    for (const canary of json.canaries) {
      expect(canary.path).toBe("apps/base/podinfo/canary.yaml");
      expect(canary.verdict).toBe("ok");
      expect(canary.findings.filter((f) => f.severity !== "notice")).toEqual([]);
    }
    expect(json.check.conclusion).toBe("success");
    expect(json.comment).toContain("<code>production: podinfo/podinfo</code>");
    expect(json.comment).toContain("<code>staging: podinfo-staging/podinfo</code>");
    expect(findMarkdownProblems(json.comment!)).toEqual([]);
  });

  it("names environments from the base's .github/canary-bot.yml, not the head's", async () => {
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args]);
    const writeConfig = (name: string) =>
      execFileSync("bash", ["-c", `mkdir -p ${repo}/.github && printf 'environments:\\n  - name: ${name}\\n    cluster: prod-eu\\n    paths: ["clusters/production/**"]\\n' > ${repo}/.github/canary-bot.yml`]);
    git("checkout", "-q", "-b", "with-config", "2-staging-image");
    writeConfig("prod");
    git("add", "-A");
    git("commit", "-q", "-m", "config");
    git("checkout", "-q", "3-production-hpa-deadline", "--", "apps");
    writeConfig("renamed-by-the-pr");
    git("add", "-A");
    git("commit", "-q", "-m", "production change");
    const json = await reviewJson(repo, "with-config~1", "with-config");
    expect(json.canaries.map((c) => [c.environment, c.cluster, c.namespace, c.newRevision])).toEqual([["prod", "prod-eu", "podinfo", false]]);
    expect(json.comment).toContain("<code>prod: podinfo/podinfo</code>");
  });
});
