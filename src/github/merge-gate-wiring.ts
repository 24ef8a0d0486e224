/**
 * The merge gate's process wiring (issue 12), called once from main.ts: the clusters of
 * CLUSTERS_FILE, the Flagger events route with the store-backed ingest, a Kubernetes watcher per
 * cluster with a kubeconfig, and the `gate-evaluate` job handler. Kept out of main.ts so that the
 * store's and the gate's wiring can change apart.
 */
import type { Probot } from "probot";
import { loadClustersFile, type ClusterConfig } from "../cluster/clusters-config.js";
import { createFlaggerEventsHandler, type EventsRouteLog, type NodeRequestHandler } from "../cluster/events-route.js";
import { createClusterWatcher, type CanaryWatcher } from "../cluster/watcher.js";
import type { PromotionObservation } from "../gate/promotion.js";
import type { JobHandler } from "../store/runner.js";
import type { Store } from "../store/store.js";
import { buildGateJobAfterReview, createGateIngest, enqueueGateJobs, type NotifiedIngestResult } from "./gate-jobs.js";
import { createOctokitGatePort } from "./gate-port.js";
import type { AppIdentity } from "./octokit-port.js";
import type { Log } from "./port.js";
import { createPromotionGateJobHandler, type PromotionGateDependencies } from "./promotion-gate.js";
import type { ReviewedForGate } from "./review-pull-request.js";

export interface MergeGate {
  clusters: ClusterConfig[];
  flaggerEvents: NodeRequestHandler;
  handler: JobHandler;
  /** After a review: queues the gate's judgement of what the review found (ReviewJobDependencies.afterReview). */
  afterReview(params: { installationId: number; owner: string; repo: string; number: number; gate: ReviewedForGate | null }): Promise<void>;
  startWatchers(): void;
  stop(): Promise<void>;
}

export async function startMergeGate(params: {
  store: Store;
  probot: Probot;
  log: Log;
  wake: () => void;
  clustersFile?: string;
  now?: () => number;
  identity?: AppIdentity;
  onWrite?: PromotionGateDependencies["onWrite"];
}): Promise<MergeGate> {
  const { store, probot, log, wake } = params;
  const now = params.now ?? Date.now;
  // A broken CLUSTERS_FILE refuses to start (ClustersConfigError lists every problem).
  const clusters = params.clustersFile ? await loadClustersFile(params.clustersFile) : [];
  const ingest = createGateIngest({ store, wake });
  const flaggerEvents = createFlaggerEventsRoute({ clusters, ingest, now, log });
  const watchers = clusters.flatMap((cluster): CanaryWatcher[] => {
    const watcher = createClusterWatcher({
      cluster,
      emit: async (status) => {
        await ingest({ kind: "status", status });
      },
      log,
    });
    return watcher ? [watcher] : [];
  });
  const handler = createPromotionGateJobHandler({
    store,
    ingest,
    getPort: async ({ installationId, repository }) => createOctokitGatePort({ octokit: await probot.auth(installationId), repository, ...(params.identity ? { identity: params.identity } : {}) }),
    now,
    log,
    wake,
    ...(params.onWrite ? { onWrite: params.onWrite } : {}),
  });
  log.info({ clusters: clusters.map((c) => c.name), watched: watchers.length }, "merge gate ready");
  return {
    clusters,
    flaggerEvents,
    handler,
    async afterReview(reviewed) {
      const job = buildGateJobAfterReview(reviewed);
      if (!job) return;
      await enqueueGateJobs(store, [job]);
      wake();
    },
    startWatchers() {
      for (const watcher of watchers) watcher.start();
    },
    async stop() {
      await Promise.all(watchers.map((w) => w.stop()));
    },
  };
}

/**
 * POST /flagger/events/<cluster> as the App mounts it: the events route over the App's ingestion
 * (createGateIngest). bench/gate.ts measures this very function, so the bench cannot drift from
 * what runs in production.
 */
export function createFlaggerEventsRoute(params: {
  clusters: ReadonlyArray<{ name: string; eventToken: string }>;
  ingest: (observation: PromotionObservation) => Promise<NotifiedIngestResult>;
  now: () => number;
  log: EventsRouteLog;
}): NodeRequestHandler {
  return createFlaggerEventsHandler({
    clusters: params.clusters,
    ingest: async (event) => {
      const result = await params.ingest({ kind: "event", event });
      return { changed: result.changed, newEvent: result.newEvent };
    },
    now: params.now,
    log: params.log,
  });
}
