/**
 * A fake Kubernetes API server on loopback, speaking the list/watch protocol for
 * `canaries.flagger.app/v1beta1` (all namespaces) and reads of `apps/v1` Deployments and
 * DaemonSets: enough for @kubernetes/client-node 1.x to run against it, since no API server runs
 * here. What it implements, from the Kubernetes API concepts ("Efficient detection of changes",
 * "Retrieving large results sets in chunks"):
 *
 * - every write bumps one global resourceVersion (an etcd revision);
 * - list: `limit`/`continue` pages, the list's resourceVersion in `metadata`;
 * - watch (`?watch=true`): a chunked stream of JSON lines `{"type","object"}` — ADDED, MODIFIED,
 *   DELETED — from the given resourceVersion on, BOOKMARK events on demand when
 *   `allowWatchBookmarks` was asked for, and for a resourceVersion older than the compaction
 *   point either an HTTP 410 or an `ERROR` event carrying a 410 Status (the API server does both);
 * - faults on demand: the next requests answer 500, open watches are closed or sent an ERROR 410.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; uid?: string; [key: string]: unknown };
  spec?: unknown;
  status?: unknown;
}

interface HistoryEntry {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
}

interface OpenWatch {
  res: ServerResponse;
  bookmarks: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface FakeKubeApi {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The kubeconfig YAML of a cluster pointing at this server. */
  kubeconfig(): string;
  upsertCanary(canary: KubeObject): KubeObject;
  deleteCanary(namespace: string, name: string): void;
  upsertWorkload(workload: KubeObject): void;
  readonly resourceVersion: number;
  /** Forget history up to now: watches from an older resourceVersion get 410 Gone. */
  compact(mode?: "http" | "event"): void;
  /** Sends a BOOKMARK at the current resourceVersion to every watch that allows them. */
  bookmark(): void;
  /** Ends every open watch stream, as the API server does at timeoutSeconds. */
  closeWatches(): void;
  /** Sends ERROR 410 (Expired) into every open watch, then ends it. */
  expireWatches(): void;
  /** The next `count` requests (of `kind`) answer 500. */
  failNext(count: number, kind: "list" | "watch" | "any"): void;
  openWatches(): number;
  /** Resolves when `count` requests matching `predicate` have been received. */
  waitForRequests(predicate: (r: RecordedRequest) => boolean, count: number): Promise<void>;
  close(): Promise<void>;
}

