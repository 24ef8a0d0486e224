import { describe, expect, it } from "vitest";
import { buildMergeGateOverrides } from "../../src/commands/overrides.js";
import type { CanaryIdentity, CommandRecord } from "../../src/commands/records.js";

const staging: CanaryIdentity = { environment: "staging", cluster: "staging", namespace: "test", name: "podinfo" };
const prod: CanaryIdentity = { ...staging, environment: "production", cluster: "prod-eu" };

let line = 0;
const record = (verb: CommandRecord["verb"], at: string, overrides: Partial<CommandRecord> = {}): CommandRecord => ({
  key: `k${(line += 1)}`,
  verb,
  hook: null,
  outcome: "accepted",
  refusal: null,
  grounds: "g",
  actor: "bob",
  at,
  repository: "o/r",
  pullRequest: 7,
  commentId: line,
  line: 1,
  headSha: "aaa",
  canary: staging,
  runId: null,
  revision: null,
  reason: null,
  consumedAt: null,
  invalidatedAt: null,
  invalidation: null,
  ...overrides,
});

const overrides = (records: CommandRecord[], headSha = "aaa") => buildMergeGateOverrides({ records, repository: "o/r", pullRequest: 7, headSha });

describe("buildMergeGateOverrides", () => {
  it("keeps a hold until an unhold written after it, per Canary", () => {
    const hold = record("hold", "2026-11-29T10:00:00Z", { reason: "DB migration first" });
    expect(overrides([hold]).holds).toEqual([{ canary: staging, actor: "bob", at: hold.at, reason: "DB migration first" }]);
    expect(overrides([record("unhold", "2026-11-29T10:01:00Z"), hold]).holds).toEqual([]);
    expect(overrides([hold, record("unhold", "2026-11-29T09:59:00Z")]).holds).toHaveLength(1);
    expect(overrides([hold, record("unhold", "2026-11-29T10:01:00Z", { canary: prod })]).holds).toHaveLength(1);
  });

  it("ignores refused commands and other pull requests", () => {
    expect(overrides([record("hold", "2026-11-29T10:00:00Z", { outcome: "refused" })]).holds).toEqual([]);
    expect(overrides([record("hold", "2026-11-29T10:00:00Z", { pullRequest: 8 })]).holds).toEqual([]);
    expect(overrides([record("unhold", "2026-11-29T10:01:00Z", { outcome: "refused" }), record("hold", "2026-11-29T10:00:00Z")]).holds).toHaveLength(1);
  });

  it("counts a skip only on the head it was given on", () => {
    const skip = record("skip-gate", "2026-11-29T10:00:00Z", { reason: "hotfix" });
    expect(overrides([skip]).skips).toEqual([{ canary: staging, actor: "bob", at: skip.at, reason: "hotfix", headSha: "aaa" }]);
    expect(overrides([skip], "bbb").skips).toEqual([]);
  });
});
