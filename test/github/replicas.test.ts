/**
 * `canary-bot serve` as real processes on one real PostgreSQL (issue 10): two replicas share the
 * queue and each pull request ends with one comment and one check run for its newest head; a
 * SIGTERM during a review releases it within the grace period, and the next process finishes it.
 * Skipped, saying so, without TEST_DATABASE_URL (.ci/run always sets it).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { getQueueStats } from "../../src/store/index.js";
import { pullRequestDelivery, until, waitForQueueIdle } from "../support/github-app.js";
import type { FakePull, FakeRepository, Files } from "../support/github-server.js";
import { useProcessesOnOnePostgres } from "../support/processes.js";
import { TEST_DATABASE_URL } from "../support/store.js";
import { BASE, HEAD } from "./helpers.js";

if (!TEST_DATABASE_URL) process.stderr.write("TEST_DATABASE_URL is not set: the two-replica and restart tests are SKIPPED (.ci/run sets it)\n");

const variant = (files: Files, n: string): Files => ({ ...files, "apps/podinfo/canary.yaml": `${files["apps/podinfo/canary.yaml"]}\n# revision ${n}\n` });

describe.skipIf(!TEST_DATABASE_URL)("canary-bot processes on one PostgreSQL", () => {
  const shared = useProcessesOnOnePostgres({ stop: "after-each", afterStop: ({ github }) => expect(github.openApiProblems()).toEqual([]) });

  it("two replicas, 200 events over 50 pull requests and 2 installations: one comment and one check run per pull request, for its newest head", async () => {
    const { github, store } = shared;
    const [a, b] = await shared.start(2);
    const repositories = [21, 22].map((installationId) => github.addRepository({ owner: `org-${installationId}`, repo: "gitops", installationId, files: BASE }));
    const pulls: Array<{ repository: FakeRepository; pull: FakePull }> = [];
    for (let i = 0; i < 50; i += 1) {
      const repository = repositories[i % 2]!;
      pulls.push({ repository, pull: github.openPull(repository, { number: i + 1, base: BASE, head: variant(HEAD, `${i}-0`) }) });
    }
    // Four pushes per pull request; each delivery goes to either replica, in a shuffled order.
    const deliveries: Array<() => Promise<Response>> = [];
    for (let push = 0; push < 4; push += 1) {
      for (const [i, { repository, pull }] of pulls.entries()) {
        deliveries.push(async () => {
          if (push > 0) github.push(repository, pull, variant(HEAD, `${i}-${push}`), `${i}-${push}`);
          return [a!, b!][(i + push) % 2]!.deliver(pullRequestDelivery(repository, pull));
        });
      }
    }
    let answered = 0;
    for (let start = 0; start < deliveries.length; start += 20) {
      const batch = deliveries.slice(start, start + 20).sort(() => Math.random() - 0.5);
      const statuses = await Promise.all(batch.map(async (deliver) => (await deliver()).status));
      answered += statuses.filter((s) => s === 202).length;
    }
    expect(answered).toBe(200);
    await waitForQueueIdle(store, 120_000);

    expect((await getQueueStats(store)).failed).toEqual({});
    for (const { repository, pull } of pulls) {
      const comments = pull.comments.filter((c) => c.appId === github.appId);
      expect(comments, `comments of ${repository.owner}#${pull.number}`).toHaveLength(1);
      expect(comments[0]!.body).toContain(`/blob/${pull.headSha}/`);
      expect(repository.checkRuns.filter((r) => r.head_sha === pull.headSha), `check runs of ${repository.owner}#${pull.number}`).toHaveLength(1);
    }
    // Both replicas did some of the work.
    const reviewers = new Set([a!, b!].filter((p) => p.logs.some((l) => l.msg === "reviewed pull request")));
    expect(reviewers.size).toBe(2);
  }, 180_000);

  it("forged deliveries cost little: twenty 24 MB bodies with a bad signature, twenty without one", async () => {
    const { github, store } = shared;
    const bot = await shared.startOne();
    const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${bot.child.pid}/status`, "utf8"))![1]) * 1024;
    await fetch(`${bot.url}/healthz`);
    const before = { rss: peakRss(), log: bot.logBytes() };
    const body = Buffer.alloc(24 * 1024 * 1024, "x");
    const post = (headers: Record<string, string>) =>
      fetch(`${bot.url}/api/github/webhooks`, { method: "POST", headers: { "x-github-event": "pull_request", "x-github-delivery": crypto.randomUUID(), ...headers }, body }).then(
        async (r) => r.status,
        () => 0,
      );
    const forged = await Promise.all(Array.from({ length: 20 }, () => post({ "x-hub-signature-256": `sha256=${"0".repeat(64)}` })));
    const unsigned = await Promise.all(Array.from({ length: 20 }, () => post({})));
    // Read one at a time (401) or refused while another is read (503, after which the server may
    // close the connection under the client's upload: 0); never accepted, never a crash.
    expect(forged.filter((s) => s !== 401 && s !== 503 && s !== 0)).toEqual([]);
    expect(forged).toContain(401);
    // Refused before the body is read: the client may see the answer or a closed connection.
    expect(unsigned.every((s) => s === 400 || s === 0)).toBe(true);
    const after = { rss: peakRss(), log: bot.logBytes() };
    expect(after.rss - before.rss).toBeLessThan(100 * 1024 * 1024);
    expect(after.log - before.log).toBeLessThan(20 * 1024);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect(await getQueueStats(store)).toMatchObject({ queued: {}, running: {} });
  }, 120_000);

  it("SIGTERM during a review: the process releases the job within the grace period and exits; the next process finishes the review", async () => {
    const { github, store } = shared;
    const repository = github.addRepository({ owner: "org-restart", repo: "gitops", installationId: 23, files: BASE });
    const pull = github.openPull(repository, { number: 1, base: BASE, head: HEAD });
    const first = await shared.startOne({ SHUTDOWN_GRACE_SECONDS: "1" });
    // GitHub is slow: the review is still reading when SIGTERM comes.
    github.latencyMs = 1_500;
    expect((await first.deliver(pullRequestDelivery(repository, pull))).status).toBe(202);
    await until(async () => Object.keys((await getQueueStats(store)).running).length > 0, 30_000, "a running job");
    const code = await first.terminate();
    expect(code).toBe(0);
    expect(first.logs.map((l) => l.msg)).toContain("stopped");
    const stats = await getQueueStats(store);
    expect([stats.queued, stats.running]).toEqual([{ review: 1 }, {}]);
    expect(pull.comments).toHaveLength(0);

    github.latencyMs = 0;
    await shared.startOne();
    await waitForQueueIdle(store, 60_000);
    expect(pull.comments.filter((c) => c.appId === github.appId)).toHaveLength(1);
    expect(repository.checkRuns.filter((r) => r.head_sha === pull.headSha)).toHaveLength(1);
  }, 120_000);
});
