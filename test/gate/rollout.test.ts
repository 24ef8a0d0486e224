import { describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../../src/config/schema.js";
import type { ChangedCanary } from "../../src/gate/merge-gate.js";
import { applyObservation, type PromotionRecord } from "../../src/gate/promotion.js";
import { decideMergedRollout, renderRolloutCommitStatus, renderRolloutSection } from "../../src/gate/rollout.js";
import { findMarkdownProblems } from "../support/gfm.js";
import { MINUTE, runEvents, T0 } from "./helpers.js";

const ENVIRONMENTS: EnvironmentConfig[] = [
  { name: "staging", paths: ["staging/**"], cluster: "staging" },
  { name: "preview", paths: ["preview/**"], cluster: "preview", previewOf: "pull-requests" },
];
const IMAGES = ["podinfo:6.5.0"];
const canary = (fields: Partial<ChangedCanary> = {}): ChangedCanary => ({ environment: "staging", namespace: "test", name: "podinfo", change: "changed", newRevision: true, images: IMAGES, ...fields });

function staging(outcome: "succeeded" | "failed" | "open"): PromotionRecord {
  let record: PromotionRecord | null = applyObservation(null, { kind: "merge", key: { cluster: "staging", namespace: "test", name: "podinfo" }, merge: { pullRequest: 41, sha: "4".repeat(40), mergedAt: T0 - MINUTE, images: IMAGES } }).record;
  for (const event of runEvents({ previous: "a", checksum: "b", start: T0, outcome })) record = applyObservation(record, { kind: "event", event }).record;
  return record;
}

describe("decideMergedRollout", () => {
  it("follows the merged revision in its own environment to its outcome", () => {
    expect(decideMergedRollout({ environments: ENVIRONMENTS, canaries: [canary()], records: [] }).verdict).toBe("pending");
    const running = decideMergedRollout({ environments: ENVIRONMENTS, canaries: [canary()], records: [staging("open")] });
    expect([running.verdict, running.reason]).toEqual(["pending", "staging/test/podinfo: podinfo:6.5.0 is being analysed in staging: Progressing, canary weight 20%"]);
    expect(decideMergedRollout({ environments: ENVIRONMENTS, canaries: [canary()], records: [staging("succeeded")] }).verdict).toBe("success");
    const failed = decideMergedRollout({ environments: ENVIRONMENTS, canaries: [canary()], records: [staging("failed")] });
    expect(renderRolloutCommitStatus(failed)).toEqual({ context: "canary/rollout", state: "failure", description: "staging/test/podinfo: podinfo:6.5.0 failed its analysis in staging" });
    expect(findMarkdownProblems(renderRolloutSection(failed))).toEqual([]);
    expect(renderRolloutSection(failed)).toContain("| ❌ | staging · test/podinfo | podinfo:6.5.0 failed its analysis in staging |");
  });

  it("has nothing to follow for previews, unconfigured environments and changes without a new revision", () => {
    const none = decideMergedRollout({ environments: ENVIRONMENTS, canaries: [canary({ environment: "preview" }), canary({ environment: null }), canary({ newRevision: false })], records: [] });
    expect([none.verdict, none.reason, none.canaries]).toEqual(["success", "the merge starts no Flagger analysis to follow", []]);
  });

  it("cuts the commit status description to 140 characters", () => {
    const long = decideMergedRollout({ environments: ENVIRONMENTS, canaries: [canary({ images: Array.from({ length: 10 }, (_, i) => `registry.example.com/team/image-${i}:1.0.0`) })], records: [] });
    const status = renderRolloutCommitStatus(long);
    expect([status.description.length, status.description.endsWith("…")]).toEqual([140, true]);
  });
});
