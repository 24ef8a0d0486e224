/**
 * The pull source (DESIGN.md "Cluster status"): lists and watches `canaries.flagger.app/v1beta1`
 * in all namespaces of one cluster through @kubernetes/client-node 1.x, reads the images of the
 * workloads a run concerns, and emits one CanaryStatusObservation per Canary version through a
 * port (the ingest use case).
 *
 * The protocol, as client-go's reflector runs it (Kubernetes API concepts, "Efficient detection of
 * changes"): list in pages, then watch from the list's resourceVersion with bookmarks; resume a
 * closed watch from the last resourceVersion seen (an event's or a bookmark's); on 410 Gone (an
 * HTTP answer or an ERROR event: that version was compacted away) list again; re-list every
 * `resyncMs` anyway; back off exponentially after failures. Canaries missing from a fresh list
 * were deleted while we did not watch, and are emitted as deleted.
 *
 * Images: a Succeeded run (lastPromotedSpec == lastAppliedSpec, §5.2) reads `<target>-primary`,
 * which now runs the promoted revision; an active or failed run reads the target itself, which
 * holds the revision under analysis. Each is read once per (kind, lastAppliedSpec), not on every
 * status write (Flagger writes the status every tick).
 */
import { AppsV1Api, CustomObjectsApi, KubeConfig, Watch } from "@kubernetes/client-node";
import { ACTIVE_PHASES } from "../gate/flagger-event.js";
import type { CanaryStatusObservation } from "../gate/promotion.js";
import { CLUSTER_LIMITS } from "../limits.js";
import { parseCanaryObject, readPodTemplateImages, type WatchedCanary } from "./canary-object.js";
import type { ClusterConfig } from "./clusters-config.js";

const GROUP = "flagger.app";
const VERSION = "v1beta1";
const PLURAL = "canaries";
const WATCH_PATH = `/apis/${GROUP}/${VERSION}/${PLURAL}`;

export interface WatcherClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface WatcherLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface WatcherOptions {
  backoffInitialMs: number;
  backoffMaxMs: number;
  resyncMs: number;
  watchTimeoutSeconds: number;
  pageSize: number;
}

export interface CanaryWatcherParams {
  cluster: string;
  kubeConfig: KubeConfig;
  /** The port: applies an observation (the App's createGateIngest). A throw re-lists after a back-off. */
  emit: (observation: CanaryStatusObservation) => Promise<void>;
  clock?: WatcherClock;
  log: WatcherLog;
  options?: Partial<WatcherOptions>;
}

export interface WatcherStatus {
  state: "idle" | "listing" | "watching" | "backing-off" | "stopped";
  resourceVersion: string | null;
  /** Consecutive failures; the next back-off is based on it. */
  failures: number;
  lists: number;
  lastListAt: number | null;
}

export interface CanaryWatcher {
  start(): void;
  /** Stops listing and watching; resolves when the loop has ended. */
  stop(): Promise<void>;
  readonly status: WatcherStatus;
}

/** Consecutive watches ending without any event before that counts as a failure. */
const EMPTY_WATCHES_BEFORE_BACKOFF = 3;

/** The API answered 410 Gone: the resourceVersion we hold is too old. */
class GoneError extends Error {}

export const SYSTEM_CLOCK: WatcherClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    }),
};

/** Exponential back-off: initial, 2×, 4× … capped. */
export function computeBackoffMs(failures: number, options: Pick<WatcherOptions, "backoffInitialMs" | "backoffMaxMs">): number {
  if (failures <= 0) return 0;
  return Math.min(options.backoffMaxMs, options.backoffInitialMs * 2 ** Math.min(failures - 1, 30));
}

