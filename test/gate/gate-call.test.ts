import { describe, expect, it } from "vitest";
import type { CommandRecord } from "../../src/commands/records.js";
import { GATE_HOOKS, verbOfHook } from "../../src/commands/verbs.js";
import { buildRejectedGateCallRecord, decideGateCall, httpStatusOf, parseGateCall, type GateCall } from "../../src/gate/gate-call.js";
import { HEAD, actor, commentBy, production, runComment, runOf } from "./authorize-support.js";

const run = runOf(production);
const known = ["staging", "prod-eu"];
const payload = { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "85d557f47b" };

function call(hook: GateCall["hook"], phase: string): GateCall {
  return { cluster: "prod-eu", hook, name: "podinfo", namespace: "test", phase, checksum: "85d557f47b", metadata: {} };
}

function approval(verb: string, at = "2026-11-29T10:05:00Z", id = 1): CommandRecord[] {
  return runComment({ payload: commentBy("alice", `/canary ${verb}`, { id, at }), actor: actor("alice"), runs: [run] }).records;
}

const heads = new Map([["Codertocat/Hello-World#1", HEAD]]);
const decide = (c: GateCall, records: readonly CommandRecord[], r = run) => decideGateCall({ call: c, run: r, records, currentHeads: heads, now: "2026-11-29T10:10:00Z" });

describe("parseGateCall", () => {
  it("reads Flagger's payload, metadata optional", () => {
    expect(parseGateCall({ cluster: "prod-eu", hook: "confirm-promotion", body: payload, knownClusters: known })).toEqual({
      ok: true,
      call: { cluster: "prod-eu", hook: "confirm-promotion", ...payload, metadata: {} },
    });
    const withMetadata = parseGateCall({ cluster: "prod-eu", hook: "rollback", body: { ...payload, metadata: { a: "b" } }, knownClusters: known });
    expect(withMetadata.ok && withMetadata.call.metadata).toEqual({ a: "b" });
  });

  it.each([
    [null, "expected a JSON object"],
    [[payload], "expected a JSON object"],
    ["podinfo", "expected a JSON object"],
    [{ ...payload, name: "" }, "name must be the Canary's name"],
    [{ ...payload, name: "PodInfo" }, "name must be the Canary's name"],
    [{ ...payload, namespace: 3 }, "namespace must be the Canary's namespace"],
    [{ ...payload, phase: undefined }, "phase must be a string"],
    [{ ...payload, checksum: 1 }, "checksum must be a string"],
    [{ ...payload, metadata: { a: 1 } }, "metadata must map strings to strings"],
    [{ ...payload, metadata: ["a"] }, "metadata must map strings to strings"],
  ])("refuses an invalid payload %j (400)", (body, why) => {
    const parsed = parseGateCall({ cluster: "prod-eu", hook: "confirm-promotion", body, knownClusters: known });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.decision).toEqual({ status: 403, code: "INVALID_PAYLOAD", reason: `the body is not Flagger's webhook payload: ${why}` });
    expect(httpStatusOf(parsed.decision)).toBe(400);
  });

  it("refuses an unknown cluster (404) before reading anything else", () => {
    const parsed = parseGateCall({ cluster: "nowhere", hook: "nonsense", body: null, knownClusters: known });
    expect(!parsed.ok && parsed.decision.code).toBe("UNKNOWN_CLUSTER");
    expect(!parsed.ok && httpStatusOf(parsed.decision)).toBe(404);
  });

  it("refuses hooks that are not gates, such as pre-rollout and event (400)", () => {
    for (const hook of ["pre-rollout", "event", "post-rollout", ""]) {
      const parsed = parseGateCall({ cluster: "prod-eu", hook, body: payload, knownClusters: known });
      expect(!parsed.ok && parsed.decision.code).toBe("UNKNOWN_HOOK");
    }
  });
});

