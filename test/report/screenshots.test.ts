/**
 * The comment as GitHub shows it (Chromium, GitHub's stylesheet, the 780 px comment column): no
 * table scrolls sideways, even with 40-character Canary names, and every diagram renders.
 * `UPDATE_SCREENSHOTS=1 npx vitest run test/report/screenshots.test.ts` also writes the PNGs of
 * docs/screenshots (the README shows the demo's).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderApprovalsSection } from "../../src/commands/render-approvals.js";
import type { CanaryGate, GateDecision } from "../../src/gate/merge-gate.js";
import { renderPromotionSection } from "../../src/gate/render-promotion.js";
import { composeStickyComment } from "../../src/github/stored-sections.js";
import { commandRecord, gateCallRecord } from "../support/approvals.js";
import { openGitHubPage, type GitHubPage } from "../support/github-page.js";
import { renderTimelineMarkdown } from "../../src/timeline/render-markdown.js";
import { reviewGenerated } from "../review/generated.js";
import { canaryYaml, timelineOf } from "../timeline/helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const SHOTS = join(ROOT, "docs/screenshots");
const UPDATE = process.env.UPDATE_SCREENSHOTS === "1";

/** Kubernetes names of 40 characters, the width the table must hold without scrolling. */
const longName = (index: number) => `checkout-payments-gateways-eu-west-1-${String(index).padStart(3, "0")}`;

const COMMENTS = {
  demo: readFileSync(join(ROOT, "fixtures/gitops-podinfo/expected-review.md"), "utf8"),
  "review-14": reviewGenerated(14, { errors: [3, 8, 12], rename: longName }).comment,
  "review-100": reviewGenerated(100, { errors: Array.from({ length: 20 }, (_, i) => 99 - i * 2), rename: longName }).comment,
  // A 50-step rollout: the line chart must stay readable (its geometry: test/timeline/render.test.ts).
  "timeline-50-steps": renderTimelineMarkdown(timelineOf(canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 1\n    maxWeight: 50\n" })), { table: false }),
};

/** The demo review with the sections the store adds: a gate prompt, the merge gate's decision, and the audit trail. */
function demoWithStoredSections(): string {
  const at = Date.UTC(2026, 10, 29, 12, 9);
  const gate = (name: string, verdict: CanaryGate["verdict"], reason: string, weight: number | null): CanaryGate => ({
    environment: "production",
    cluster: "production",
    namespace: "apps",
    name,
    verdict,
    rule: "promoted-in",
    target: { environment: "staging", cluster: "staging" },
    reason,
    progress: weight === null ? null : { phase: "Progressing", canaryWeight: weight, iterations: 2, startedAt: at - 4 * 60_000 },
    lock: null,
  });
  const decision: GateDecision = {
    verdict: "pending",
    reason: "Waiting for 1 of 2 Canaries to be promoted in staging",
    canaries: [
      gate(longName(1), "pending", "ghcr.io/stefanprodan/podinfo:6.2.0 is being analysed in staging: Progressing, canary weight 20%", 20),
      gate("podinfo", "success", "ghcr.io/stefanprodan/podinfo:6.2.0 promoted in staging", null),
    ],
    override: null,
    evaluatedAt: at,
  };
  const approvals = renderApprovalsSection({
    records: [
      commandRecord({ actor: "alice", at: "2026-11-29T12:05:00.000Z", runId: "staging/test/podinfo@2026-11-29T12:00:00.000Z" }),
      commandRecord({ commentId: 1002, runId: "staging/test/podinfo@2026-11-29T12:00:00.000Z", verb: "rollback", hook: "rollback", outcome: "refused", refusal: "mallory has read permission; rollback needs write or an approver of staging", grounds: null, actor: "mallory", at: "2026-11-29T12:07:00.000Z" }),
    ],
    gateCallSummaries: [
      {
        calls: 14,
        last: gateCallRecord({ at: "2026-11-29T12:08:00.000Z" }),
      },
      {
        // The longest answer: a call of a newer run than canary-bot knows.
        calls: 31,
        last: gateCallRecord({
          at: "2026-11-29T12:08:30.000Z",
          hook: "rollback",
          code: "RUN_UNKNOWN",
          reason: "Flagger calls with checksum 7f6e5d4c3b, not that of run staging/test/podinfo@2026-11-29T12:00:00.000Z of test/podinfo in cluster staging (85d557f47b): a newer run canary-bot has not heard of yet, which no approval given so far opens",
        }),
      },
    ],
  });
  return composeStickyComment({
    reviewBody: COMMENTS.demo,
    stored: { prompts: ["podinfo in staging is waiting for promotion: comment `/canary promote podinfo --env staging`"], sections: [renderPromotionSection(decision), approvals] },
  });
}

describe("the comment in GitHub's layout", () => {
  let page: GitHubPage;
  beforeAll(async () => {
    page = await openGitHubPage();
    if (UPDATE) mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(() => page?.close());

  it("the measurement can fail: a table with an unbreakable 150-character cell scrolls", async () => {
    const layout = await page.show(`| Canary | Verdict |\n| --- | --- |\n| \`${"x".repeat(150)}\` | ok |`);
    expect(layout.overflowingTables).toHaveLength(1);
  });

  it("uses names of 40 characters in the wide reviews", () => {
    expect(longName(12)).toHaveLength(40);
    expect(COMMENTS["review-14"]).toContain(`\`apps/${longName(12)}\``);
  });

  it("with the stored sections: the prompt above the review, Promotion and Approvals below it, no table scrolls", async () => {
    const comment = demoWithStoredSections();
    const layout = await page.show(comment, { open: false });
    if (UPDATE) await page.screenshot(join(SHOTS, "stored-sections.png"));
    expect(layout.overflowingTables).toEqual([]);
    const text = await page.visibleText();
    // The prompt is the first thing read after the title line is hidden: above the review's heading.
    expect(text.indexOf("waiting for promotion")).toBeGreaterThanOrEqual(0);
    expect(text.indexOf("waiting for promotion")).toBeLessThan(text.indexOf("canary-bot review"));
    expect(text.indexOf("Promotion")).toBeGreaterThan(text.indexOf("canary-bot review"));
    expect(text.indexOf("Approvals")).toBeGreaterThan(text.indexOf("Promotion"));
    if (UPDATE) await page.screenshot(join(SHOTS, "stored-sections.png"));
  });

  for (const [name, comment] of Object.entries(COMMENTS)) {
    it(`${name}: no table scrolls sideways at 780 px, every diagram renders`, async () => {
      const layout = await page.show(comment, { open: true });
      expect(layout.overflowingTables).toEqual([]);
      expect(layout.diagramErrors).toEqual([]);
      if (name !== "review-100") expect(layout.diagrams).toBeGreaterThan(0);
      if (name === "timeline-50-steps") expect(layout.diagrams).toBe(2);
      if (UPDATE) {
        await page.show(comment, { open: name === "demo" });
        await page.screenshot(join(SHOTS, `${name}.png`));
      }
    });
  }

  it("the demo in the dark theme: diagrams render there too", async () => {
    const layout = await page.show(COMMENTS.demo, { theme: "dark", open: true });
    expect(layout.diagramErrors).toEqual([]);
    expect(layout.overflowingTables).toEqual([]);
    if (UPDATE) await page.screenshot(join(SHOTS, "demo-dark.png"));
  });
});
