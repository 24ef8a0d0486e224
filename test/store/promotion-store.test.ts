/**
 * The PromotionStore port and the gate's tables on PGlite and on a real PostgreSQL: the version
 * check, finding a revision by its images, the event log's idempotency, the waiting index.
 */
import { describe, expect, it } from "vitest";
import { ingestObservation } from "../../src/cluster/ingest.js";
import { buildEmptyRecord } from "../../src/gate/promotion.js";
import {
  getGateOutput,
  getGatedPullRequest,
  listGateCommands,
  listWaitingPullRequests,
  appendGateCommand,
  recordGateDecision,
  replaceWaitingKeys,
  upsertGateOutput,
  upsertGatedPullRequest,
} from "../../src/store/gate-store.js";
import { countFlaggerEvents, createStorePromotionStore, getPromotionRecords } from "../../src/store/promotion-store.js";
import type { Store } from "../../src/store/index.js";
import { flaggerEvent, runEvents, T0 } from "../gate/helpers.js";
import { storeBackends , useStore } from "../support/store.js";

const key = { cluster: "staging", namespace: "test", name: "podinfo" };

describe.each(storeBackends())("promotion store on $name", (backend) => {
  const store = useStore(backend, "TRUNCATE promotion_records, flagger_events, gate_pull_requests, gate_waiting, gate_decisions, gate_outputs");

  it("writes a record only over the version it read", async () => {
    const records = createStorePromotionStore(store);
    expect(await records.getPromotionRecord(key)).toBeNull();
    const empty = buildEmptyRecord(key);
    expect(await records.upsertPromotionRecord({ record: empty, expectedVersion: null })).toEqual({ ok: true, version: 1 });
    // A second "new record" loses: somebody created it first.
    expect(await records.upsertPromotionRecord({ record: empty, expectedVersion: null })).toEqual({ ok: false, conflict: true });
    const changed = { ...empty, deleted: true };
    expect(await records.upsertPromotionRecord({ record: changed, expectedVersion: 1 })).toEqual({ ok: true, version: 2 });
    expect(await records.upsertPromotionRecord({ record: empty, expectedVersion: 1 })).toEqual({ ok: false, conflict: true });
    expect(await records.getPromotionRecord(key)).toEqual({ record: changed, version: 2 });
  });

  it("logs an event once, and a replayed or reordered run leaves the record as one in-order pass does", async () => {
    const records = createStorePromotionStore(store);
    const events = runEvents({ previous: "a", checksum: "b", start: T0, outcome: "succeeded" });
    for (const event of events) await ingestObservation(records, { kind: "event", event });
    const once = await records.getPromotionRecord(key);
    const replays = [...events].reverse();
    const results = [];
    for (const event of replays) results.push(await ingestObservation(records, { kind: "event", event }));
    expect(results.every((r) => !r.changed && !r.newEvent)).toBe(true);
    expect(await records.getPromotionRecord(key)).toEqual(once);
    expect(await countFlaggerEvents(store)).toBe(events.length);
    expect(await records.appendFlaggerEvent(flaggerEvent({ phase: "Succeeded", checksum: "b", message: "x", at: T0 + 1 }))).toBe(true);
  });

  it("keeps every event of four racing writers (version conflicts re-read and re-apply)", async () => {
    const writers = [0, 1, 2, 3].map(() => createStorePromotionStore(store));
    const events = Array.from({ length: 10 }, (_, i) => runEvents({ name: `app-${i}`, previous: "a", checksum: `c${i}`, start: T0, outcome: "succeeded" })).flat();
    await Promise.all(writers.map(async (w, n) => {
      for (let i = n; i < events.length; i += 4) await ingestObservation(w, { kind: "event", event: events[i]! });
    }));
    const reference = createStorePromotionStore(store);
    for (let i = 0; i < 10; i++) {
      const stored = await reference.getPromotionRecord({ ...key, name: `app-${i}` });
      expect(stored?.record.runs.map((r) => r.outcome)).toEqual(["succeeded"]);
    }
  });

  it("finds records whose one run carries all of a revision's images", async () => {
    const records = createStorePromotionStore(store);
    await ingestObservation(records, { kind: "merge", key, merge: { pullRequest: 1, sha: "m1", mergedAt: T0 - 1000, images: ["ghcr.io/podinfo:6.5.0", "envoy:1"] } });
    for (const event of runEvents({ previous: "a", checksum: "b", start: T0, outcome: "succeeded" })) await ingestObservation(records, { kind: "event", event });
    const found = await records.listPromotionRecordsByImages({ cluster: "staging", images: ["ghcr.io/podinfo:6.5.0"] });
    expect(found.map((r) => r.name)).toEqual(["podinfo"]);
    expect(await records.listPromotionRecordsByImages({ cluster: "staging", images: ["ghcr.io/podinfo:6.5.1"] })).toEqual([]);
    expect(await records.listPromotionRecordsByImages({ cluster: "production", images: ["ghcr.io/podinfo:6.5.0"] })).toEqual([]);
    expect((await getPromotionRecords(store, [key, { ...key, name: "nope" }])).map((r) => r.name)).toEqual(["podinfo"]);
  });

  it("keeps a pull request's Canaries, decision, waiting keys, commands and outputs", async () => {
    const pr = { owner: "acme", repo: "gitops", number: 7 };
    await upsertGatedPullRequest(store, { ...pr, installationId: 3, headSha: "h1", state: "open", environments: [], canaries: [] });
    const decision = { verdict: "pending" as const, reason: "r", canaries: [], override: null, evaluatedAt: T0 };
    await recordGateDecision(store, { ...pr, headSha: "h1", decision });
    expect((await getGatedPullRequest(store, pr))?.decision).toEqual(decision);
    // A new head forgets the old head's decision.
    await upsertGatedPullRequest(store, { ...pr, installationId: 3, headSha: "h2", state: "open", environments: [], canaries: [] });
    expect((await getGatedPullRequest(store, pr))?.decision).toBeNull();

    await replaceWaitingKeys(store, { ...pr, installationId: 3, keys: [key, { ...key, cluster: "production" }] });
    await replaceWaitingKeys(store, { owner: "acme", repo: "gitops", number: 8, installationId: 3, keys: [key] });
    expect((await listWaitingPullRequests(store, key)).map((p) => p.number)).toEqual([7, 8]);
    await replaceWaitingKeys(store, { ...pr, installationId: 3, keys: [] });
    expect((await listWaitingPullRequests(store, key)).map((p) => p.number)).toEqual([8]);

    await appendGateCommand(store, { ...pr, decision: { kind: "hold", actor: "alice", reason: "freeze", at: T0, headSha: "h2" } });
    expect((await listGateCommands(store, pr)).map((d) => d.kind)).toEqual(["hold"]);

    const where = { owner: "acme", repo: "gitops", sha: "h2", name: "canary/promotion" };
    await upsertGateOutput(store, { ...where, pullNumber: 7, checkRunId: 55, digest: "d1" });
    await upsertGateOutput(store, { ...where, pullNumber: 7, checkRunId: null, digest: "d2" });
    expect(await getGateOutput(store, where)).toEqual({ checkRunId: 55, digest: "d2" });
  });
});