const CANARIES = "/apis/flagger.app/v1beta1/canaries";

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  let rv = 1000;
  let compactedThrough = 0;
  let compactMode: "http" | "event" = "http";
  const canaries = new Map<string, KubeObject>();
  const workloads = new Map<string, KubeObject>();
  const history: HistoryEntry[] = [];
  const watches = new Set<OpenWatch>();
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ predicate: (r: RecordedRequest) => boolean; count: number; resolve: () => void }> = [];
  let failures = { count: 0, kind: "any" as "list" | "watch" | "any" };
  let uid = 0;

  const id = (namespace: string, name: string) => `${namespace}/${name}`;
  const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const statusBody = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
  const writeEvent = (w: OpenWatch, type: string, object: unknown) => w.res.write(`${JSON.stringify({ type, object })}\n`);

  const record = (type: HistoryEntry["type"], object: KubeObject) => {
    history.push({ rv, type, object: structuredClone(object) });
    for (const w of watches) writeEvent(w, type, object);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const query = Object.fromEntries(url.searchParams.entries());
    const entry = { method: req.method ?? "GET", path: url.pathname, query };
    requests.push(entry);
    for (const w of [...waiters]) {
      if (requests.filter(w.predicate).length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    const isWatch = query.watch === "true" || query.watch === "1";
    if (failures.count > 0 && (failures.kind === "any" || (failures.kind === "watch") === isWatch)) {
      failures.count -= 1;
      return send(res, 500, statusBody(500, "InternalError", "injected failure"));
    }
    if (req.method !== "GET") return send(res, 405, statusBody(405, "MethodNotAllowed", "read-only fake"));

    if (url.pathname === CANARIES && isWatch) {
      const from = Number(query.resourceVersion ?? "0");
      if (query.resourceVersion !== undefined && from < compactedThrough) {
        if (compactMode === "http") return send(res, 410, statusBody(410, "Expired", `too old resource version: ${from} (${compactedThrough})`));
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        res.end(`${JSON.stringify({ type: "ERROR", object: statusBody(410, "Expired", `too old resource version: ${from} (${compactedThrough})`) })}\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      // The API server sends the headers at once; node:http would hold them until the first event.
      res.flushHeaders();
      const w: OpenWatch = { res, bookmarks: query.allowWatchBookmarks === "true" };
      for (const h of history) if (h.rv > from) writeEvent(w, h.type, h.object);
      watches.add(w);
      res.on("close", () => watches.delete(w));
      return;
    }
    if (url.pathname === CANARIES) {
      const items = [...canaries.values()].sort((a, b) => id(a.metadata.namespace, a.metadata.name).localeCompare(id(b.metadata.namespace, b.metadata.name)));
      const limit = query.limit ? Number(query.limit) : items.length;
      let offset = 0;
      let listRv = rv;
      if (query.continue) {
        const token = JSON.parse(Buffer.from(query.continue, "base64").toString("utf8")) as { offset: number; rv: number };
        if (token.rv < compactedThrough) return send(res, 410, statusBody(410, "Expired", "the provided continue parameter is too old"));
        offset = token.offset;
        listRv = token.rv;
      }
      const page = items.slice(offset, offset + limit);
      const more = offset + limit < items.length;
      return send(res, 200, {
        apiVersion: "flagger.app/v1beta1",
        kind: "CanaryList",
        metadata: { resourceVersion: String(listRv), ...(more ? { continue: Buffer.from(JSON.stringify({ offset: offset + limit, rv: listRv })).toString("base64") } : {}) },
        items: page,
      });
    }
    const workload = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|daemonsets)\/([^/]+)$/.exec(url.pathname);
    if (workload) {
      const kind = workload[2] === "deployments" ? "Deployment" : "DaemonSet";
      const found = workloads.get(`${kind}/${id(workload[1]!, workload[3]!)}`);
      return found ? send(res, 200, found) : send(res, 404, statusBody(404, "NotFound", `${workload[2]}.apps "${workload[3]}" not found`));
    }
    return send(res, 404, statusBody(404, "NotFound", "the server could not find the requested resource"));
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    get resourceVersion() {
      return rv;
    },
    kubeconfig: () =>
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: fake",
        "    cluster:",
        `      server: ${url}`,
        // client-node refuses plain HTTP unless TLS verification is explicitly off.
        "      insecure-skip-tls-verify: true",
        "users:",
        "  - name: fake",
        "    user:",
        "      token: fake-token",
        "contexts:",
        "  - name: fake",
        "    context: {cluster: fake, user: fake}",
        "current-context: fake",
        "",
      ].join("\n"),
    upsertCanary(canary) {
      rv += 1;
      const key = id(canary.metadata.namespace, canary.metadata.name);
      const existing = canaries.get(key);
      const stored: KubeObject = structuredClone({ ...canary, metadata: { ...canary.metadata, uid: existing?.metadata.uid ?? `uid-${++uid}`, resourceVersion: String(rv) } });
      canaries.set(key, stored);
      record(existing ? "MODIFIED" : "ADDED", stored);
      return stored;
    },
    deleteCanary(namespace, name) {
      const existing = canaries.get(id(namespace, name));
      if (!existing) return;
      rv += 1;
      canaries.delete(id(namespace, name));
      record("DELETED", { ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } });
    },
    upsertWorkload(workload) {
      rv += 1;
      workloads.set(`${workload.kind}/${id(workload.metadata.namespace, workload.metadata.name)}`, structuredClone({ ...workload, metadata: { ...workload.metadata, resourceVersion: String(rv) } }));
    },
    compact(mode = "http") {
      compactedThrough = rv;
      compactMode = mode;
      history.length = 0;
    },
    bookmark() {
      for (const w of watches) if (w.bookmarks) writeEvent(w, "BOOKMARK", { apiVersion: "flagger.app/v1beta1", kind: "Canary", metadata: { resourceVersion: String(rv) } });
    },
    closeWatches() {
      for (const w of watches) w.res.end();
      watches.clear();
    },
    expireWatches() {
      for (const w of watches) {
        writeEvent(w, "ERROR", statusBody(410, "Expired", "too old resource version"));
        w.res.end();
      }
      watches.clear();
    },
    failNext(count, kind) {
      failures = { count, kind };
    },
    openWatches: () => watches.size,
    waitForRequests(predicate, count) {
      if (requests.filter(predicate).length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, count, resolve }));
    },
    async close() {
      for (const w of watches) w.res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A Flagger Canary object as the API server returns it. */
export function buildCanaryObject(params: { namespace?: string; name?: string; target?: string; kind?: "Deployment" | "DaemonSet"; status?: Record<string, unknown> }): KubeObject {
  return {
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    metadata: { name: params.name ?? "podinfo", namespace: params.namespace ?? "test" },
    spec: { targetRef: { apiVersion: "apps/v1", kind: params.kind ?? "Deployment", name: params.target ?? "podinfo" }, service: { port: 9898 }, analysis: { interval: "1m", threshold: 5, maxWeight: 50, stepWeight: 10 } },
    ...(params.status ? { status: params.status } : {}),
  };
}

/** An apps/v1 workload whose pod template runs these images. */
export function buildWorkloadObject(params: { namespace?: string; name: string; kind?: "Deployment" | "DaemonSet"; images: string[]; initImages?: string[] }): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: params.kind ?? "Deployment",
    metadata: { name: params.name, namespace: params.namespace ?? "test" },
    spec: {
      template: {
        spec: {
          containers: params.images.map((image, i) => ({ name: `c${i}`, image })),
          ...(params.initImages ? { initContainers: params.initImages.map((image, i) => ({ name: `init${i}`, image })) } : {}),
        },
      },
    },
  };
}
