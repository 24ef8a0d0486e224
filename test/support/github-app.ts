/**
 * canary-bot as it runs in production — the store's queue, the job runner, the review worker
 * threads, the HTTP server (src/main.ts) — in this process, against the GitHub-like server
 * (github-server.ts). Deliveries are signed and posted over HTTP like GitHub's.
 */
import { Probot } from "probot";
import { createInstrumentedFetch, createMetrics, type Metrics } from "../../src/github/metrics.js";
import { createCanaryBotOctokit } from "../../src/github/octokit.js";
import type { Log } from "../../src/github/port.js";
import { startCanaryBot, type CanaryBotConfig, type RunningCanaryBot } from "../../src/main.js";
import { getQueueStats, type Queryable } from "../../src/store/index.js";
import type { Store, StoreOptions } from "../../src/store/store.js";
import type { FakePull, FakeRepository, GitHubServer } from "./github-server.js";
import { createRecordingLogger, loadEvent, testPrivateKey, type LogRecord } from "./github.js";

export const WEBHOOK_SECRET = "test-webhook-secret";
export const WEBHOOK_PATH = "/api/github/webhooks";

export interface TestApp {
  bot: RunningCanaryBot;
  url: string;
  probot: Probot;
  metrics: Metrics;
  logs: LogRecord[];
  deliver(event: { name: string; payload: unknown }, id?: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestApp(params: {
  github: GitHubServer;
  store: StoreOptions | Store;
  reviewThreads?: number;
  reviewWorkerFile?: string;
  jobConcurrency?: number;
  shutdownGraceMs?: number;
  /** Probot's request throttling (off in tests, STYLE.md §9; the benchmark turns it on). */
  throttle?: boolean;
  /** More of the App's configuration (the merge gate's clusters file and clock). */
  config?: Partial<CanaryBotConfig>;
}): Promise<TestApp> {
  const logs: LogRecord[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const probot = new Probot({
    appId: params.github.appId,
    privateKey: testPrivateKey(),
    secret: WEBHOOK_SECRET,
    baseUrl: params.github.baseUrl,
    Octokit: createCanaryBotOctokit({ retries: 0, throttle: params.throttle ?? false }),
    log: createRecordingLogger(logs),
    request: { fetch: createInstrumentedFetch(metrics) },
  });
  const config: CanaryBotConfig = {
    port: 0,
    host: "127.0.0.1",
    webhookPath: WEBHOOK_PATH,
    webhookSecret: WEBHOOK_SECRET,
    store: params.store,
    reviewThreads: params.reviewThreads ?? 0,
    ...(params.reviewWorkerFile ? { reviewWorkerFile: params.reviewWorkerFile } : {}),
    jobConcurrency: params.jobConcurrency ?? 4,
    identity: { appId: params.github.appId },
    shutdownGraceMs: params.shutdownGraceMs ?? 5_000,
    // Quick polls and retries: the test waits for the queue to empty, not for the clock.
    queue: { pollMs: 25, leaseMs: 2_000, retry: { baseMs: 20, capMs: 200 } },
    ...params.config,
  };
  const bot = await startCanaryBot({ probot, metrics, log: probot.log as unknown as Log, config });
  const url = `http://127.0.0.1:${bot.address.port}`;
  return {
    bot,
    url,
    probot,
    metrics,
    logs,
    async deliver(event, id = crypto.randomUUID()) {
      const body = JSON.stringify(event.payload);
      return fetch(`${url}${WEBHOOK_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": event.name, "x-github-delivery": id, "x-hub-signature-256": await probot.webhooks.sign(body) },
        body,
      });
    },
    stop: () => bot.stop(),
  };
}

/** A pull_request delivery (the real synchronize payload) for a pull request of the GitHub-like server. */
export function pullRequestDelivery(repository: FakeRepository, pull: FakePull, params: { headSha?: string; action?: string } = {}): { name: string; payload: Record<string, unknown> } {
  const event = loadEvent("pull_request.synchronize");
  const payload = structuredClone(event.payload) as Record<string, any>;
  payload.action = params.action ?? "synchronize";
  payload.number = pull.number;
  payload.pull_request.number = pull.number;
  payload.pull_request.head.sha = params.headSha ?? pull.headSha;
  payload.pull_request.base.sha = pull.baseSha;
  payload.repository.name = repository.repo;
  payload.repository.full_name = `${repository.owner}/${repository.repo}`;
  payload.repository.owner.login = repository.owner;
  payload.repository.html_url = `https://github.com/${repository.owner}/${repository.repo}`;
  payload.repository.default_branch = repository.defaultBranch;
  payload.installation = { id: repository.installationId, node_id: "x" };
  return { name: "pull_request", payload };
}

/** Waits until no job waits or runs (jobs in back-off count as waiting); failed jobs stay. */
export async function waitForQueueIdle(store: Queryable, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const stats = await getQueueStats(store);
    const busy = Object.values(stats.queued).reduce((a, b) => a + b, 0) + Object.values(stats.running).reduce((a, b) => a + b, 0);
    if (busy === 0) return;
    if (Date.now() > end) throw new Error(`the queue did not empty in time: ${JSON.stringify(stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`${what} not met in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