describe("decideGateCall", () => {
  it.each(GATE_HOOKS.map((hook) => [hook, verbOfHook(hook)]))("opens %s after /canary %s for the current run", (hook, verb) => {
    const phase = hook === "confirm-rollout" ? "Waiting" : "Progressing";
    const records = approval(verb);
    expect(records[0]!.outcome).toBe("accepted");
    expect(decide(call(hook, phase), []).decision.status).toBe(403);
    const outcome = decide(call(hook, phase), records);
    expect(outcome.decision).toEqual({ status: 200, code: "APPROVED", reason: `opened by alice's /canary ${verb} on #1 (head ec26c3e) for run prod-eu/test/podinfo#1` });
    expect(outcome.consume).toEqual({ key: records[0]!.key, at: "2026-11-29T10:10:00Z" });
  });

  it("keeps opening for the same run (blue/green asks confirm-promotion twice), consuming once", () => {
    const records = approval("promote");
    const first = decide(call("confirm-promotion", "Progressing"), records);
    const consumed = records.map((r) => ({ ...r, consumedAt: first.consume!.at }));
    const second = decide(call("confirm-promotion", "Progressing"), consumed);
    expect(second.decision.status).toBe(200);
    expect(second.consume).toBeNull();
  });

  it("answers a waiting run with the command that opens it", () => {
    expect(decide(call("confirm-promotion", "Progressing"), []).decision).toEqual({
      status: 403,
      code: "NOT_APPROVED",
      reason: "run prod-eu/test/podinfo#1 of test/podinfo in cluster prod-eu waits for /canary promote on its pull request",
    });
  });

  it("accepts confirm-rollout in every phase Flagger calls it with, and refuses others", () => {
    const records = approval("approve");
    for (const phase of ["Initialized", "Succeeded", "Failed", "Waiting"]) expect(decide(call("confirm-rollout", phase), records).decision.status).toBe(200);
    for (const phase of ["Progressing", ""]) expect(decide(call("confirm-rollout", phase), records).decision.code).toBe("PHASE_MISMATCH");
    expect(decide(call("rollback", "Succeeded"), approval("rollback")).decision.code).toBe("PHASE_MISMATCH");
  });

  it("refuses when no run is known, or the known run ended", () => {
    const records = approval("promote");
    expect(decideGateCall({ call: call("confirm-promotion", "Progressing"), run: null, records, currentHeads: heads, now: "t" }).decision.code).toBe("NO_RUN");
    expect(decide(call("confirm-promotion", "Progressing"), records, { ...run, endedAt: "2026-11-29T10:09:00Z", phase: "Succeeded" }).decision.code).toBe("RUN_ENDED");
  });

  it("refuses an in-run call whose checksum is not the known run's: a newer run canary-bot has not heard of", () => {
    const known = { ...run, checksum: "85d557f47b" };
    for (const [verb, hook] of [["promote", "confirm-promotion"], ["advance", "confirm-traffic-increase"], ["rollback", "rollback"]] as const) {
      const records = approval(verb);
      expect(decide(call(hook, "Progressing"), records, known).decision.status, hook).toBe(200);
      expect(decide({ ...call(hook, "Progressing"), checksum: "6c8f9d4b7" }, records, known).decision, hook).toMatchObject({
        status: 403,
        code: "RUN_UNKNOWN",
        reason: expect.stringContaining("Flagger calls with checksum 6c8f9d4b7, not that of run"),
      });
      // Nothing to compare with: the run's checksum is unknown, or Flagger sent none.
      expect(decide({ ...call(hook, "Progressing"), checksum: "6c8f9d4b7" }, records).decision.status, hook).toBe(200);
      expect(decide({ ...call(hook, "Progressing"), checksum: "" }, records, known).decision.status, hook).toBe(200);
    }
    // confirm-rollout carries the previous revision's checksum (§4.3): not compared.
    expect(decide({ ...call("confirm-rollout", "Waiting"), checksum: "0000000000" }, approval("approve"), known).decision.status).toBe(200);
  });

  it("refuses when the run's revision became unknown or changed since the approval", () => {
    const records = approval("promote");
    expect(decide(call("confirm-promotion", "Progressing"), records, { ...run, revision: null }).decision).toMatchObject({ status: 403, code: "APPROVAL_OUTDATED", reason: expect.stringContaining("no longer knows which revision") });
    expect(decide(call("confirm-promotion", "Progressing"), records, { ...run, revisionAmbiguous: true }).decision.status).toBe(403);
    expect(decide(call("confirm-promotion", "Progressing"), records, { ...run, revision: "podinfo=ghcr.io/stefanprodan/podinfo:6.6.0" }).decision).toMatchObject({
      status: 403,
      reason: expect.stringContaining("now rolls out podinfo=ghcr.io/stefanprodan/podinfo:6.6.0"),
    });
  });

  it("ignores refused and invalidated records", () => {
    const records = approval("promote").map((r) => ({ ...r, invalidatedAt: "2026-11-29T10:06:00Z" }));
    expect(decide(call("confirm-promotion", "Progressing"), records).decision.code).toBe("NOT_APPROVED");
    const refused = approval("promote").map((r) => ({ ...r, outcome: "refused" as const }));
    expect(decide(call("confirm-promotion", "Progressing"), refused).decision.code).toBe("NOT_APPROVED");
  });

  it("opens with the earliest valid approval when an older one no longer applies", () => {
    const old = approval("promote", "2026-11-29T09:00:00Z", 7).map((r) => ({ ...r, runId: "prod-eu/test/podinfo#0" }));
    const current = approval("promote", "2026-11-29T10:05:00Z", 8);
    const outcome = decide(call("confirm-promotion", "Progressing"), [...current, ...old]);
    expect(outcome.decision.status).toBe(200);
    expect(outcome.record.approvalKey).toBe(current[0]!.key);
  });

  it("stores every call with its answer", () => {
    expect(decide(call("rollback", "WaitingPromotion"), []).record).toEqual({
      at: "2026-11-29T10:10:00Z",
      cluster: "prod-eu",
      hook: "rollback",
      namespace: "test",
      name: "podinfo",
      phase: "WaitingPromotion",
      checksum: "85d557f47b",
      runId: "prod-eu/test/podinfo#1",
      status: 403,
      code: "NOT_APPROVED",
      reason: "no /canary rollback was given for run prod-eu/test/podinfo#1 of test/podinfo in cluster prod-eu: not rolling back",
      approvalKey: null,
    });
  });
});

describe("buildRejectedGateCallRecord", () => {
  it("stores a call refused before it could be read, keeping short strings of the body", () => {
    const parsed = parseGateCall({ cluster: "nowhere", hook: "confirm-promotion", body: { ...payload, name: "x".repeat(300) }, knownClusters: known });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(buildRejectedGateCallRecord({ cluster: "nowhere", hook: "confirm-promotion", body: { ...payload, name: "x".repeat(300) }, decision: parsed.decision, now: "t" })).toEqual({
      at: "t",
      cluster: "nowhere",
      hook: "confirm-promotion",
      namespace: "test",
      name: null,
      phase: "Progressing",
      checksum: "85d557f47b",
      runId: null,
      status: 403,
      code: "UNKNOWN_CLUSTER",
      reason: 'no cluster named "nowhere" is configured on this canary-bot server (CLUSTERS_FILE)',
      approvalKey: null,
    });
    expect(buildRejectedGateCallRecord({ cluster: "c", hook: "h", body: "junk", decision: parsed.decision, now: "t" })).toMatchObject({ namespace: null, name: null });
  });
});
