/**
 * canary-bot as deployed — durable queue (PGlite), job runner, HTTP server — driven over HTTP like
 * GitHub drives it, against the GitHub-like server on loopback (issue 10): out-of-order heads,
 * redeliveries, a GitHub that keeps failing, pull requests past GitHub's 3,000-file list, oversize
 * Canary files, another App's look-alike comment, unusable payloads.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REVIEW_MARKER } from "../../src/report/comment.js";
import { getQueueStats, openStore, type Store } from "../../src/store/index.js";
import { startGitHubServer, type FakeRepository, type Files, type GitHubServer } from "../support/github-server.js";
import { pullRequestDelivery, startTestApp, until, waitForQueueIdle, type TestApp } from "../support/github-app.js";
import { BASE, HEAD } from "./helpers.js";
import { generateRepository } from "../../bench/repository.js";
import { bundleCanaryBot } from "../support/bundle.js";

const ours = <C extends { appId: number | null }>(github: GitHubServer, comments: C[]) => comments.filter((c) => c.appId === github.appId);
const variant = (files: Files, n: string): Files => ({ ...files, "apps/podinfo/canary.yaml": `${files["apps/podinfo/canary.yaml"]}\n# revision ${n}\n` });

describe("the App on its queue, against a GitHub-like server", () => {
  let github: GitHubServer;
  let app: TestApp;
  let repository: FakeRepository;
  let store: Store;
  // One PGlite for the file (it takes seconds to start on a busy machine); each test empties it.
  beforeAll(async () => {
    github = await startGitHubServer();
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await github.close();
    await store.close();
  });
  beforeEach(async () => {
    github.fault = undefined;
    github.latencyMs = 0;
    github.requests.length = 0;
    repository = github.addRepository({ owner: "acme", repo: `gitops-${Math.random().toString(36).slice(2, 8)}`, installationId: 11, files: BASE });
    await store.query("TRUNCATE jobs, deliveries RESTART IDENTITY");
    app = await startTestApp({ github, store });
  });
  afterEach(async () => {
    await app.stop();
    expect(github.openApiProblems()).toEqual([]);
  });

  it("reviews the newest head whatever the order of the deliveries (v1, v3, v2 and every other order)", async () => {
    const orders = [
      [1, 3, 2],
      [1, 2, 3],
      [2, 1, 3],
      [2, 3, 1],
      [3, 1, 2],
      [3, 2, 1],
    ];
    github.latencyMs = 5;
    const pulls = orders.map((_, i) => github.openPull(repository, { number: 100 + i, base: BASE, head: variant(HEAD, "1") }));
    await Promise.all(
      orders.map(async (order, i) => {
        const pull = pulls[i]!;
        const heads: Record<number, string> = { 1: pull.headSha };
        // v1 is delivered and starts; then v2 and v3 are pushed, and their deliveries race.
        await app.deliver(pullRequestDelivery(repository, pull, { headSha: heads[1] }));
        heads[2] = github.push(repository, pull, variant(HEAD, `2-${i}`), `v2-${i}`);
        heads[3] = github.push(repository, pull, variant(HEAD, `3-${i}`), `v3-${i}`);
        for (const v of order.filter((n) => n !== 1)) await app.deliver(pullRequestDelivery(repository, pull, { headSha: heads[v] }));
      }),
    );
    await waitForQueueIdle(app.bot.store);

    for (const pull of pulls) {
      const comments = ours(github, pull.comments);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain(`/blob/${pull.headSha}/`);
      expect(repository.checkRuns.filter((r) => r.head_sha === pull.headSha)).toHaveLength(1);
    }
  });

  it("answers a delivery in milliseconds, before the review, and takes a redelivery (same id) once", async () => {
    const pull = github.openPull(repository, { number: 1, base: BASE, head: HEAD });
    const event = pullRequestDelivery(repository, pull);
    const first = await app.deliver(event, "delivery-1");
    const again = await app.deliver(event, "delivery-1");
    expect([first.status, await first.json()]).toEqual([202, { status: "queued", jobs: 1 }]);
    expect([again.status, ((await again.json()) as { status: string }).status]).toEqual([200, "duplicate"]);
    await waitForQueueIdle(app.bot.store);
    expect(ours(github, pull.comments)).toHaveLength(1);
    expect(github.requests.filter((r) => r.path === `/repos/acme/${repository.repo}/pulls/1`)).toHaveLength(1);
  });

  it("shows a GitHub that keeps answering 500 on the check run, with its answer and the next attempt, and marks the comment outdated", async () => {
    const pull = github.openPull(repository, { number: 2, base: BASE, head: HEAD });
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(app.bot.store);
    const v2 = github.push(repository, pull, variant(HEAD, "2"));
    github.fault = ({ method, path }) => (method === "GET" && path.includes("/compare/") ? { status: 500, body: { message: "Server Error" } } : undefined);
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(app.bot.store);

    const runs = repository.checkRuns.filter((r) => r.head_sha === v2);
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.slice(0, -1).every((r) => r.conclusion === "neutral" && /will try again at \d{4}-/.test(r.output.summary))).toBe(true);
    const last = runs.at(-1)!;
    expect(last.conclusion).toBe("failure");
    expect(last.output.title).toBe("Review failed");
    expect(last.output.summary).toContain(`GitHub answered 500 for acme/${repository.repo}@${pull.baseSha}...${v2}`);
    expect(last.output.summary).toContain("gave up after 8 attempts");
    const comment = ours(github, pull.comments)[0]!;
    expect(comment.body.startsWith(REVIEW_MARKER)).toBe(true);
    expect(comment.body).toContain(`**Outdated:** canary-bot could not review the current head \`${v2.slice(0, 12)}\``);
    expect((await getQueueStats(app.bot.store)).failed).toEqual({ review: 1 });

    // GitHub recovers; the next push is reviewed and the banner goes.
    github.fault = undefined;
    const v3 = github.push(repository, pull, variant(HEAD, "3"));
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(app.bot.store);
    expect(ours(github, pull.comments)[0]!.body).not.toContain("Outdated");
    expect(ours(github, pull.comments)[0]!.body).toContain(`/blob/${v3}/`);
  });

  it("does not hold a review for a rate limit an hour away: the job comes back within minutes, and the check says when", async () => {
    const pull = github.openPull(repository, { number: 9, base: BASE, head: HEAD });
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    github.fault = ({ path }) =>
      path.includes("/compare/") ? { status: 403, body: { message: "API rate limit exceeded for installation ID 11." }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, "x-ratelimit-resource": "core" } } : undefined;
    await app.deliver(pullRequestDelivery(repository, pull));
    await until(() => repository.checkRuns.some((r) => r.head_sha === pull.headSha), 30_000, "a check run");
    const run = repository.checkRuns.find((r) => r.head_sha === pull.headSha)!;
    expect([run.conclusion, run.output.title]).toEqual(["neutral", "Review not finished: GitHub did not answer; retrying"]);
    expect(run.output.summary).toContain("GitHub's rate limit was reached");
    const next = Date.parse(/will try again at (\S+) \(attempt 2\)/.exec(run.output.summary)![1]!);
    // The back-off's cap (5 minutes), not the reset an hour away.
    expect(next - Date.now()).toBeLessThan(6 * 60_000);
    expect(next - Date.now()).toBeGreaterThan(3 * 60_000);
    // The check is written before the attempt ends; then the job goes back to the queue.
    await until(async () => (await store.query<{ state: string }>("SELECT state FROM jobs"))[0]?.state === "queued", 30_000, "the job queued again");
    const [job] = await store.query<{ state: string; due_in_s: number }>("SELECT state, EXTRACT(EPOCH FROM run_at - now())::float AS due_in_s FROM jobs");
    expect(job!.due_in_s).toBeLessThan(6 * 60);
  });

  it("reviews a pull request of 3,500 changed files whose Canary comes last, from the git trees", async () => {
    const prefix = (files: Files) => Object.fromEntries(Object.entries(files).map(([p, c]) => [`zz/${p}`, c]));
    const docs = Object.fromEntries(Array.from({ length: 3_499 }, (_, i) => [`docs/page-${String(i).padStart(4, "0")}.md`, `page ${i}\n`]));
    const pull = github.openPull(repository, { number: 3, base: prefix(BASE), head: { ...docs, ...prefix(HEAD) } });
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(app.bot.store);

    const run = repository.checkRuns.find((r) => r.head_sha === pull.headSha)!;
    expect(run.output.title).not.toMatch(/No Canary/);
    expect(ours(github, pull.comments)).toHaveLength(1);
    expect(ours(github, pull.comments)[0]!.body).toContain("zz/apps/podinfo/canary.yaml");
    // 30 pages of 100 files, then both trees.
    expect(github.requests.filter((r) => r.path.includes("/pulls/3/files"))).toHaveLength(30);
    expect(github.requests.filter((r) => r.path.includes("/git/trees/"))).toHaveLength(2);
  });

  it("reports a Canary file over the size limit as a finding on that file, never as no Canary changes", async () => {
    const big = `${HEAD["apps/podinfo/canary.yaml"]}\n${"# padding\n".repeat(120_000)}`;
    const pull = github.openPull(repository, { number: 4, base: BASE, head: { ...BASE, "apps/big/canary.yaml": big } });
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(app.bot.store);
    const run = repository.checkRuns.find((r) => r.head_sha === pull.headSha)!;
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("1 changed manifest could not be read");
    expect(run.output.summary).toContain("apps/big/canary.yaml");
    expect(run.output.annotations_count).toBe(1);
  });

  it("takes as its own only a comment this App wrote, not another App's comment carrying the marker", async () => {
    const pull = github.openPull(repository, { number: 5, base: BASE, head: HEAD });
    pull.comments.push({ id: 1, body: `${REVIEW_MARKER}\nnot canary-bot`, appId: 999, login: "impostor[bot]", createdAt: new Date().toISOString() });
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(app.bot.store);
    expect(pull.comments.map((c) => [c.appId, c.body.includes("not canary-bot")])).toEqual([
      [999, true],
      [github.appId, false],
    ]);
  });

  it("answers 400, with the reason, a signed payload without an installation or a pull request; queues nothing", async () => {
    const pull = github.openPull(repository, { number: 6, base: BASE, head: HEAD });
    const noInstallation = pullRequestDelivery(repository, pull);
    delete noInstallation.payload.installation;
    const noPull = pullRequestDelivery(repository, pull);
    delete noPull.payload.pull_request;
    delete noPull.payload.number;
    for (const event of [noInstallation, noPull]) {
      const response = await app.deliver(event);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(/names no (installation|pull request)/);
    }
    expect(await getQueueStats(app.bot.store)).toMatchObject({ queued: {}, running: {} });
    expect(github.requests).toEqual([]);
    expect(await (await fetch(`${app.url}/metrics`)).text()).toContain('canary_bot_webhook_rejected_total{reason="unusable_payload"} 2');
  });

  it("serves the queue's figures on /metrics", async () => {
    const pull = github.openPull(repository, { number: 8, base: BASE, head: HEAD });
    await app.deliver(pullRequestDelivery(repository, pull));
    await waitForQueueIdle(app.bot.store);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toContain("canary_bot_queue_oldest_job_age_seconds 0");
    expect(text).toContain('canary_bot_jobs_total{kind="review",outcome="done"} 1');
    expect(text).toContain("canary_bot_process_running_jobs 0");
    expect(text).toContain("canary_bot_review_worker_utilization 0");
    await until(async () => (await getQueueStats(app.bot.store)).retrying === 0);
  });
  it("keeps /healthz answering while a 300-Canary review runs in a worker thread (the 1,000-Canary figure is in npm run bench)", async () => {
    // This test's own App, with one review thread; the main-thread one stops first.
    await app.stop();
    const { worker } = await bundleCanaryBot();
    const pooled = await startTestApp({ github, store, reviewThreads: 1, reviewWorkerFile: worker });
    try {
      const base = generateRepository(300);
      const head = Object.fromEntries(Object.entries(base).map(([path, text]) => [path, path.endsWith("canary.yaml") ? text.replace("threshold: 5", "threshold: 4") : text]));
      const big = github.addRepository({ owner: "acme", repo: "big", installationId: 12, files: base });
      const pull = github.openPull(big, { number: 1, base, head });
      await pooled.deliver(pullRequestDelivery(big, pull));
      await until(async () => Object.keys((await getQueueStats(store)).running).length > 0, 30_000, "the review running");
      let answeredWhileReviewing = 0;
      while (big.checkRuns.length === 0) {
        const response = await fetch(`${pooled.url}/healthz`);
        if (response.status === 200 && big.checkRuns.length === 0) answeredWhileReviewing += 1;
      }
      await waitForQueueIdle(store, 120_000);
      expect(answeredWhileReviewing).toBeGreaterThan(5);
      expect(big.checkRuns[0]!.output.title).not.toMatch(/No Canary/);
      const utilization = Number(/^canary_bot_review_worker_utilization (\S+)$/m.exec(await (await fetch(`${pooled.url}/metrics`)).text())![1]);
      expect(utilization).toBeGreaterThan(0);
    } finally {
      await pooled.stop();
    }
  }, 180_000);
});
