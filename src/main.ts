/**
 * Wires canary-bot in one place (DESIGN.md): the store and its job queue, the review worker
 * threads, the GitHub App's job handlers, and the HTTP server. `canary-bot serve` reads the
 * environment and calls startCanaryBot; tests and the benchmark call it with their own parts.
 *
 * Shutdown (SIGTERM): the server stops accepting, the runner stops taking jobs, running jobs get
 * the grace period (HTTP_LIMITS.shutdownGraceMs, 20 s; Kubernetes kills at 30 s) and are then
 * released to the queue, where another replica — or this one after its restart — runs them.
 */
import type { Probot } from "probot";
import { createFlaggerGatesHandler, GATE_WRITE_BEHIND, type GatesRouteLog } from "./cluster/gates-route.js";
import { createRememberingGateInputs } from "./cluster/gate-inputs.js";
import { createCommandJobHandler } from "./github/commands-job.js";
import { createCommentJobHandler, queueCommentRedrawsForGateCalls } from "./github/comment-job.js";
import { createOctokitCommandsPort } from "./github/commands-port.js";
import type { PromotionStore } from "./cluster/ports.js";
import { startMergeGate, type MergeGate } from "./github/merge-gate-wiring.js";
import { createStorePromotionStore } from "./store/promotion-store.js";
import { createOctokitPort, type AppIdentity } from "./github/octokit-port.js";
import { acceptDelivery, enqueuePlannedJobs } from "./github/ingest.js";
import type { Metrics } from "./github/metrics.js";
import type { Log } from "./github/port.js";
import { createReviewJobHandler } from "./github/review-job.js";
import { createReviewPool, type ReviewPool } from "./github/review-pool.js";
import { createStoredCommentPort } from "./github/stored-sections.js";
import { runReviewInProcess } from "./github/review-task.js";
import { HTTP_LIMITS, STORE_LIMITS } from "./limits.js";
import { createCanaryBotServer, type CanaryBotServer } from "./server.js";
import { pruneDeliveries } from "./store/deliveries.js";
import { getQueueStats } from "./store/queue.js";
import { createJobRunner, type JobRunner } from "./store/runner.js";
import { openStore, type Store, type StoreOptions } from "./store/store.js";

export interface CanaryBotConfig {
  port: number;
  host: string;
  webhookPath: string;
  /** How to open the store, or a store already open (kept open on stop: its opener closes it). */
  store: StoreOptions | Store;
  /** Review worker threads (0: review on the main thread). Default: the cores. */
  reviewThreads?: number;
  /** The compiled review worker (tests pass a bundle). */
  reviewWorkerFile?: string;
  /** The App's webhook secret (WEBHOOK_SECRET). */
  webhookSecret: string;
  /** Jobs run at once by this process; most of a job's time is waiting for GitHub. */
  jobConcurrency: number;
  identity?: AppIdentity;
  shutdownGraceMs?: number;
  /** Queue timings (tests shorten them). */
  queue?: { pollMs?: number; leaseMs?: number; retry?: { baseMs: number; capMs: number } };
  // --- issue 13: Flagger gates and slash commands ---
  /**
   * Overrides the clusters and promotion records the gate route reads (default: the merge gate's,
   * from CLUSTERS_FILE and the store). With promotion records of its own the route reads every call.
   */
  gates?: { clusters: ReadonlyArray<{ name: string; eventToken: string }>; promotions?: Pick<PromotionStore, "getPromotionRecord"> };
  // --- end issue 13 ---
  // --- merge gate (issue 12) ---
  /** CLUSTERS_FILE: the clusters whose Flagger events (and Kubernetes API, with a kubeconfig) feed the gate. */
  clustersFile?: string;
  /** The gate's clock (tests fix it). */
  now?: () => number;
}

export interface RunningCanaryBot {
  address: { port: number; host: string };
  store: Store;
  runner: JobRunner;
  server: CanaryBotServer;
  pool: ReviewPool | undefined;
  gate: MergeGate;
  stop(): Promise<void>;
}

