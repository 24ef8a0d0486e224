/**
 * The App as deployed (src/main.ts) for the benches, against a GitHub-like server: Probot with the
 * App's Octokit (retries off; the throttle as asked), its metrics, a silent log, port 0 on loopback.
 */
import { generateKeyPairSync } from "node:crypto";
import { availableParallelism } from "node:os";
import { Probot } from "probot";
import { createInstrumentedFetch, createMetrics, type Metrics } from "../src/github/metrics.js";
import { createCanaryBotOctokit } from "../src/github/octokit.js";
import type { Log } from "../src/github/port.js";
import { startCanaryBot, type CanaryBotConfig, type RunningCanaryBot } from "../src/main.js";
import type { Store } from "../src/store/index.js";

export const BENCH_WEBHOOK_SECRET = "bench-secret";
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
let privateKey: string | undefined;

export async function startBenchApp(params: {
  github: { appId: number; baseUrl: string };
  store: Store;
  throttle: boolean;
  /** Review worker threads (default: one per core). */
  threads?: number;
  jobConcurrency?: number;
  queue?: CanaryBotConfig["queue"];
  gates?: CanaryBotConfig["gates"];
}): Promise<{ app: RunningCanaryBot; metrics: Metrics; threads: number }> {
  const metrics = createMetrics({ defaultMetrics: false });
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  const probot = new Probot({
    appId: params.github.appId,
    privateKey,
    secret: BENCH_WEBHOOK_SECRET,
    baseUrl: params.github.baseUrl,
    Octokit: createCanaryBotOctokit({ throttle: params.throttle, retries: 0 }),
    logLevel: "fatal",
    request: { fetch: createInstrumentedFetch(metrics) },
  });
  const threads = params.threads ?? availableParallelism();
  const app = await startCanaryBot({
    probot,
    metrics,
    log: silentLog,
    config: {
      port: 0,
      host: "127.0.0.1",
      webhookPath: "/api/github/webhooks",
      webhookSecret: BENCH_WEBHOOK_SECRET,
      store: params.store,
      reviewThreads: threads,
      jobConcurrency: params.jobConcurrency ?? 4 * Math.max(1, threads),
      identity: { appId: params.github.appId },
      ...(params.queue ? { queue: params.queue } : {}),
      ...(params.gates ? { gates: params.gates } : {}),
    },
  });
  return { app, metrics, threads };
}
