/** hold, unhold and skip-gate commands become the merge gate's recorded decisions (issue 12 × 13). */
import { describe, expect, it } from "vitest";
import type { CommandRecord } from "../../src/commands/records.js";
import { decideMergeGate } from "../../src/gate/merge-gate.js";
import { buildGateCommands } from "../../src/github/commands-job.js";

const HEAD = "b".repeat(40);
const canary = (name: string) => ({ environment: "production", cluster: "production", namespace: "test", name });
function record(params: Partial<CommandRecord> & Pick<CommandRecord, "verb" | "line">): CommandRecord {
  return {
    key: `comment/7/line/${params.line}/${params.canary?.name ?? "-"}`,
    hook: null,
    outcome: "accepted",
    refusal: null,
    grounds: "write permission",
    actor: "alice",
    at: "2026-11-29T10:00:00.000Z",
    repository: "acme/gitops",
    pullRequest: 2,
    commentId: 7,
    headSha: HEAD,
    canary: canary("podinfo"),
    runId: null,
    revision: null,
    reason: "waiting for the load test",
    consumedAt: null,
    invalidatedAt: null,
    invalidation: null,
    ...params,
  };
}

describe("buildGateCommands", () => {
  it("keeps one decision per accepted hold, unhold or skip-gate line, whatever the number of Canaries it named", () => {
    const records = [
      record({ verb: "hold", line: 1, canary: canary("podinfo") }),
      record({ verb: "hold", line: 1, canary: canary("frontend") }),
      record({ verb: "promote", line: 2, hook: "confirm-promotion" }),
      record({ verb: "skip-gate", line: 3, outcome: "refused", refusal: "needs admin", grounds: null }),
      record({ verb: "unhold", line: 4, at: "2026-11-29T10:05:00.000Z", reason: null }),
    ];
    expect(buildGateCommands({ records })).toEqual([
      { kind: "hold", actor: "alice", reason: "waiting for the load test", at: Date.parse("2026-11-29T10:00:00.000Z"), headSha: HEAD },
      { kind: "unhold", actor: "alice", reason: "", at: Date.parse("2026-11-29T10:05:00.000Z"), headSha: HEAD },
    ]);
  });

  it("holds a pull request the gate would pass, and a later unhold lifts it", () => {
    const gate = (records: CommandRecord[]) =>
      decideMergeGate({ environments: [{ name: "production", paths: ["**"], cluster: "production" }], headSha: HEAD, canaries: [], records: [], decisions: buildGateCommands({ records }), now: Date.parse("2026-11-29T11:00:00Z") });
    expect(gate([]).verdict).toBe("success");
    expect(gate([record({ verb: "hold", line: 1 })])).toMatchObject({ verdict: "pending", reason: "held by alice: waiting for the load test" });
    expect(gate([record({ verb: "hold", line: 1 }), record({ verb: "unhold", line: 2, at: "2026-11-29T10:05:00.000Z" })]).verdict).toBe("success");
  });
});
