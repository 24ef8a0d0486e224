import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyObservation, isNewerResourceVersion, type CanaryStatusObservation, type MergedRevision, type PromotionObservation, type PromotionRecord } from "../../src/gate/promotion.js";
import { findCurrentRun } from "../../src/gate/current-run.js";
import { flaggerEvent, MINUTE, runEvents, T0 } from "./helpers.js";

const KEY = { cluster: "staging", namespace: "test", name: "podinfo" };

function merge(pullRequest: number, mergedAt: number, images: string[]): PromotionObservation {
  const m: MergedRevision = { pullRequest, sha: `sha${pullRequest}`.padEnd(40, "0"), mergedAt, images };
  return { kind: "merge", key: KEY, merge: m };
}

function applyAll(observations: readonly PromotionObservation[], start: PromotionRecord | null = null): PromotionRecord {
  let record = start;
  for (const o of observations) record = applyObservation(record, o).record;
  return record!;
}

const events = (list: ReturnType<typeof runEvents>): PromotionObservation[] => list.map((event) => ({ kind: "event", event }));

describe("promotion records from Flagger events (push)", () => {
  it("attributes a succeeded run to the one revision merged before it started", () => {
    const record = applyAll([merge(7, T0 - 5 * MINUTE, ["ghcr.io/stefanprodan/podinfo:6.5.0"]), ...events(runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "succeeded" }))]);
    expect(record.runs).toEqual([
      {
        source: "event",
        revision: "bbb",
        checksum: "bbb",
        startedAt: T0,
        startSeen: true,
        phase: "Succeeded",
        outcome: "succeeded",
        endedAt: T0 + 6 * MINUTE,
        canaryWeight: 0,
        iterations: 0,
        images: ["ghcr.io/stefanprodan/podinfo:6.5.0"],
        attribution: { kind: "merge", pullRequest: 7, sha: "sha7".padEnd(40, "0") },
      },
    ]);
    expect(record.current).toMatchObject({ phase: "Succeeded", at: T0 + 6 * MINUTE });
  });

  it("shows the open run's phase and weight", () => {
    const record = applyAll(events(runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "open" })));
    expect(record.runs).toHaveLength(1);
    expect(record.runs[0]).toMatchObject({ outcome: "active", phase: "Progressing", canaryWeight: 20, revision: "bbb", attribution: { kind: "unknown" } });
  });

  it("does not count Initialized as a promotion, nor a Waiting revision as a run", () => {
    const record = applyAll([
      { kind: "event", event: flaggerEvent({ phase: "Initialized", checksum: "aaa", message: "Initialization done! podinfo.test", at: T0 }) },
      { kind: "event", event: flaggerEvent({ phase: "Initialized", checksum: "aaa", message: "Halt podinfo.test advancement waiting for approval gate", at: T0 + MINUTE, eventType: "Warning" }) },
      { kind: "event", event: flaggerEvent({ phase: "Waiting", checksum: "aaa", message: "Halt podinfo.test advancement waiting for approval gate", at: T0 + 2 * MINUTE, eventType: "Warning" }) },
    ]);
    expect(record.runs).toEqual([]);
    expect(record.current?.phase).toBe("Waiting");
  });

  it("supersedes a run when a new revision restarts the analysis", () => {
    const first = runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "open" });
    const restart = flaggerEvent({ phase: "Progressing", checksum: "bbb", message: "New revision detected! Restarting analysis for podinfo.test", at: T0 + 3 * MINUTE });
    const next = flaggerEvent({ phase: "Progressing", checksum: "ccc", message: "Advance podinfo.test canary weight 10", at: T0 + 4 * MINUTE });
    const record = applyAll([merge(1, T0 - MINUTE, ["podinfo:1"]), merge(2, T0 + 2 * MINUTE, ["podinfo:2"]), ...events([...first, restart, next])]);
    expect(record.runs.map((r) => [r.revision, r.outcome, r.endedAt, r.images])).toEqual([
      ["bbb", "superseded", T0 + 3 * MINUTE, ["podinfo:1"]],
      ["ccc", "active", null, ["podinfo:2"]],
    ]);
  });

  it("knows the checksum of a run's in-run hooks from its events, never from the event that started it", () => {
    const [started, ...inRun] = runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "open" });
    // "New revision detected!" carries the previous revision's checksum (§4.3): nothing known yet.
    expect(findCurrentRun(applyAll(events([started!])))).toMatchObject({ checksum: null, endedAt: null });
    expect(findCurrentRun(applyAll(events([started!, ...inRun])))?.checksum).toBe("bbb");
    // A run whose start was missed: its first event of an active phase shows it.
    expect(findCurrentRun(applyAll(events(inRun.slice(2))))?.checksum).toBe("bbb");
    // A restart: the new run's checksum comes from its own events.
    const restart = flaggerEvent({ phase: "Progressing", checksum: "bbb", message: "New revision detected! Restarting analysis for podinfo.test", at: T0 + 3 * MINUTE });
    expect(findCurrentRun(applyAll(events([started!, ...inRun, restart])))?.checksum).toBeNull();
    const next = flaggerEvent({ phase: "Progressing", checksum: "ccc", message: "Advance podinfo.test canary weight 10", at: T0 + 4 * MINUTE });
    expect(findCurrentRun(applyAll(events([started!, ...inRun, restart, next])))?.checksum).toBe("ccc");
    // From Failed, Flagger re-syncs before the start event, which then already carries the new
    // checksum; the in-run events carry it too, and none differs from the start's: left unknown.
    const failed = runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "failed" });
    const retry = runEvents({ previous: "ccc", checksum: "ccc", start: T0 + 10 * MINUTE, outcome: "open" });
    const retried = applyAll(events([...failed, ...retry]));
    expect(retried.runs.at(-1)).toMatchObject({ revision: "ccc", outcome: "active" });
    expect(retried.runs.at(-1)?.checksum).toBeUndefined();
    expect(findCurrentRun(retried)?.checksum).toBeNull();
  });

  it("reports an ambiguous attribution instead of guessing", () => {
    const record = applyAll([merge(1, T0 - 2 * MINUTE, ["podinfo:1"]), merge(2, T0 - MINUTE, ["podinfo:2"]), ...events(runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "succeeded" }))]);
    expect(record.runs[0]).toMatchObject({
      outcome: "succeeded",
      images: null,
      attribution: { kind: "ambiguous", reason: "2 revisions were merged since the previous run started", candidates: [{ pullRequest: 1 }, { pullRequest: 2 }] },
    });
  });

  it("does not attribute a run whose start it did not see", () => {
    const late = runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "succeeded" }).slice(3);
    const record = applyAll([merge(1, T0 - MINUTE, ["podinfo:1"]), ...events(late)]);
    expect(record.runs[0]).toMatchObject({ startSeen: false, outcome: "succeeded", images: null, attribution: { kind: "ambiguous" } });
  });

  it("records a failed run", () => {
    const record = applyAll([merge(3, T0 - MINUTE, ["podinfo:3"]), ...events(runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "failed" }))]);
    expect(record.runs[0]).toMatchObject({ outcome: "failed", phase: "Failed", images: ["podinfo:3"], endedAt: T0 + 4 * MINUTE });
    expect(record.current?.phase).toBe("Failed");
  });

  it("ends the run when the promotion fails with the primary not ready (reported with phase Promoting)", () => {
    const run = runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "open" });
    const failed = flaggerEvent({ phase: "Promoting", checksum: "bbb", message: "Promotion of podinfo.test failed, primary not ready: deadline exceeded", at: T0 + 5 * MINUTE, eventType: "Warning" });
    const record = applyAll(events([...run, failed]));
    expect(record.runs[0]).toMatchObject({ outcome: "failed", phase: "Failed", endedAt: T0 + 5 * MINUTE });
  });

  it("closes the open run when the Canary is being deleted", () => {
    const run = runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "open" });
    const terminating = flaggerEvent({ phase: "Terminating", checksum: "bbb", message: "Terminating canary podinfo.test", at: T0 + 5 * MINUTE });
    const record = applyAll(events([...run, terminating]));
    expect(record.runs[0]).toMatchObject({ outcome: "superseded", endedAt: T0 + 5 * MINUTE });
  });

  it("starts the next run after a success in the next window only", () => {
    const record = applyAll([
      merge(1, T0 - MINUTE, ["podinfo:1"]),
      ...events(runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "succeeded" })),
      merge(2, T0 + 20 * MINUTE, ["podinfo:2"]),
      ...events(runEvents({ previous: "bbb", checksum: "ccc", start: T0 + 30 * MINUTE, outcome: "succeeded" })),
    ]);
    expect(record.runs.map((r) => [r.revision, r.outcome, r.images])).toEqual([
      ["bbb", "succeeded", ["podinfo:1"]],
      ["ccc", "succeeded", ["podinfo:2"]],
    ]);
  });

  it("changes nothing on a replay", () => {
    const all = [merge(1, T0 - MINUTE, ["podinfo:1"]), ...events(runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "succeeded" }))];
    const record = applyAll(all);
    for (const o of all) {
      const again = applyObservation(record, o);
      expect(again.changed).toBe(false);
      expect(again.record).toBe(record);
    }
  });

  it("reaches the same record whatever the delivery order, with replays", () => {
    const all = [
      merge(1, T0 - MINUTE, ["podinfo:1"]),
      ...events(runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome: "succeeded" })),
      merge(2, T0 + 20 * MINUTE, ["podinfo:2"]),
      ...events(runEvents({ previous: "bbb", checksum: "ccc", start: T0 + 30 * MINUTE, outcome: "failed" })),
      merge(3, T0 + 40 * MINUTE, ["podinfo:3"]),
      ...events(runEvents({ previous: "ccc", checksum: "ddd", start: T0 + 50 * MINUTE, outcome: "open" })),
    ];
    const expected = applyAll(all);
    expect(expected.runs.map((r) => r.outcome)).toEqual(["succeeded", "failed", "active"]);
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), fc.array(fc.nat(all.length - 1), { maxLength: 10 }), (order, replays) => {
        const delivered = [...order, ...replays.map((i) => all[i]!)];
        expect(applyAll(delivered)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe("promotion records from the Kubernetes API (pull)", () => {
  let rv = 100;
  const status = (fields: Partial<CanaryStatusObservation>): PromotionObservation => ({
    kind: "status",
    status: {
      ...KEY,
      resourceVersion: String(rv++),
      observedAt: T0 + rv * 1000,
      deleted: false,
      phase: "Succeeded",
      canaryWeight: 0,
      iterations: 0,
      lastAppliedSpec: "s1",
      lastPromotedSpec: "s1",
      primaryImages: null,
      canaryImages: null,
      ...fields,
    },
  });

  it("follows a run by lastAppliedSpec and takes the primary's images on success", () => {
    const record = applyAll([
      status({ phase: "Initialized", primaryImages: null }),
      status({ phase: "Progressing", lastAppliedSpec: "s2", canaryWeight: 10, canaryImages: ["podinfo:2"] }),
      status({ phase: "Progressing", lastAppliedSpec: "s2", canaryWeight: 20 }),
      status({ phase: "Promoting", lastAppliedSpec: "s2" }),
      status({ phase: "Succeeded", lastAppliedSpec: "s2", lastPromotedSpec: "s2", primaryImages: ["podinfo:2", "istio/proxyv2:1.24"] }),
    ]);
    expect(record.runs).toEqual([expect.objectContaining({ source: "watch", revision: "s2", outcome: "succeeded", startSeen: true, images: ["istio/proxyv2:1.24", "podinfo:2"], attribution: { kind: "cluster" } })]);
  });

  it("does not take Initialized for a promotion, and ignores statuses older than the record", () => {
    const init = status({ phase: "Initialized", primaryImages: ["podinfo:1"] });
    const progressing = status({ phase: "Progressing", lastAppliedSpec: "s2", canaryImages: ["podinfo:2"] });
    const record = applyAll([init, progressing]);
    expect(record.runs.map((r) => r.outcome)).toEqual(["active"]);
    const stale = applyObservation(record, init);
    expect([stale.changed, stale.record]).toEqual([false, record]);
  });

  it("ends the open run as failed, and does not run the revision Flagger re-synced while Failed", () => {
    const record = applyAll([
      status({ phase: "Progressing", lastAppliedSpec: "s2", canaryImages: ["podinfo:2"] }),
      status({ phase: "Failed", lastAppliedSpec: "s2", lastPromotedSpec: "s1", canaryImages: ["podinfo:2"] }),
      status({ phase: "Failed", lastAppliedSpec: "s3", lastPromotedSpec: "s1", canaryImages: ["podinfo:3"] }),
    ]);
    expect(record.runs.map((r) => [r.revision, r.outcome, r.images])).toEqual([["s2", "failed", ["podinfo:2"]]]);
  });

  it("marks a deleted Canary and closes its open run", () => {
    const record = applyAll([status({ phase: "Progressing", lastAppliedSpec: "s2" }), status({ deleted: true, phase: "Progressing", lastAppliedSpec: "s2" })]);
    expect([record.deleted, record.runs[0]?.outcome]).toEqual([true, "superseded"]);
  });

  it("orders resourceVersions as etcd revisions", () => {
    expect([isNewerResourceVersion("10", "9"), isNewerResourceVersion("9", "10"), isNewerResourceVersion("5", "5"), isNewerResourceVersion("abc", "abd")]).toEqual([true, false, false, true]);
  });
});
