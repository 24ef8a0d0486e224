/**
 * The merge gate's process wiring: a cluster of CLUSTERS_FILE with a kubeconfig is watched (against
 * the fake Kubernetes API on loopback), its Canary statuses land in the store's records, and a
 * changed record queues the re-evaluation of the pull requests waiting on it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Probot } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { startMergeGate, type MergeGate } from "../../src/github/merge-gate-wiring.js";
import type { Log } from "../../src/github/port.js";
import { replaceWaitingKeys } from "../../src/store/gate-store.js";
import { openStore, type Store } from "../../src/store/index.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { until } from "../support/github-app.js";
import { buildCanaryObject, buildWorkloadObject, startFakeKubeApi, type FakeKubeApi } from "../support/kube-api.js";
import { createRecordingLogger, type LogRecord } from "../support/github.js";

describe("startMergeGate", () => {
  let dir: string | undefined;
  let api: FakeKubeApi | undefined;
  let store: Store | undefined;
  let gate: MergeGate | undefined;
  afterEach(async () => {
    await gate?.stop();
    await api?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("watches the clusters with a kubeconfig, records what they say, and queues the waiting pull requests", async () => {
    api = await startFakeKubeApi();
    dir = mkdtempSync(join(tmpdir(), "canary-bot-wiring-"));
    writeFileSync(join(dir, "staging.kubeconfig"), api.kubeconfig());
    writeFileSync(join(dir, "clusters.yaml"), "clusters:\n  - name: staging\n    eventToken: staging-token-0123456789abcdef0123\n    kubeconfig: staging.kubeconfig\n  - name: production\n    eventToken: production-token-0123456789abcdef01\n");
    store = await openStore({ dataDir: "memory://" });
    await replaceWaitingKeys(store, { owner: "acme", repo: "gitops", number: 4, installationId: 9, keys: [{ cluster: "staging", namespace: "test", name: "podinfo" }] });
    const logs: LogRecord[] = [];
    let woken = 0;
    // The watcher and the events route never call GitHub; the gate-evaluate handler would.
    const probot = { auth: () => Promise.reject(new Error("not in this test")) } as unknown as Probot;
    gate = await startMergeGate({ store, probot, log: createRecordingLogger(logs) as unknown as Log, wake: () => woken++, clustersFile: join(dir, "clusters.yaml") });
    expect(gate.clusters.map((c) => [c.name, c.kubeconfig !== null])).toEqual([["staging", true], ["production", false]]);

    api.upsertWorkload(buildWorkloadObject({ name: "podinfo-primary", images: ["ghcr.io/stefanprodan/podinfo:6.8.0"] }));
    api.upsertCanary(buildCanaryObject({ status: { phase: "Succeeded", lastAppliedSpec: "s1", lastPromotedSpec: "s1", canaryWeight: 0, iterations: 0 } }));
    gate.startWatchers();
    const records = createStorePromotionStore(store);
    await until(async () => (await records.getPromotionRecord({ cluster: "staging", namespace: "test", name: "podinfo" })) !== null, 30_000, "a record from the watcher");
    const record = (await records.getPromotionRecord({ cluster: "staging", namespace: "test", name: "podinfo" }))!.record;
    expect(record.current?.phase).toBe("Succeeded");
    expect(await store.query("SELECT kind, key FROM jobs")).toEqual([{ kind: "gate-evaluate", key: "9/acme/gitops#4" }]);
    expect(woken).toBeGreaterThan(0);
  });
});
