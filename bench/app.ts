/**
 * The App as deployed (src/main.ts: store queue, job runner, review worker threads, HTTP server)
 * against the GitHub-like server on loopback (test/support/github-server.ts), for issue 10's figures:
 *
 * - webhook acknowledgement: p50/p99 of signed deliveries answered while reviews run;
 * - /healthz p99 while a 1,000-Canary review runs (target ≤ 50 ms), and the review's wall time;
 * - reviews per minute with 1 and 4 installations against a GitHub that answers every request in
 *   100 ms (no rate limit), with Probot's throttle on as in production;
 * - peak memory of the process (max RSS).
 *
 * The store is PGlite in memory, or PostgreSQL when DATABASE_URL is set.
 */
import { startGitHubThread } from "./github-thread-client.js";
import { createHmac } from "node:crypto";
import { availableParallelism } from "node:os";
import type { RunningCanaryBot } from "../src/main.js";
import { getQueueStats, openStore, type Store } from "../src/store/index.js";
import { startGitHubServer, type FakePull, type FakeRepository, type Files, type GitHubServer } from "../test/support/github-server.js";
import type { BenchSection } from "./measure.js";
import { BENCH_WEBHOOK_SECRET, startBenchApp } from "./start-app.js";
import { generateRepository } from "./repository.js";

const SECRET = BENCH_WEBHOOK_SECRET;

const startApp = async (params: { github: Pick<GitHubServer, "appId" | "baseUrl">; store: Store; throttle: boolean; threads?: number }): Promise<RunningCanaryBot> =>
  (await startBenchApp({ ...params, queue: { pollMs: 50 } })).app;

function delivery(repository: Pick<FakeRepository, "owner" | "repo" | "installationId" | "defaultBranch">, pull: Pick<FakePull, "number" | "headSha" | "baseSha">): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    action: "synchronize",
    number: pull.number,
    pull_request: { number: pull.number, head: { sha: pull.headSha }, base: { sha: pull.baseSha } },
    repository: { name: repository.repo, full_name: `${repository.owner}/${repository.repo}`, owner: { login: repository.owner }, default_branch: repository.defaultBranch, html_url: `https://github.com/${repository.owner}/${repository.repo}` },
    installation: { id: repository.installationId },
  });
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
  };
}

/**
 * fetch, once more when a kept-alive connection was closed under it (the server's keep-alive timer
 * fires late after a blocked event loop: the baseline's main-thread review provokes it).
 */
async function fetchAgain(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

async function post(url: string, d: { body: string; headers: Record<string, string> }): Promise<number> {
  const start = process.hrtime.bigint();
  const response = await fetchAgain(`${url}/api/github/webhooks`, { method: "POST", headers: d.headers, body: d.body });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`delivery answered ${response.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function waitIdle(store: Store): Promise<void> {
  for (;;) {
    const stats = await getQueueStats(store);
    if (Object.keys(stats.queued).length === 0 && Object.keys(stats.running).length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const changeCanaries = (files: Files, from: string, to: string): Files =>
  Object.fromEntries(Object.entries(files).map(([path, text]) => [path, path.endsWith("canary.yaml") ? text.replace(from, to) : text]));

export const benchApp: BenchSection = async (print) => {
  const github = await startGitHubServer({ checkOpenApi: false });
  const store = await openStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: "memory://" });
  print(`store: ${store.kind}; review threads: ${availableParallelism()}; GitHub-like server on loopback`);

  // 1. /healthz while a 1,000-Canary review runs; webhook acks while it runs. Baseline: the same
  // review on the main thread. The GitHub-like server runs in a thread of its own here, as a
  // remote GitHub would not share the App's event loop.
  const thread = await startGitHubThread();
  const ask = thread.ask;
  for (const threads of [0, availableParallelism()]) {
    const setup = await ask<{ baseUrl: string; appId: number }>({ type: "setup", canaries: 1_000, tag: String(threads) });
    const app = await startApp({ github: setup, store, throttle: false, threads });
    const url = `http://127.0.0.1:${app.address.port}`;
    const { health, acks, seconds } = await ask<{ health: number[]; acks: number[]; seconds: number }>({ type: "probe", url, secret: SECRET });
    await waitIdle(store);
    const where = threads === 0 ? "on the main thread (baseline)" : `in ${threads} worker threads`;
    print(`1,000-Canary review ${where}: ${seconds.toFixed(1)} s wall; /healthz during it: ${health.length} probes, p50 ${percentile(health, 50).toFixed(1)} ms, p99 ${percentile(health, 99).toFixed(1)} ms, max ${Math.max(...health).toFixed(0)} ms (target p99 <= 50 ms)`);
    print(`  webhook acknowledgement meanwhile (verify, record, answer): p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${percentile(acks, 99).toFixed(1)} ms over ${acks.length} deliveries`);
    await app.stop();
  }
  await ask({ type: "close" });
  await thread.terminate();

  // 2. Reviews per minute, 1 vs 4 installations, GitHub answering in 100 ms, throttle on.
  const files = generateRepository(5);
  for (const installations of [1, 4]) {
    const app = await startApp({ github, store, throttle: true });
    const url = `http://127.0.0.1:${app.address.port}`;
    github.latencyMs = 100;
    const pulls: Array<[FakeRepository, FakePull]> = [];
    const perInstallation = 16 / installations;
    for (let i = 0; i < installations; i += 1) {
      const repository = github.addRepository({ owner: `tput-${installations}-${i}`, repo: "gitops", installationId: 100 + installations * 10 + i, files });
      for (let p = 0; p < perInstallation; p += 1) pulls.push([repository, github.openPull(repository, { number: p + 1, base: files, head: changeCanaries(files, "threshold: 5", `threshold: ${p + 1}`) })]);
    }
    const started = Date.now();
    const acks = await Promise.all(pulls.map(([repository, pull]) => post(url, delivery(repository, pull))));
    await waitIdle(store);
    const minutes = (Date.now() - started) / 60_000;
    print(`${installations} installation${installations === 1 ? "" : "s"}, ${pulls.length} pull requests, GitHub answering in 100 ms, Probot's throttle on: ${(pulls.length / minutes).toFixed(1)} reviews/minute (${(minutes * 60).toFixed(1)} s); ack p99 ${percentile(acks, 99).toFixed(1)} ms`);
    github.latencyMs = 0;
    await app.stop();
  }

  print(`peak memory (max RSS of the bench process, all sections so far): ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  const problems = github.openApiProblems();
  if (problems.length > 0) print(`requests GitHub's OpenAPI description refuses: ${problems.slice(0, 5).join("; ")}`);
  await store.close();
  await github.close();
};