export function createCanaryWatcher(params: CanaryWatcherParams): CanaryWatcher {
  const clock = params.clock ?? SYSTEM_CLOCK;
  const options: WatcherOptions = {
    backoffInitialMs: CLUSTER_LIMITS.watchBackoffInitialMs,
    backoffMaxMs: CLUSTER_LIMITS.watchBackoffMaxMs,
    resyncMs: CLUSTER_LIMITS.resyncMs,
    watchTimeoutSeconds: CLUSTER_LIMITS.watchTimeoutSeconds,
    pageSize: CLUSTER_LIMITS.listPageSize,
    ...params.options,
  };
  const customObjects = params.kubeConfig.makeApiClient(CustomObjectsApi);
  const apps = params.kubeConfig.makeApiClient(AppsV1Api);
  const watch = new Watch(params.kubeConfig);
  const stopping = new AbortController();
  const status: WatcherStatus = { state: "idle", resourceVersion: null, failures: 0, lists: 0, lastListAt: null };
  /** The last version of each Canary we emitted, and the images read for it. */
  const known = new Map<string, { canary: WatchedCanary; imagesKey: string | null; images: string[] | null }>();
  let abortWatch: (() => void) | null = null;
  let loop: Promise<void> | null = null;

  const keyOf = (c: { namespace: string; name: string }) => `${c.namespace}/${c.name}`;

  async function readImages(canary: WatchedCanary): Promise<{ imagesKey: string | null; images: string[] | null; which: "primary" | "canary" | null }> {
    const succeeded = canary.phase === "Succeeded" && canary.lastAppliedSpec !== null && canary.lastPromotedSpec === canary.lastAppliedSpec;
    const which = succeeded ? "primary" : ACTIVE_PHASES.has(canary.phase) || canary.phase === "Failed" ? "canary" : null;
    if (!which || !canary.target) return { imagesKey: null, images: null, which: null };
    const imagesKey = `${which}|${canary.lastAppliedSpec}`;
    const previous = known.get(keyOf(canary));
    if (previous?.imagesKey === imagesKey && previous.images) return { imagesKey, images: previous.images, which };
    const name = which === "primary" ? `${canary.target.name}-primary` : canary.target.name;
    try {
      let workload: unknown;
      if (canary.target.kind === "Deployment") workload = await apps.readNamespacedDeployment({ namespace: canary.namespace, name });
      else if (canary.target.kind === "DaemonSet") workload = await apps.readNamespacedDaemonSet({ namespace: canary.namespace, name });
      else return { imagesKey, images: null, which };
      return { imagesKey, images: readPodTemplateImages(workload), which };
    } catch (error) {
      // The gate then reports the run without images; the next version retries the read.
      params.log.warn({ cluster: params.cluster, namespace: canary.namespace, name, code: (error as { code?: number }).code }, "cannot read the workload's images");
      return { imagesKey: null, images: null, which };
    }
  }

  async function emitCanary(canary: WatchedCanary, deleted: boolean, resourceVersion = canary.resourceVersion): Promise<void> {
    const { imagesKey, images, which } = deleted ? { imagesKey: null, images: null, which: null } : await readImages(canary);
    await params.emit({
      cluster: params.cluster,
      namespace: canary.namespace,
      name: canary.name,
      resourceVersion,
      observedAt: clock.now(),
      deleted,
      phase: canary.phase,
      canaryWeight: canary.canaryWeight,
      iterations: canary.iterations,
      lastAppliedSpec: canary.lastAppliedSpec,
      lastPromotedSpec: canary.lastPromotedSpec,
      primaryImages: which === "primary" ? images : null,
      canaryImages: which === "canary" ? images : null,
    });
    if (deleted) known.delete(keyOf(canary));
    else known.set(keyOf(canary), { canary, imagesKey, images });
  }

  async function list(): Promise<string> {
    status.state = "listing";
    const seen = new Set<string>();
    let next: string | undefined;
    let resourceVersion = "";
    do {
      const page = (await customObjects.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, limit: options.pageSize, _continue: next })) as {
        metadata?: { resourceVersion?: string; continue?: string };
        items?: unknown[];
      };
      for (const item of page.items ?? []) {
        if (stopping.signal.aborted) return resourceVersion;
        const canary = parseCanaryObject(item);
        if (!canary) continue;
        seen.add(keyOf(canary));
        const previous = known.get(keyOf(canary));
        if (previous?.canary.resourceVersion === canary.resourceVersion) continue;
        await emitCanary(canary, false);
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      next = page.metadata?.continue || undefined;
    } while (next);
    for (const [key, entry] of [...known]) {
      if (!seen.has(key)) await emitCanary(entry.canary, true, resourceVersion);
    }
    status.lists += 1;
    status.lastListAt = clock.now();
    return resourceVersion;
  }

  /** One watch request; resolves with the number of events it brought when the stream ends. */
  function watchOnce(from: string): Promise<number> {
    status.state = "watching";
    return new Promise<number>((resolve, reject) => {
      let events = 0;
      let failure: unknown = null;
      let chain = Promise.resolve();
      let controller: AbortController | null = null;
      let aborted = false;
      const abort = () => {
        aborted = true;
        controller?.abort();
      };
      abortWatch = abort;
      const onEvent = (type: string, object: unknown) => {
        events += 1;
        chain = chain
          .then(async () => {
            if (failure !== null || aborted) return;
            const rv = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
            if (type === "BOOKMARK") {
              if (typeof rv === "string") status.resourceVersion = rv;
              return;
            }
            if (type === "ERROR") {
              const code = (object as { code?: unknown } | null)?.code;
              failure = code === 410 ? new GoneError("watch expired (410)") : new Error(`watch error event: ${JSON.stringify(object).slice(0, 200)}`);
              abort();
              return;
            }
            const canary = parseCanaryObject(object);
            if (!canary) return;
            await emitCanary(canary, type === "DELETED");
            status.resourceVersion = canary.resourceVersion;
          })
          .catch((error: unknown) => {
            failure = error;
            abort();
          });
      };
      const onDone = (error: unknown) => {
        void chain.then(() => {
          abortWatch = null;
          if (failure !== null) return reject(failure);
          if ((error as { statusCode?: number } | null)?.statusCode === 410) return reject(new GoneError("watch answered 410"));
          if (error && !aborted && !stopping.signal.aborted) return reject(error);
          resolve(events);
        });
      };
      // The server ends the watch at timeoutSeconds; no later than a resync is due.
      const timeoutSeconds = Math.max(1, Math.min(options.watchTimeoutSeconds, Math.floor(options.resyncMs / 1000)));
      watch
        .watch(WATCH_PATH, { resourceVersion: from, allowWatchBookmarks: true, timeoutSeconds }, onEvent, onDone)
        .then((c) => {
          controller = c;
          if (aborted || stopping.signal.aborted) c.abort();
        })
        .catch((error: unknown) => onDone(error));
    });
  }

  async function run(): Promise<void> {
    let resourceVersion: string | null = null;
    let emptyWatches = 0;
    while (!stopping.signal.aborted) {
      try {
        const resyncDue = status.lastListAt !== null && clock.now() - status.lastListAt >= options.resyncMs;
        if (resourceVersion === null || resyncDue) {
          resourceVersion = await list();
          status.resourceVersion = resourceVersion;
        }
        if (stopping.signal.aborted) break;
        const events = await watchOnce(status.resourceVersion ?? resourceVersion);
        resourceVersion = status.resourceVersion;
        // Streams that keep ending without a single event or bookmark (the API server sends a
        // bookmark about every minute) are a failure in disguise, e.g. a proxy cutting
        // connections: after a few in a row, back off rather than spin.
        if (events > 0) {
          status.failures = 0;
          emptyWatches = 0;
        } else if (++emptyWatches >= EMPTY_WATCHES_BEFORE_BACKOFF) {
          await backOff(null);
        }
      } catch (error) {
        if (stopping.signal.aborted) break;
        if (error instanceof GoneError || (error as { code?: unknown } | null)?.code === 410) {
          params.log.info({ cluster: params.cluster, resourceVersion }, "watch expired; listing again");
          resourceVersion = null;
          continue;
        }
        // A failed list may have left a continue token half-used; start over.
        if (status.state === "listing") resourceVersion = null;
        await backOff(error);
      }
    }
    status.state = "stopped";
  }

  async function backOff(error: unknown): Promise<void> {
    status.failures += 1;
    const delay = computeBackoffMs(status.failures, options);
    params.log.warn(
      { cluster: params.cluster, failures: status.failures, delayMs: delay, err: error instanceof Error ? error.message : error === null ? "empty watch" : String(error) },
      "kubernetes list/watch failed; backing off",
    );
    status.state = "backing-off";
    await clock.sleep(delay, stopping.signal);
  }

  return {
    get status() {
      return { ...status };
    },
    start() {
      if (loop) return;
      loop = run();
    },
    async stop() {
      stopping.abort();
      abortWatch?.();
      await loop;
      status.state = "stopped";
    },
  };
}

/**
 * The watcher of one configured cluster, or null when it has no kubeconfig (push only). Reads the
 * kubeconfig file now, so that a broken one stops the server at start-up.
 */
export function createClusterWatcher(params: Omit<CanaryWatcherParams, "cluster" | "kubeConfig"> & { cluster: ClusterConfig }): CanaryWatcher | null {
  if (params.cluster.kubeconfig === null) return null;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(params.cluster.kubeconfig);
  if (!kubeConfig.getCurrentCluster()) throw new Error(`${params.cluster.kubeconfig}: the kubeconfig of cluster "${params.cluster.name}" has no current cluster`);
  return createCanaryWatcher({ ...params, cluster: params.cluster.name, kubeConfig });
}
