import { describe, expect, it } from "vitest";
import type { CanaryGate, GateDecision } from "../../src/gate/merge-gate.js";
import { formatAge, renderPromotionCheck, renderPromotionSection } from "../../src/gate/render-promotion.js";
import { findMarkdownProblems } from "../support/gfm.js";
import { MINUTE, T0 } from "./helpers.js";

const gate = (fields: Partial<CanaryGate>): CanaryGate => ({
  environment: "production",
  cluster: "production",
  namespace: "test",
  name: "podinfo",
  verdict: "success",
  rule: "promoted-in",
  target: { environment: "staging", cluster: "staging" },
  reason: "podinfo:1 promoted in staging",
  progress: null,
  lock: null,
  ...fields,
});

const decision = (fields: Partial<GateDecision>): GateDecision => ({ verdict: "success", reason: "all good", canaries: [gate({})], override: null, evaluatedAt: T0 + 10 * MINUTE, ...fields });

describe("renderPromotionCheck", () => {
  it("keeps a pending gate in progress, so that a required check blocks", () => {
    const pending = decision({
      verdict: "pending",
      reason: "production/test/podinfo: podinfo:1 is being analysed in staging: Progressing, canary weight 20%",
      canaries: [gate({ verdict: "pending", reason: "podinfo:1 is being analysed in staging: Progressing, canary weight 20%", progress: { phase: "Progressing", canaryWeight: 20, iterations: 0, startedAt: T0 } })],
    });
    const output = renderPromotionCheck(pending);
    expect([output.name, output.status, output.conclusion, output.title]).toEqual(["canary/promotion", "in_progress", null, "Waiting for 1 Canary"]);
    expect(output.summary).toContain("| ⏳ | production · test/podinfo | promoted in staging | podinfo:1 is being analysed in staging: Progressing, canary weight 20% (for 10m) |");
    expect(findMarkdownProblems(output.summary)).toEqual([]);
  });

  it("concludes success and failure, and says when no rule applies", () => {
    expect(renderPromotionCheck(decision({})).conclusion).toBe("success");
    expect(renderPromotionCheck(decision({})).title).toBe("Promoted where required");
    expect(renderPromotionCheck(decision({ canaries: [gate({ rule: "none", target: null })] })).title).toBe("No promotion rule applies");
    const failed = renderPromotionCheck(decision({ verdict: "failure", canaries: [gate({ verdict: "failure" })] }));
    expect([failed.status, failed.conclusion, failed.title]).toEqual(["completed", "failure", "Failed: 1 Canary not promoted"]);
  });

  it("escapes what people wrote: HTML, @mentions and table pipes", () => {
    const skipped = decision({
      reason: "gate skipped by octocat: <img src=x onerror=alert(1)> cc @acme/sre | now",
      override: { kind: "skip-gate", actor: "octocat", reason: "<img src=x onerror=alert(1)> cc @acme/sre | now", at: T0 },
      canaries: [gate({ reason: "<b>x</b> @everyone" })],
    });
    const { summary, title } = renderPromotionCheck(skipped);
    expect(title).toBe("Gate skipped");
    expect(summary).not.toMatch(/<img|<b>|@acme|@everyone/);
    expect(summary).toContain("&lt;img src=x onerror=alert(1)&gt; cc @\u2060acme/sre \\| now");
    expect(summary).toContain("Skipped by octocat at 2026-11-29T12:00:00.000Z.");
    expect(findMarkdownProblems(summary)).toEqual([]);
  });
});

describe("renderPromotionSection", () => {
  it("renders the comment's Promotion section from the decision alone", () => {
    const section = renderPromotionSection(decision({ verdict: "failure", reason: "production/test/podinfo: podinfo:1 failed its analysis in staging", canaries: [gate({ verdict: "failure", reason: "podinfo:1 failed its analysis in staging" })] }));
    expect(section.split("\n").slice(0, 3)).toEqual(["#### Promotion ❌", "", "production/test/podinfo: podinfo:1 failed its analysis in staging"]);
    expect(section).toContain("| ❌ | production · test/podinfo | promoted in staging | podinfo:1 failed its analysis in staging |");
    expect(findMarkdownProblems(section)).toEqual([]);
  });

  it("formats ages", () => {
    expect([formatAge(-5), formatAge(59_999), formatAge(75_000), formatAge(3_600_000), formatAge(3_660_000)]).toEqual(["0s", "59s", "1m 15s", "1h", "1h 1m"]);
  });
});