export async function startCanaryBot(params: { probot: Probot; metrics: Metrics; log: Log; config: CanaryBotConfig }): Promise<RunningCanaryBot> {
  const { probot, metrics, log, config } = params;
  await probot.ready();
  const given = "query" in config.store ? config.store : undefined;
  const store = given ?? (await openStore(config.store as StoreOptions));
  const pool = config.reviewThreads === 0 ? undefined : createReviewPool({ ...(config.reviewThreads ? { threads: config.reviewThreads } : {}), ...(config.reviewWorkerFile ? { filename: config.reviewWorkerFile } : {}) });
  let runner: JobRunner | undefined;
  const review = createReviewJobHandler({
    getPort: async ({ installationId, repository }) => createOctokitPort({ octokit: await probot.auth(installationId), repository, ...(config.identity ? { identity: config.identity } : {}) }),
    execute: pool ? pool.run : runReviewInProcess,
    enqueue: async (jobs) => {
      await enqueuePlannedJobs(store, jobs);
      runner?.wake();
    },
    log,
    onReviewed: ({ outcome, seconds }) => metrics.reviewDuration.observe({ outcome }, seconds),
    storedComment: (pull) => createStoredCommentPort(store, pull),
    // The merge gate (created below) judges what the review found; jobs run only after start-up.
    afterReview: (reviewed) => gate.afterReview(reviewed),
  });
  // The sticky comment redrawn from the store when the gate, a rollout or a command changed it.
  const comment = createCommentJobHandler({
    store,
    getPort: async ({ installationId, repository }) => createOctokitPort({ octokit: await probot.auth(installationId), repository, ...(config.identity ? { identity: config.identity } : {}) }),
    log,
  });
  // --- merge gate (issue 12): clusters, watchers, the gate-evaluate handler, the events route ---
  const gate = await startMergeGate({
    store,
    probot,
    log,
    wake: () => runner?.wake(),
    ...(config.clustersFile ? { clustersFile: config.clustersFile } : {}),
    ...(config.now ? { now: config.now } : {}),
    ...(config.identity ? { identity: config.identity } : {}),
  });
  const promotionRecords = createStorePromotionStore(store);
  // --- issue 13: slash commands ---
  const command = createCommandJobHandler({
    store,
    promotions: config.gates?.promotions ?? promotionRecords,
    getPorts: async ({ installationId, repository }) => {
      const octokit = await probot.auth(installationId);
      return { reader: createOctokitPort({ octokit, repository, ...(config.identity ? { identity: config.identity } : {}) }), commands: createOctokitCommandsPort({ octokit, repository }) };
    },
    enqueue: async (jobs) => {
      await enqueuePlannedJobs(store, jobs);
      runner?.wake();
    },
    log,
  });
  // --- end issue 13 ---
  runner = createJobRunner({
    store,
    handlers: { review, "gate-evaluate": gate.handler, command, comment },
    concurrency: config.jobConcurrency,
    ...(config.queue?.pollMs ? { pollMs: config.queue.pollMs } : {}),
    ...(config.queue?.leaseMs ? { leaseMs: config.queue.leaseMs } : {}),
    ...(config.queue?.retry ? { retry: config.queue.retry } : {}),
    events: {
      onFinished: ({ job, outcome }) => metrics.jobs.inc({ kind: job.kind, outcome }),
      onError: ({ job, error }) => log.error({ err: error, job: job?.id ?? null, kind: job?.kind ?? null }, "job runner error"),
    },
  });
  const jobRunner = runner;
  metrics.sources.queue = () => getQueueStats(store);
  metrics.sources.runningJobs = () => jobRunner.running;
  if (pool) metrics.sources.workerUtilization = () => pool.utilization();

  // --- issue 13: the gate route, deciding from remembered inputs where that is safe (gate-inputs.ts):
  // only with the store's own promotion records, whose writes notify ---
  const gateClusters = config.gates?.clusters ?? gate.clusters;
  const gateInputs =
    gateClusters.length > 0 && !config.gates?.promotions
      ? await createRememberingGateInputs({ store, promotions: promotionRecords, log })
      : undefined;
  const gates =
    gateClusters.length > 0
    ? createFlaggerGatesHandler({
        clusters: gateClusters,
        store,
        promotions: config.gates?.promotions ?? promotionRecords,
        now: Date.now,
        log: log as unknown as GatesRouteLog,
        ...(gateInputs ? { inputs: gateInputs } : {}),
        writeBehind: GATE_WRITE_BEHIND,
        // A gate whose answer changed (a run starts waiting, a gate opened) redraws the prompt.
        afterStore: (batch) => queueCommentRedrawsForGateCalls(store, batch, () => jobRunner.wake()),
        answered: ({ hook, status, source }) => metrics.gateCalls.inc({ hook, status, source }),
      })
    : undefined;
  // --- end issue 13 ---
  const server = createCanaryBotServer({
    webhooks: {
      secret: config.webhookSecret,
      accept: (delivery) => acceptDelivery({ store, delivery, metrics, log, wake: () => jobRunner.wake() }),
    },
    webhookPath: config.webhookPath,
    metrics,
    log,
    flaggerEvents: gate.flaggerEvents,
    ...(gates ? { flaggerGates: gates } : {}),
  });
  const address = await server.listen({ port: config.port, host: config.host });
  jobRunner.start();
  gate.startWatchers();
  const prune = setInterval(() => void pruneDeliveries(store, { maxAgeMs: STORE_LIMITS.deliveryRetentionMs }).catch(() => {}), 3600_000);
  prune.unref();
  log.info({ host: address.host, port: address.port, webhookPath: config.webhookPath, store: store.kind, reviewThreads: pool?.threads ?? 0, jobConcurrency: config.jobConcurrency }, "canary-bot is listening");

  let stopping: Promise<void> | undefined;
  return {
    address,
    store,
    runner: jobRunner,
    server,
    pool,
    gate,
    stop() {
      stopping ??= (async () => {
        clearInterval(prune);
        const graceMs = config.shutdownGraceMs ?? HTTP_LIMITS.shutdownGraceMs;
        // New deliveries are refused (health 503) while the jobs finish; both within the grace period.
        await Promise.all([server.close({ graceMs: Math.min(graceMs, 5_000) }), jobRunner.stop({ graceMs }), gate.stop()]);
        await pool?.close();
        await gates?.flush(); // issue 13: the gate calls answered last
        await gateInputs?.close();
        if (!given) await store.close();
      })();
      return stopping;
    },
  };
}
