/**
 * The watcher through @kubernetes/client-node against the fake API server of test/support/kube-api.ts
 * (real HTTP on loopback, chunked watch streams). Time and back-off are injected: no test sleeps.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ingestObservation } from "../../src/cluster/ingest.js";
import { computeBackoffMs, createCanaryWatcher, createClusterWatcher, type CanaryWatcher, type WatcherClock } from "../../src/cluster/watcher.js";
import { decideMergeGate } from "../../src/gate/merge-gate.js";
import type { CanaryStatusObservation } from "../../src/gate/promotion.js";
import { buildCanaryObject, buildWorkloadObject, startFakeKubeApi, type FakeKubeApi } from "../support/kube-api.js";
import { createMemoryPromotionStore, type MemoryPromotionStore } from "../support/memory-promotion-store.js";

const T0 = Date.UTC(2026, 10, 29, 12);
const V1 = ["ghcr.io/stefanprodan/podinfo:6.4.0"];
const V2 = ["ghcr.io/stefanprodan/podinfo:6.5.0"];

const succeeded = (spec: string) => ({ phase: "Succeeded", canaryWeight: 0, iterations: 0, failedChecks: 0, lastAppliedSpec: spec, lastPromotedSpec: spec });
const progressing = (spec: string, promoted: string, weight: number) => ({ phase: "Progressing", canaryWeight: weight, iterations: 0, failedChecks: 0, lastAppliedSpec: spec, lastPromotedSpec: promoted });

describe("the Canary watcher", () => {
  let api: FakeKubeApi;
  let watcher: CanaryWatcher | null;
  let emitted: CanaryStatusObservation[];
  let sleeps: number[];
  let now: number;
  let store: MemoryPromotionStore;
  const logs: Array<{ message: string; fields: Record<string, unknown> }> = [];

  const clock: WatcherClock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      // Yield to I/O (no wall-clock wait): a loop of failures must not starve the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };

  beforeEach(async () => {
    api = await startFakeKubeApi();
    emitted = [];
    sleeps = [];
    logs.length = 0;
    now = T0;
    watcher = null;
    store = createMemoryPromotionStore();
  });
  afterEach(async () => {
    await watcher?.stop();
    await api.close();
  });

  function startWatcher(options: { pageSize?: number; resyncMs?: number; emit?: (o: CanaryStatusObservation) => Promise<void> } = {}) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(api.kubeconfig());
    watcher = createCanaryWatcher({
      cluster: "staging",
      kubeConfig,
      clock,
      log: { info: (fields, message) => logs.push({ fields, message }), warn: (fields, message) => logs.push({ fields, message }) },
      options: { pageSize: options.pageSize ?? 500, resyncMs: options.resyncMs ?? 600_000, backoffInitialMs: 1000, backoffMaxMs: 8000 },
      emit:
        options.emit ??
        (async (o) => {
          emitted.push(o);
          await ingestObservation(store, { kind: "status", status: o });
        }),
    });
    watcher.start();
    return watcher;
  }

  const watchRequests = () => api.requests.filter((r) => r.query.watch === "true");
  const listRequests = () => api.requests.filter((r) => r.path === "/apis/flagger.app/v1beta1/canaries" && r.query.watch !== "true");
  const until = (predicate: () => boolean) => vi.waitFor(() => expect(predicate()).toBe(true), { timeout: 10_000, interval: 5 });

  it("lists in pages, then follows a run through the watch and reads the primary's images on success", async () => {
    api.upsertWorkload(buildWorkloadObject({ name: "podinfo-primary", images: V1 }));
    api.upsertCanary(buildCanaryObject({ status: succeeded("s1") }));
    api.upsertCanary(buildCanaryObject({ name: "backend", target: "backend", status: { phase: "Initialized", lastAppliedSpec: "b1", lastPromotedSpec: "b1" } }));
    startWatcher({ pageSize: 1 });
    await until(() => emitted.length === 2 && api.openWatches() === 1);
    expect(listRequests().map((r) => [r.query.limit, r.query.continue !== undefined])).toEqual([["1", false], ["1", true]]);
    expect(watchRequests()[0]?.query).toMatchObject({ allowWatchBookmarks: "true", resourceVersion: String(api.resourceVersion) });
    expect(emitted.map((o) => [o.name, o.phase, o.primaryImages])).toEqual([["backend", "Initialized", null], ["podinfo", "Succeeded", V1]]);

    // Flux applies V2: Flagger detects it, analyses it, promotes it.
    api.upsertWorkload(buildWorkloadObject({ name: "podinfo", images: V2 }));
    api.upsertCanary(buildCanaryObject({ status: progressing("s2", "s1", 10) }));
    api.upsertCanary(buildCanaryObject({ status: progressing("s2", "s1", 20) }));
    api.upsertWorkload(buildWorkloadObject({ name: "podinfo-primary", images: V2 }));
    api.upsertCanary(buildCanaryObject({ status: succeeded("s2") }));
    await until(() => emitted.length === 5);
    expect(emitted.slice(2).map((o) => [o.phase, o.canaryWeight, o.canaryImages, o.primaryImages])).toEqual([
      ["Progressing", 10, V2, null],
      ["Progressing", 20, V2, null],
      ["Succeeded", 0, null, V2],
    ]);
    // The target was read once for the run, not on every status write.
    expect(api.requests.filter((r) => r.path.endsWith("/deployments/podinfo")).length).toBe(1);

    const record = (await store.getPromotionRecord({ cluster: "staging", namespace: "test", name: "podinfo" }))!.record;
    expect(record.runs.map((r) => [r.revision, r.outcome, r.images])).toEqual([
      ["s1", "succeeded", V1],
      ["s2", "succeeded", V2],
    ]);
    const gate = decideMergeGate({
      environments: [
        { name: "staging", paths: ["staging/**"], cluster: "staging" },
        { name: "production", paths: ["production/**"], cluster: "production", promotedIn: "staging" },
      ],
      headSha: "f".repeat(40),
      canaries: [{ environment: "production", namespace: "test", name: "podinfo", change: "changed", newRevision: true, images: V2 }],
      records: [record],
      decisions: [],
      now,
    });
    expect([gate.verdict, gate.reason]).toEqual(["success", "production/test/podinfo: ghcr.io/stefanprodan/podinfo:6.5.0 promoted in staging"]);
  });

  it("reads a DaemonSet target's images for a failed run, and survives a missing workload", async () => {
    api.upsertWorkload(buildWorkloadObject({ name: "agent", kind: "DaemonSet", images: V2, initImages: ["busybox:1.36"] }));
    api.upsertCanary(buildCanaryObject({ name: "agent", target: "agent", kind: "DaemonSet", status: { phase: "Failed", lastAppliedSpec: "d2", lastPromotedSpec: "d1" } }));
    api.upsertCanary(buildCanaryObject({ name: "ghost", target: "ghost", status: progressing("g2", "g1", 10) }));
    startWatcher();
    await until(() => emitted.length === 2);
    expect(emitted.map((o) => [o.name, o.phase, o.canaryImages])).toEqual([
      ["agent", "Failed", ["busybox:1.36", ...V2]],
      ["ghost", "Progressing", null],
    ]);
    expect(logs.find((l) => l.message === "cannot read the workload's images")?.fields).toMatchObject({ namespace: "test", name: "ghost", code: 404 });
    expect(api.requests.some((r) => r.path === "/apis/apps/v1/namespaces/test/daemonsets/agent")).toBe(true);
  });

  it("emits deletions, and resumes a closed watch from the last resourceVersion, bookmarks included", async () => {
    api.upsertCanary(buildCanaryObject({ status: succeeded("s1") }));
    startWatcher();
    await until(() => api.openWatches() === 1);
    api.deleteCanary("test", "podinfo");
    await until(() => emitted.length === 2);
    expect(emitted[1]).toMatchObject({ deleted: true, resourceVersion: String(api.resourceVersion) });

    api.upsertWorkload(buildWorkloadObject({ name: "unrelated", images: V1 }));
    api.bookmark();
    const bookmark = String(api.resourceVersion);
    await until(() => watcher!.status.resourceVersion === bookmark);
    api.closeWatches();
    await until(() => watchRequests().length === 2 && api.openWatches() === 1);
    expect(watchRequests()[1]?.query.resourceVersion).toBe(bookmark);
    expect(listRequests()).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("lists again on 410 Gone, as an HTTP answer or an ERROR event, and finds Canaries deleted meanwhile", async () => {
    api.upsertCanary(buildCanaryObject({ status: succeeded("s1") }));
    api.upsertCanary(buildCanaryObject({ name: "backend", target: "backend", status: succeeded("b1") }));
    startWatcher();
    await until(() => api.openWatches() === 1 && emitted.length === 2);

    // While the stream is down, a Canary goes and the history is compacted: the re-watch gets an
    // HTTP 410, and only a fresh list can reveal the deletion.
    api.closeWatches();
    api.deleteCanary("test", "backend");
    api.compact("http");
    await until(() => listRequests().length === 2 && api.openWatches() === 1);
    expect(emitted.slice(2).map((o) => [o.name, o.deleted])).toEqual([["backend", true]]);
    expect((await store.getPromotionRecord({ cluster: "staging", namespace: "test", name: "backend" }))?.record.deleted).toBe(true);

    // The same as an ERROR event with a 410 Status in a 200 stream.
    api.closeWatches();
    api.upsertCanary(buildCanaryObject({ status: progressing("s2", "s1", 10) }));
    api.compact("event");
    await until(() => listRequests().length === 3 && api.openWatches() === 1);
    expect(emitted.slice(3).map((o) => [o.name, o.phase])).toEqual([["podinfo", "Progressing"]]);

    // And an ERROR 410 arriving in an open stream.
    api.expireWatches();
    await until(() => listRequests().length === 4 && api.openWatches() === 1);
    expect(sleeps).toEqual([]);
    expect(logs.filter((l) => l.message === "watch expired; listing again")).toHaveLength(3);
    // Nothing changed between the last two lists, so nothing was emitted again.
    expect(emitted).toHaveLength(4);
  });

  it("backs off exponentially after failures, and resets after a good watch", async () => {
    api.failNext(4, "any");
    startWatcher();
    await until(() => api.openWatches() === 1);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
    api.upsertCanary(buildCanaryObject({ status: succeeded("s1") }));
    await until(() => emitted.length === 1);
    api.closeWatches();
    api.failNext(1, "watch");
    await until(() => watchRequests().length >= 3 && api.openWatches() === 1);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 1000]);
    expect(computeBackoffMs(10, { backoffInitialMs: 1000, backoffMaxMs: 60_000 })).toBe(60_000);
  });

  it("re-lists when the resync period has passed", async () => {
    api.upsertCanary(buildCanaryObject({ status: succeeded("s1") }));
    startWatcher({ resyncMs: 60_000 });
    await until(() => api.openWatches() === 1);
    expect(watchRequests()[0]?.query.timeoutSeconds).toBe("60");
    api.closeWatches();
    await until(() => watchRequests().length === 2 && api.openWatches() === 1);
    expect(listRequests()).toHaveLength(1);
    now += 60_000;
    api.closeWatches();
    await until(() => listRequests().length === 2 && api.openWatches() === 1);
    // An unchanged Canary is not emitted again.
    expect(emitted).toHaveLength(1);
  });

  it("backs off and re-lists when the port fails, so no observation is lost", async () => {
    api.upsertCanary(buildCanaryObject({ status: succeeded("s1") }));
    let fail = true;
    startWatcher({
      emit: async (o) => {
        if (fail) {
          fail = false;
          throw new Error("store down");
        }
        emitted.push(o);
      },
    });
    await until(() => emitted.length === 1 && api.openWatches() === 1);
    expect([sleeps, listRequests().length]).toEqual([[1000], 2]);
  });

  it("backs off when watches keep ending without a single event", async () => {
    startWatcher();
    for (let i = 1; i <= 4; i++) {
      await until(() => watchRequests().length === i && api.openWatches() === 1);
      api.closeWatches();
    }
    await until(() => watchRequests().length === 5);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it("is created from a cluster's kubeconfig file, and not at all for a push-only cluster", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
    try {
      writeFileSync(join(dir, "staging.kubeconfig"), api.kubeconfig());
      const log = { info: () => undefined, warn: () => undefined };
      const emit = async (o: CanaryStatusObservation) => void emitted.push(o);
      expect(createClusterWatcher({ cluster: { name: "staging", eventToken: "t", kubeconfig: null }, emit, log })).toBeNull();
      api.upsertCanary(buildCanaryObject({ status: succeeded("s1") }));
      watcher = createClusterWatcher({ cluster: { name: "staging", eventToken: "t", kubeconfig: join(dir, "staging.kubeconfig") }, emit, log, clock });
      watcher!.start();
      await until(() => emitted.length === 1);
      expect(emitted[0]?.cluster).toBe("staging");
      writeFileSync(join(dir, "empty.kubeconfig"), "apiVersion: v1\nkind: Config\n");
      expect(() => createClusterWatcher({ cluster: { name: "x", eventToken: "t", kubeconfig: join(dir, "empty.kubeconfig") }, emit, log })).toThrow(/has no current cluster/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops cleanly while watching", async () => {
    startWatcher();
    await until(() => api.openWatches() === 1);
    await watcher!.stop();
    expect(watcher!.status.state).toBe("stopped");
    await until(() => api.openWatches() === 0);
  });
});
