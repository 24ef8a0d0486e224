/**
 * The App reviews what the clusters receive, as `canary-bot review --repo` does: a pull request of
 * fixtures/gitops-environments (two Flux clusters over one kustomize base) on the GitHub-like
 * server, the review in a worker thread running the real kustomize, and `review --pr` against the
 * same server. Only GitHub is simulated; kustomize, the queue and HTTP are real.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import { REVIEW_MARKER } from "../../src/report/comment.js";
import { bundleCanaryBot } from "../support/bundle.js";
import { runCliCaptured } from "../support/cli.js";
import { pullRequestDelivery, startTestApp, waitForQueueIdle, type TestApp } from "../support/github-app.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { readCommit, readFixtureCommit } from "./helpers.js";

const INITIAL = readFixtureCommit("gitops-environments", "1-initial");
const STAGING_IMAGE = readFixtureCommit("gitops-environments", "2-staging-image");
const INSTALLATION = 31;

/** The App's line links (`[line 3](https://github.com/…#L3)`, `[12](…#L12)`) as the offline review writes them. */
function withoutLinks(comment: string): string {
  return comment.replace(/\[(line \d+|\d+)\]\(https:\/\/github\.com\/[^)\s]+#L\d+\)/g, "$1");
}

describe("the App builds a kustomize repository's pull request as the clusters do", () => {
  let github: GitHubServer;
  let store: Store;
  let app: TestApp;
  let fixtureRepo: string;
  let next = 1;

  beforeAll(async () => {
    github = await startGitHubServer();
    store = await openStore({ dataDir: "memory://" });
    const { worker } = await bundleCanaryBot();
    // One review thread: the build (and its kustomize child processes) runs in the worker thread.
    app = await startTestApp({ github, store, reviewThreads: 1, reviewWorkerFile: worker });
    fixtureRepo = mkdtempSync(join(tmpdir(), "gitops-environments-"));
    execFileSync("bash", [join(import.meta.dirname, "../../fixtures/gitops-environments/build.sh"), fixtureRepo]);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await github?.close();
    await store?.close();
    if (fixtureRepo) rmSync(fixtureRepo, { recursive: true, force: true });
  });
  beforeEach(() => {
    github.requests.length = 0;
  });

  function openPull(params: { base: Record<string, string>; head: Record<string, string> }) {
    const repository = github.addRepository({ owner: "acme", repo: `environments-${next++}`, installationId: INSTALLATION, files: params.base });
    const pull = github.openPull(repository, { number: 7, ...params });
    return { repository, pull };
  }

  /** `canary-bot review --pr` against the GitHub-like server, with a token it issued (it asks for no JWT). */
  async function reviewPr(repository: { owner: string; repo: string }, number: number, env: Record<string, string> = {}) {
    const issued = (await (await fetch(`${github.baseUrl}/app/installations/${INSTALLATION}/access_tokens`, { method: "POST" })).json()) as { token: string };
    const saved = { ...process.env };
    Object.assign(process.env, { GITHUB_TOKEN: issued.token, GITHUB_API_URL: github.baseUrl, ...env });
    try {
      return await runCliCaptured(["review", "--pr", `${repository.owner}/${repository.repo}#${number}`]);
    } finally {
      process.env = saved;
    }
  }

  it("an `images: newTag` bump in the staging overlay is a new revision of the staging podinfo, with the new image", async () => {
    const { repository, pull } = openPull({ base: INITIAL, head: STAGING_IMAGE });

    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);

    expect(pull.comments).toHaveLength(1);
    const body = pull.comments[0]!.body;
    expect(body.startsWith(REVIEW_MARKER)).toBe(true);
    // The Canary's identity (environment, namespace, name), as the build renders it: staging only.
    expect(body).toMatch(/<summary>[^\n]*<code>staging: podinfo-staging\/podinfo<\/code>[^\n]*· new revision<\/summary>/);
    expect(body).not.toContain("production: podinfo/podinfo");
    expect(body).toContain("Rolls out because Deployment podinfo: its pod template changed (images ghcr.io/stefanprodan/podinfo:6.1.0 → ghcr.io/stefanprodan/podinfo:6.2.0)");
    expect(body).not.toMatch(/No kustomize binary/);
    const [check] = repository.checkRuns;
    expect(check).toMatchObject({ name: "canary/validation", head_sha: pull.headSha, conclusion: "success" });
    expect(check!.output.summary).toContain("podinfo-staging");

    // Both trees (head, merge base), then the build inputs of both revisions in one GraphQL request.
    const reads = github.requests.map((r) => `${r.method} ${r.path.split("?")[0]!.replace(/[0-9a-f]{40}/g, "{sha}")}`).filter((r) => !r.endsWith("/access_tokens"));
    expect(reads.filter((r) => r.includes("/git/trees/"))).toHaveLength(2);
    expect(reads.filter((r) => r === "POST /graphql")).toHaveLength(1);
    expect(app.logs.filter((l) => l.level === "error" || l.level === "fatal")).toEqual([]);
  }, 120_000);

  it("two environments over one base are two Canaries, each with its own change, namespace and images", async () => {
    const { repository, pull } = openPull({ base: INITIAL, head: readFixtureCommit("gitops-environments", "4-staging-threshold") });

    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);

    const body = pull.comments[0]!.body;
    expect(body).toMatch(/<summary>[^\n]*<code>production: podinfo\/podinfo<\/code> · valid · changed · ⚠️ loosens safety settings<\/summary>/);
    expect(body).toMatch(/<summary>[^\n]*<code>staging: podinfo-staging\/podinfo<\/code> · valid · changed · new revision<\/summary>/);
    expect(body).toContain("images ghcr.io/stefanprodan/podinfo:6.1.0 → ghcr.io/stefanprodan/podinfo:6.2.0");
    expect(repository.checkRuns[0]!.conclusion).toBe("success");
  }, 120_000);

  it("a repository of Flux Kustomizations without a kustomization file is built once a Flux Kustomization is among the files read", async () => {
    const flux = (namespace: string) =>
      [
        "apiVersion: kustomize.toolkit.fluxcd.io/v1",
        "kind: Kustomization",
        "metadata:",
        "  name: podinfo",
        "  namespace: flux-system",
        "spec:",
        "  interval: 10m",
        "  sourceRef:",
        "    kind: GitRepository",
        "    name: flux-system",
        "  path: ./apps/podinfo",
        "  prune: true",
        `  targetNamespace: ${namespace}`,
        "",
      ].join("\n");
    const podinfo = readCommit("1-initial");
    const { repository, pull } = openPull({ base: { ...podinfo, "clusters/prod/podinfo.yaml": flux("podinfo-prod") }, head: { ...podinfo, "clusters/prod/podinfo.yaml": flux("podinfo-canary") } });

    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);

    // The changed file is read first (raw), names a Flux Kustomization, and then both revisions are built.
    expect(github.requests.filter((r) => r.path === "/graphql")).toHaveLength(2);
    const body = pull.comments[0]!.body;
    expect(body).toContain("<code>prod: podinfo-canary/podinfo</code>");
    expect(body).toContain("<code>prod: podinfo-prod/podinfo</code>");
    expect(body).not.toContain("<code>test/podinfo</code>");
  }, 120_000);

  it("a change of a file no kustomization reads (a .json outside kustomization folders) is no review", async () => {
    const { repository, pull } = openPull({ base: { ...INITIAL, "scripts/settings.json": "{}" }, head: { ...INITIAL, "scripts/settings.json": '{"a":1}' } });

    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);

    expect(pull.comments).toEqual([]);
    expect(repository.checkRuns).toEqual([]);
    expect(github.requests.filter((r) => r.path === "/graphql")).toEqual([]);
  }, 120_000);

  it("`review --pr` prints the App's comment, and `review --repo` the same one for the same change", async () => {
    const { repository, pull } = openPull({ base: INITIAL, head: STAGING_IMAGE });
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);
    const posted = pull.comments[0]!.body;

    const dryRun = await reviewPr(repository, pull.number);
    expect(dryRun.stderr).toBe("");
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toBe(`${posted}\n`);

    const offline = await runCliCaptured(["review", "--repo", fixtureRepo, "--base", "1-initial", "--head", "2-staging-image"]);
    expect(offline.stderr).toBe("");
    expect(withoutLinks(dryRun.stdout)).toBe(offline.stdout);
  }, 120_000);

  it("a repository of rendered files in environment folders (no kustomization) is grouped by environment, as `review --repo` groups it", async () => {
    const raw = (commit: string) => readFixtureCommit("raw-environments", commit);
    const { repository, pull } = openPull({ base: raw("1-initial"), head: raw("2-staging-image") });
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);
    const posted = pull.comments[0]!.body;
    expect(posted).toContain("| `staging: podinfo-staging/podinfo` | ✅ valid |");
    expect(posted).not.toContain("production: podinfo/podinfo");
    const checkout = mkdtempSync(join(tmpdir(), "raw-environments-"));
    try {
      execFileSync("bash", [join(import.meta.dirname, "../../fixtures/raw-environments/build.sh"), checkout]);
      const offline = await runCliCaptured(["review", "--repo", checkout, "--base", "1-initial", "--head", "2-staging-image"]);
      expect(offline.stderr).toBe("");
      // The config has environments, so the merge gate's Promotion section follows the review.
      const [review, promotion] = posted.split("\n\n#### Promotion");
      expect(promotion).toContain("staging · podinfo-staging/podinfo");
      expect(withoutLinks(review!)).toBe(offline.stdout.replace(/\n$/, ""));
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  }, 120_000);

  it("without a kustomize binary, `review --pr` reads raw files and its comment says why", async () => {
    const { repository, pull } = openPull({ base: INITIAL, head: readFixtureCommit("gitops-environments", "3-production-hpa-deadline") });
    const dryRun = await reviewPr(repository, pull.number, { KUSTOMIZE_BIN: "" });
    expect(dryRun.stderr).toBe("");
    expect(dryRun.stdout).toContain("No kustomize binary was found");
  }, 120_000);

  it("a repository whose build inputs exceed limits.reviewBytes is reviewed as raw files, and the check says so", async () => {
    // The base's config (the default branch's) leaves less than the fixture's build inputs.
    const config = { ".github/canary-bot.yml": "limits:\n  reviewBytes: 2000\n" };
    const { repository, pull } = openPull({ base: { ...INITIAL, ...config }, head: { ...STAGING_IMAGE, ...config } });

    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);

    // Raw files: the overlay's kustomization.yaml holds no Canary, so there is no comment, but the
    // check never says "no Canary changes" about a pull request it could not build.
    expect(pull.comments).toEqual([]);
    const [check] = repository.checkRuns;
    expect(check).toMatchObject({ conclusion: "neutral" });
    expect(check!.output.title).toMatch(/^Review partial/);
    expect(check!.output.summary).toMatch(/over limits\.reviewBytes \(2000\): too large to build here/);
    expect(check!.output.summary).toContain("Run `canary-bot review` locally");
    expect(github.requests.filter((r) => r.path === "/graphql")).toHaveLength(1);
  }, 120_000);

  it("a Canary change over the budget gets the raw review, with the note in the comment", async () => {
    const config = { ".github/canary-bot.yml": "limits:\n  reviewBytes: 5000\n" };
    const canary = "apps/base/podinfo/canary.yaml";
    const head = { ...INITIAL, ...config, [canary]: INITIAL[canary]!.replace("interval: 15s", "interval: 30s") };
    expect(head[canary]).not.toBe(INITIAL[canary]);
    const { repository, pull } = openPull({ base: { ...INITIAL, ...config }, head });

    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(store, 120_000);

    expect(pull.comments).toHaveLength(1);
    expect(pull.comments[0]!.body).toContain("too large to build here");
    expect(repository.checkRuns[0]!.output.summary).toContain("too large to build here");
  }, 120_000);
});
