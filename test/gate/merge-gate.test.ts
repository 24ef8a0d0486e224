import { describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../../src/config/schema.js";
import { buildMergeObservations, decideMergeGate, decideMergeGroup, listGateRecordKeys, type ChangedCanary, type RecordedGateDecision } from "../../src/gate/merge-gate.js";
import { applyObservation, type PromotionObservation, type PromotionRecord } from "../../src/gate/promotion.js";
import { MINUTE, runEvents, T0 } from "./helpers.js";

const ENVIRONMENTS: EnvironmentConfig[] = [
  { name: "staging", paths: ["clusters/staging/**"], cluster: "staging" },
  { name: "production", paths: ["clusters/production/**"], cluster: "production", promotedIn: "staging" },
  { name: "preview", paths: ["clusters/preview/**"], cluster: "preview", previewOf: "pull-requests" },
];
const HEAD = "a".repeat(40);
const IMAGES = ["ghcr.io/stefanprodan/podinfo:6.5.0"];
const NOW = T0 + 60 * MINUTE;

function changed(environment: string | null, fields: Partial<ChangedCanary> = {}): ChangedCanary {
  return { environment, namespace: "test", name: "podinfo", change: "changed", newRevision: true, images: IMAGES, ...fields };
}

/** A record of `cluster` after a merge of IMAGES (PR #5) and a run with that outcome. */
function recordAfter(cluster: string, outcome: "succeeded" | "failed" | "open", options: { merges?: number } = {}): PromotionRecord {
  const key = { cluster, namespace: "test", name: "podinfo" };
  const observations: PromotionObservation[] = [];
  for (let i = 0; i < (options.merges ?? 1); i++) {
    observations.push({ kind: "merge", key, merge: { pullRequest: 5 + i, sha: String(i).repeat(40), mergedAt: T0 - (i + 1) * MINUTE, images: i === 0 ? IMAGES : ["ghcr.io/stefanprodan/podinfo:6.4.0"] } });
  }
  for (const event of runEvents({ previous: "aaa", checksum: "bbb", start: T0, outcome, cluster })) observations.push({ kind: "event", event });
  let record: PromotionRecord | null = null;
  for (const o of observations) record = applyObservation(record, o).record;
  return record!;
}

function decide(canaries: ChangedCanary[], records: PromotionRecord[] = [], decisions: RecordedGateDecision[] = []) {
  return decideMergeGate({ environments: ENVIRONMENTS, headSha: HEAD, canaries, records, decisions, now: NOW });
}

describe("decideMergeGate with promotedIn", () => {
  it("waits while the staging cluster has reported nothing", () => {
    const decision = decide([changed("production")]);
    expect(decision.verdict).toBe("pending");
    expect(decision.canaries[0]).toMatchObject({ rule: "promoted-in", target: { environment: "staging", cluster: "staging" }, reason: "waiting for ghcr.io/stefanprodan/podinfo:6.5.0 to be promoted in staging: cluster staging has reported nothing for this Canary yet" });
  });

  it("is pending with phase and weight while staging analyses the same images", () => {
    const decision = decide([changed("production")], [recordAfter("staging", "open")]);
    expect(decision.verdict).toBe("pending");
    expect(decision.canaries[0]?.progress).toEqual({ phase: "Progressing", canaryWeight: 20, iterations: 0, startedAt: T0 });
    expect(decision.reason).toBe("production/test/podinfo: ghcr.io/stefanprodan/podinfo:6.5.0 is being analysed in staging: Progressing, canary weight 20%");
  });

  it("succeeds once staging promoted the same images", () => {
    const decision = decide([changed("production")], [recordAfter("staging", "succeeded")]);
    expect([decision.verdict, decision.canaries[0]?.reason]).toEqual(["success", "ghcr.io/stefanprodan/podinfo:6.5.0 promoted in staging (the run attributed to #5, the revision merged last)"]);
  });

  it("fails when staging's run of those images failed", () => {
    const decision = decide([changed("production")], [recordAfter("staging", "failed")]);
    expect([decision.verdict, decision.reason]).toEqual(["failure", "production/test/podinfo: ghcr.io/stefanprodan/podinfo:6.5.0 failed its analysis in staging"]);
  });

  it("does not accept other images promoted in staging", () => {
    const decision = decide([changed("production", { images: ["ghcr.io/stefanprodan/podinfo:6.6.0"] })], [recordAfter("staging", "succeeded")]);
    expect([decision.verdict, decision.canaries[0]?.reason]).toEqual(["pending", "waiting for ghcr.io/stefanprodan/podinfo:6.6.0 to be promoted in staging (the Canary there is Succeeded)"]);
  });

  it("stays pending, saying why, when staging's run cannot be attributed", () => {
    const decision = decide([changed("production")], [recordAfter("staging", "succeeded", { merges: 2 })]);
    expect(decision.verdict).toBe("pending");
    expect(decision.canaries[0]?.reason).toBe("a run in staging ended (succeeded) but cannot be attributed to one revision: 2 revisions were merged since the previous run started");
  });

  it("looks for the counterpart the build names, and lets the rule go when there is none", () => {
    const moved = { ...recordAfter("staging", "succeeded"), namespace: "podinfo-staging" };
    expect(decide([changed("production", { counterpart: { namespace: "podinfo-staging", name: "podinfo" } })], [moved]).verdict).toBe("success");
    expect(decide([changed("production")], [moved]).verdict).toBe("pending");
    const none = decide([changed("production", { counterpart: null })]);
    expect([none.verdict, none.canaries[0]?.reason]).toEqual(["success", "staging has no such Canary; the promotedIn rule does not apply to it"]);
  });

  it("is pending while production itself is rolling out another revision (the lock), and released on a terminal phase", () => {
    const staging = recordAfter("staging", "succeeded");
    const locked = decide([changed("production")], [staging, recordAfter("production", "open")]);
    expect(locked.verdict).toBe("pending");
    expect(locked.canaries[0]?.lock).toEqual({ cluster: "production", pullRequest: 5, progress: { phase: "Progressing", canaryWeight: 20, iterations: 0, startedAt: T0 } });
    expect(locked.canaries[0]?.reason).toBe("a rollout is in progress in production (Progressing, canary weight 20%, from #5); merging now would supersede it");
    const released = decide([changed("production")], [staging, recordAfter("production", "failed")]);
    expect([released.verdict, released.canaries[0]?.lock]).toEqual(["success", null]);
  });
});

describe("decideMergeGate without a rule", () => {
  it("succeeds with a one-line reason", () => {
    expect(decide([changed("staging")]).reason).toBe("environment staging has no promotedIn rule; nothing to wait for");
    expect(decide([changed(null)]).reason).toBe("its manifest is in no environment of .github/canary-bot.yml; no promotion rule applies");
    expect(decide([changed("production", { newRevision: false })]).reason).toBe("no new revision: Flagger starts no analysis for this change");
    expect(decide([changed("production", { change: "removed" })]).reason).toBe("the Canary is removed; there is nothing to promote");
    expect(decide([]).reason).toBe("the pull request changes no Canary; no promotion rule applies");
    for (const c of [changed("staging"), changed(null), changed("production", { newRevision: false })]) expect(decide([c]).verdict).toBe("success");
  });

  it("tells a second PR that a rollout of the Canary is in progress", () => {
    const decision = decide([changed("staging")], [recordAfter("staging", "open")]);
    expect([decision.verdict, decision.canaries[0]?.lock?.pullRequest]).toEqual(["pending", 5]);
  });
});

describe("decideMergeGate for preview environments", () => {
  it("gates a PR on its own head promoted in the preview cluster, with no lock", () => {
    expect(decide([changed("preview")]).verdict).toBe("pending");
    const open = decide([changed("preview")], [recordAfter("preview", "open")]);
    expect([open.verdict, open.canaries[0]?.rule, open.canaries[0]?.lock]).toEqual(["pending", "preview", null]);
    expect(decide([changed("preview")], [recordAfter("preview", "succeeded")]).verdict).toBe("success");
    expect(decide([changed("preview")], [recordAfter("preview", "failed")]).verdict).toBe("failure");
  });
});

describe("decideMergeGate overrides", () => {
  const skip: RecordedGateDecision = { kind: "skip-gate", actor: "octocat", reason: "hotfix", at: T0, headSha: HEAD };
  it("lets a skip-gate on this head pass, not one on an older head", () => {
    const skipped = decide([changed("production")], [recordAfter("staging", "failed")], [skip]);
    expect([skipped.verdict, skipped.reason, skipped.override?.kind]).toEqual(["success", "gate skipped by octocat: hotfix", "skip-gate"]);
    expect(decide([changed("production")], [recordAfter("staging", "failed")], [{ ...skip, headSha: "b".repeat(40) }]).verdict).toBe("failure");
  });

  it("holds until an unhold, whatever the rest says", () => {
    const hold: RecordedGateDecision = { kind: "hold", actor: "sre", reason: "freeze", at: T0 + MINUTE, headSha: "c".repeat(40) };
    const held = decide([changed("staging")], [], [skip, hold]);
    expect([held.verdict, held.reason]).toEqual(["pending", "held by sre: freeze"]);
    const unhold: RecordedGateDecision = { kind: "unhold", actor: "sre", reason: "", at: T0 + 2 * MINUTE, headSha: HEAD };
    expect(decide([changed("staging")], [], [unhold, hold]).override).toBeNull();
  });
});

describe("the records a gate reads, and what a merge records", () => {
  it("lists each Canary's own and promotedIn records", () => {
    const keys = listGateRecordKeys({
      environments: ENVIRONMENTS,
      canaries: [changed("production"), changed("production", { name: "backend", counterpart: { namespace: "backend-staging", name: "backend" } }), changed("production", { name: "only-prod", counterpart: null }), changed(null), changed("preview")],
    });
    expect(keys.map((k) => `${k.cluster}/${k.namespace}/${k.name}`)).toEqual([
      "production/test/podinfo",
      "staging/test/podinfo",
      "production/test/backend",
      "staging/backend-staging/backend",
      "production/test/only-prod",
      "preview/test/podinfo",
    ]);
  });

  it("records a merge for new revisions in merge-driven environments only", () => {
    const observations = buildMergeObservations({
      environments: ENVIRONMENTS,
      canaries: [changed("staging"), changed("production", { newRevision: false }), changed("preview"), changed(null), changed("staging", { name: "gone", change: "removed" })],
      pullRequest: 41,
      mergeSha: "m".repeat(40),
      mergedAt: T0,
    });
    expect(observations).toEqual([{ kind: "merge", key: { cluster: "staging", namespace: "test", name: "podinfo" }, merge: { pullRequest: 41, sha: "m".repeat(40), mergedAt: T0, images: IMAGES } }]);
  });
});

describe("decideMergeGroup", () => {
  const ok = decide([changed("staging")]);
  const waiting = decide([changed("production")]);
  const failed = decide([changed("production")], [recordAfter("staging", "failed")]);
  it("passes a group whose pull requests all passed, and fails it at once otherwise (never pending)", () => {
    expect(decideMergeGroup({ pullRequests: [{ number: 1, decision: ok }, { number: 2, decision: ok }], now: NOW })).toMatchObject({ verdict: "success", reason: "the promotion gate passed for #1, #2" });
    expect(decideMergeGroup({ pullRequests: [{ number: 1, decision: ok }, { number: 2, decision: waiting }], now: NOW })).toMatchObject({ verdict: "failure", reason: "the promotion gate is still pending for #2" });
    expect(decideMergeGroup({ pullRequests: [{ number: 3, decision: failed }], now: NOW }).reason).toBe("the promotion gate failed for #3");
    expect(decideMergeGroup({ pullRequests: [{ number: 4, decision: null }], now: NOW }).reason).toBe("no promotion decision is recorded for #4; re-run the check on the pull request");
    expect(decideMergeGroup({ pullRequests: [], now: NOW }).verdict).toBe("failure");
  });
});
