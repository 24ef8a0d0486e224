/**
 * The merge gate end to end (issue 12): canary-bot as deployed (PGlite directory, job runner, HTTP
 * server) against the GitHub-like server on loopback (every REST request checked against GitHub's
 * OpenAPI description), with Flagger's events POSTed over real HTTP. Two environments: production
 * is `promotedIn: staging`. A staging PR merges, staging's events arrive, and the production PR
 * carrying the same images goes from pending to success (or failure when staging's run fails).
 * The clock of the decisions is fixed; the tests wait for the queue to empty, never for time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getPullRequestCanaries } from "../../src/store/approvals.js";
import { buildPGliteDir } from "../../src/store/store.js";
import { eventPayload, MINUTE, T0, type PayloadParams } from "../gate/helpers.js";
import { startGitHubServer, type FakePull, type FakeRepository, type Files, type GitHubServer } from "../support/github-server.js";
import { REVIEW_MARKER } from "../../src/report/comment.js";
import { pullRequestDelivery, startTestApp, waitForQueueIdle, type TestApp } from "../support/github-app.js";
import { readCommit } from "./helpers.js";

const STAGING_TOKEN = "staging-token-0123456789abcdef0123";
const PRODUCTION_TOKEN = "production-token-0123456789abcdef01";
const CONFIG = `environments:
  - name: staging
    paths: ["clusters/staging/**"]
    cluster: staging
  - name: production
    paths: ["clusters/production/**"]
    cluster: production
    promotedIn: staging
`;
const OLD_IMAGE = "ghcr.io/stefanprodan/podinfo:6.7.0";
const NEW_IMAGE = "ghcr.io/stefanprodan/podinfo:6.8.0";

/** The podinfo fixture under clusters/<env>/podinfo/, with the image of each environment. */
function repositoryFiles(images: { staging: string; production: string }): Files {
  const app = readCommit("1-initial");
  const files: Files = { ".github/canary-bot.yml": CONFIG };
  for (const env of ["staging", "production"] as const) {
    for (const [path, text] of Object.entries(app)) files[path.replace(/^apps\//, `clusters/${env}/`)] = text.replaceAll(OLD_IMAGE, images[env]);
  }
  return files;
}
const BASE = repositoryFiles({ staging: OLD_IMAGE, production: OLD_IMAGE });
const STAGING_HEAD = repositoryFiles({ staging: NEW_IMAGE, production: OLD_IMAGE });
const PRODUCTION_HEAD = repositoryFiles({ staging: OLD_IMAGE, production: NEW_IMAGE });

/** One staging run of podinfo.test as Flagger posts it (the detection event carries the previous checksum). */
function stagingRun(outcome: "succeeded" | "failed", start = T0): PayloadParams[] {
  const e = (phase: PayloadParams["phase"], message: string, minutes: number, checksum = "rev-2", eventType: "Normal" | "Warning" = "Normal"): PayloadParams => ({ phase, message, checksum, at: start + minutes * MINUTE, eventType });
  const events = [
    e("Progressing", "New revision detected! Scaling up podinfo.test", 0, "rev-1"),
    e("Progressing", "Starting canary analysis for podinfo.test", 1),
    e("Progressing", "Advance podinfo.test canary weight 10", 1),
    e("Progressing", "Advance podinfo.test canary weight 20", 2),
  ];
  if (outcome === "succeeded") {
    events.push(e("Progressing", "Copying podinfo.test template spec to podinfo-primary.test", 4), e("Promoting", "Routing all traffic to primary", 5), e("Succeeded", "Promotion completed! Scaling down podinfo.test", 6));
  } else {
    events.push(e("Progressing", "Rolling back podinfo.test failed checks threshold reached 3", 4, "rev-2", "Warning"), e("Failed", "Canary failed! Scaling down podinfo.test", 4, "rev-2", "Warning"));
  }
  return events;
}

describe("the merge gate, end to end", () => {
  let github: GitHubServer;
  let repository: FakeRepository;
  let dir: string;
  let clustersFile: string;
  let app: TestApp | undefined;

  const start = async () => {
    app = await startTestApp({ github, store: { dataDir: buildPGliteDir(dir) }, config: { clustersFile, now: () => T0 + 60 * MINUTE } });
    return app;
  };
  const postEvent = (cluster: string, token: string | null, body: unknown) =>
    fetch(`${app!.url}/flagger/events/${cluster}${token === null ? "" : `?token=${token}`}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const promotionChecks = (sha: string) => repository.checkRuns.filter((r) => r.name === "canary/promotion" && r.head_sha === sha);
  const promotionCheck = (sha: string) => {
    const runs = promotionChecks(sha);
    expect(runs).toHaveLength(1);
    return runs[0]!;
  };
  /** The pull request's one sticky comment, as GitHub holds it now. */
  const stickyComment = (pull: FakePull) => {
    const ours = pull.comments.filter((c) => c.body.includes(REVIEW_MARKER));
    expect(ours).toHaveLength(1);
    return ours[0]!.body;
  };
  /** The gate's writes to GitHub: canary/promotion check runs created or updated, commit statuses. */
  const gateWrites = () => {
    const ours = new Set(repository.checkRuns.filter((r) => r.name === "canary/promotion").map((r) => String(r.id)));
    return github.requests.filter(
      (r) =>
        (r.method === "POST" && r.path.includes("/statuses/")) ||
        (r.method === "POST" && r.path.endsWith("/check-runs") && (r.body as { name?: string }).name === "canary/promotion") ||
        (r.method === "PATCH" && ours.has(/\/check-runs\/(\d+)$/.exec(r.path)?.[1] ?? "")),
    );
  };
  /** No check run was sent the same content twice in a row. */
  const expectNoRepeatedUpdate = () => {
    const byTarget = new Map<string, string[]>();
    for (const write of gateWrites()) {
      const target = write.method === "PATCH" ? write.path : `${write.path}:${(write.body as { head_sha?: string }).head_sha ?? ""}`;
      byTarget.set(target, [...(byTarget.get(target) ?? []), JSON.stringify({ ...(write.body as object), completed_at: undefined })]);
    }
    for (const bodies of byTarget.values()) expect(bodies.filter((b, i) => i > 0 && b === bodies[i - 1])).toEqual([]);
  };
  /** The rollout status went through these states, never sending the same status twice in a row. */
  const expectRollout = (states: string[]) => {
    const sent = repository.statuses.map((s) => JSON.stringify(s));
    expect(sent.filter((s, i) => i > 0 && s === sent[i - 1])).toEqual([]);
    expect(repository.statuses.every((s) => s.context === "canary/rollout")).toBe(true);
    expect(repository.statuses.map((s) => s.state).filter((s, i, all) => i === 0 || s !== all[i - 1])).toEqual(states);
  };
  const merge = async (pull: FakePull, mergeSha: string, mergedAt: number) => {
    pull.state = "closed";
    const event = pullRequestDelivery(repository, pull, { action: "closed" });
    Object.assign(event.payload.pull_request as object, { state: "closed", merged: true, merge_commit_sha: mergeSha, merged_at: new Date(mergedAt).toISOString() });
    expect((await app!.deliver(event)).status).toBe(202);
    await waitForQueueIdle(app!.bot.store);
  };
  const open = async (number: number, head: Files) => {
    const pull = github.openPull(repository, { number, base: BASE, head });
    expect((await app!.deliver(pullRequestDelivery(repository, pull, { action: "opened" }))).status).toBe(202);
    await waitForQueueIdle(app!.bot.store);
    return pull;
  };

  beforeEach(async () => {
    github = await startGitHubServer();
    repository = github.addRepository({ owner: "acme", repo: "gitops", installationId: 11, files: BASE });
    dir = mkdtempSync(join(tmpdir(), "canary-bot-gate-"));
    clustersFile = join(dir, "clusters.yaml");
    writeFileSync(clustersFile, `clusters:\n  - name: staging\n    eventToken: ${STAGING_TOKEN}\n  - name: production\n    eventToken: ${PRODUCTION_TOKEN}\n`);
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await github.close();
    rmSync(dir, { recursive: true, force: true });
    expect(github.openApiProblems()).toEqual([]);
  });

  it("turns the production PR green once staging promoted the same images; replays, reordering, a wrong token and a restart change nothing", async () => {
    await start();
    const stagingPull = await open(1, STAGING_HEAD);
    expect(promotionCheck(stagingPull.headSha)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(promotionCheck(stagingPull.headSha).output.summary).toContain("environment staging has no promotedIn rule");

    const productionPull = await open(2, PRODUCTION_HEAD);
    expect(promotionCheck(productionPull.headSha)).toMatchObject({ status: "in_progress", conclusion: null, output: { title: "Waiting for 1 Canary" } });
    expect(promotionCheck(productionPull.headSha).output.summary).toContain("cluster staging has reported nothing for this Canary yet");
    // The gate judged what the review read: the pull request's files were compared and read once.
    const reads = github.requests.filter((r) => r.method === "GET" && (r.path.includes(`...${productionPull.headSha}`) || r.path.startsWith("/repos/acme/gitops/pulls/2")));
    expect(reads.map((r) => r.path.split("?")[0]!.replace(/[0-9a-f]{40}/g, "SHA"))).toEqual(["/repos/acme/gitops/pulls/2", "/repos/acme/gitops/compare/SHA...SHA"]);
    // The comment's Promotion section follows the check (drawn from the store, not a second review).
    expect(stickyComment(productionPull)).toMatch(/#### Promotion ⏳[\s\S]*cluster staging has reported nothing for this Canary yet/);
    expect(stickyComment(stagingPull)).toContain("#### Promotion ✅");
    // The gate's read also records what a `/canary` command on the PR may approve (issue 13).
    const approvable = await getPullRequestCanaries(app!.bot.store, { repository: "acme/gitops", pullRequest: 2 });
    expect(approvable?.headSha).toBe(productionPull.headSha);
    expect(approvable?.canaries.map((c) => [c.canary.environment, c.canary.cluster, c.canary.namespace, c.canary.name])).toEqual([["production", "production", "test", "podinfo"]]);
    expect(approvable?.canaries[0]?.revision).toMatch(/podinfo:/);

    const mergeSha = "a".repeat(40);
    await merge(stagingPull, mergeSha, T0 - 10 * MINUTE);
    expect(repository.statuses.map((s) => [s.sha, s.context, s.state])).toEqual([[mergeSha, "canary/rollout", "pending"]]);
    expect(stickyComment(stagingPull)).toContain("#### Rollout ⏳");

    // Without the token, or with another cluster's: 401, and nothing changes.
    const events = stagingRun("succeeded").map(eventPayload);
    const writesBefore = gateWrites().length;
    expect((await postEvent("staging", null, events[0])).status).toBe(401);
    expect((await postEvent("staging", PRODUCTION_TOKEN, events[0])).status).toBe(401);
    await waitForQueueIdle(app!.bot.store);
    expect(await app!.bot.store.query("SELECT key FROM flagger_events")).toEqual([]);
    expect(gateWrites().length).toBe(writesBefore);

    // The run's first half, then a restart: every record survives in the PGlite directory.
    for (const event of events.slice(0, 4)) expect((await postEvent("staging", STAGING_TOKEN, event)).status).toBe(202);
    await waitForQueueIdle(app!.bot.store);
    expect(promotionCheck(productionPull.headSha)).toMatchObject({ status: "in_progress" });
    expect(promotionCheck(productionPull.headSha).output.summary).toContain(`${NEW_IMAGE} is being analysed in staging: Progressing, canary weight 20%`);
    expect(stickyComment(productionPull)).toContain(`${NEW_IMAGE} is being analysed in staging: Progressing, canary weight 20%`);
    expect(stickyComment(stagingPull)).toMatch(/#### Rollout ⏳[\s\S]*being analysed/);
    const before = await app!.bot.store.query("SELECT cluster, namespace, name, record, version FROM promotion_records ORDER BY cluster, name");
    await app!.stop();
    await start();
    expect(await app!.bot.store.query("SELECT cluster, namespace, name, record, version FROM promotion_records ORDER BY cluster, name")).toEqual(before);

    // The rest, out of order, each delivered twice.
    for (const event of [...events.slice(4)].reverse()) {
      for (let i = 0; i < 2; i++) expect((await postEvent("staging", STAGING_TOKEN, event)).status).toBe(202);
    }
    await waitForQueueIdle(app!.bot.store);
    const check = promotionCheck(productionPull.headSha);
    expect(check).toMatchObject({ status: "completed", conclusion: "success", output: { title: "Promoted where required" } });
    expect(check.output.summary).toContain(`production/test/podinfo: ${NEW_IMAGE} promoted in staging (the run attributed to #\u20601, the revision merged last)`);
    expectRollout(["pending", "success"]);
    expect(stickyComment(productionPull)).toMatch(/#### Promotion ✅[\s\S]*promoted in staging/);
    expect(stickyComment(stagingPull)).toMatch(/#### Rollout ✅/);
    const commentWrites = () => github.requests.filter((r) => r.method === "PATCH" && r.path.includes("/issues/comments/")).length;
    const settledComments = commentWrites();

    // Every event replayed in another order: 202, nothing changes, nothing is written.
    const settled = gateWrites().length;
    const records = await app!.bot.store.query("SELECT record, version FROM promotion_records ORDER BY cluster, name");
    for (const event of [...events].reverse()) {
      const answer = await postEvent("staging", STAGING_TOKEN, event);
      expect([answer.status, ((await answer.json()) as { changed: boolean }).changed]).toEqual([202, false]);
    }
    await waitForQueueIdle(app!.bot.store);
    expect(await app!.bot.store.query("SELECT record, version FROM promotion_records ORDER BY cluster, name")).toEqual(records);
    expect(gateWrites().length).toBe(settled);
    expect(commentWrites()).toBe(settledComments);
    expect(await app!.bot.store.query("SELECT count(*)::int AS n FROM flagger_events")).toEqual([{ n: events.length }]);

    // The merge queue: answered at once from the PR's decision.
    const groupSha = "b".repeat(40);
    const group = {
      action: "checks_requested",
      merge_group: { head_sha: groupSha, head_ref: `refs/heads/gh-readonly-queue/main/pr-2-${productionPull.headSha}`, base_sha: mergeSha, base_ref: "refs/heads/main" },
      repository: (pullRequestDelivery(repository, productionPull).payload as { repository: unknown }).repository,
      installation: { id: 11, node_id: "x" },
    };
    expect((await app!.deliver({ name: "merge_group", payload: group })).status).toBe(202);
    await waitForQueueIdle(app!.bot.store);
    expect(promotionCheck(groupSha)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(promotionChecks(productionPull.headSha)).toHaveLength(1);
    expectNoRepeatedUpdate();
  });

  it("fails the production PR when staging's run of those images failed, and fails the rollout status", async () => {
    await start();
    const stagingPull = await open(1, STAGING_HEAD);
    const productionPull = await open(2, PRODUCTION_HEAD);
    const mergeSha = "c".repeat(40);
    await merge(stagingPull, mergeSha, T0 - 10 * MINUTE);
    for (const event of stagingRun("failed").map(eventPayload)) expect((await postEvent("staging", STAGING_TOKEN, event)).status).toBe(202);
    await waitForQueueIdle(app!.bot.store);
    const check = promotionCheck(productionPull.headSha);
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.summary).toContain(`${NEW_IMAGE} failed its analysis in staging`);
    expectRollout(["pending", "failure"]);
    expect(stickyComment(productionPull)).toMatch(/#### Promotion ❌[\s\S]*failed its analysis in staging/);
    expect(stickyComment(stagingPull)).toMatch(/#### Rollout ❌/);

    // A merge group in a repository that does not use the gate (no environments) gets no check.
    const plain = github.addRepository({ owner: "acme", repo: "plain", installationId: 11, files: {} });
    const group = {
      action: "checks_requested",
      merge_group: { head_sha: "9".repeat(40), head_ref: `refs/heads/gh-readonly-queue/main/pr-5-${"8".repeat(40)}`, base_sha: "7".repeat(40), base_ref: "refs/heads/main" },
      repository: { name: "plain", full_name: "acme/plain", owner: { login: "acme" } },
      installation: { id: 11, node_id: "x" },
    };
    expect((await app!.deliver({ name: "merge_group", payload: group })).status).toBe(202);
    await waitForQueueIdle(app!.bot.store);
    expect(plain.checkRuns).toEqual([]);
    expect(github.requests.filter((r) => r.path.startsWith("/repos/acme/plain/")).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /repos/acme/plain/contents/.github%2Fcanary-bot.yml 404",
    ]);
  });
});
