/**
 * The comment as drawn from the store: the merge gate's Promotion (only for the head the review
 * saw), the merged PR's Rollout, the prompt when a run waits at a gate, and the Approvals audit trail.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GateCallRecord } from "../../src/commands/records.js";
import type { GateDecision } from "../../src/gate/merge-gate.js";
import type { RolloutReport } from "../../src/gate/rollout.js";
import { queueCommentRedrawsForGateCalls } from "../../src/github/comment-job.js";
import { appendStoredSections } from "../../src/github/review-pull-request.js";
import { composeStickyComment, getStoredCommentSections } from "../../src/github/stored-sections.js";
import { GITHUB_LIMITS } from "../../src/limits.js";
import { REVIEW_MARKER } from "../../src/report/comment.js";
import { ensurePullRequestCanaries, insertCommandRecords, insertGateCalls } from "../../src/store/approvals.js";
import { markPullRequestClosed, markPullRequestMerged, recordGateDecision, recordRolloutReport, upsertGatedPullRequest } from "../../src/store/gate-store.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { openStore, type Store } from "../../src/store/store.js";
import { CANARY, commandRecord, gateCallRecord, promotionWithRun, REVISION, RUN_ID } from "../support/approvals.js";

const HEAD = "c".repeat(40);
const OLD_HEAD = "b".repeat(40);
const PR = { owner: "acme", repo: "gitops", number: 7 };
const RUN_START = Date.parse("2026-11-29T12:00:00.000Z");
const environments = [{ name: "staging", paths: ["staging/**"], cluster: "staging" }];

function decision(reason: string): GateDecision {
  return { verdict: "pending", reason, canaries: [], override: null, evaluatedAt: RUN_START };
}

const gateCall = (overrides: Partial<GateCallRecord>) => gateCallRecord(overrides);

const nonEmpty = (sections: string[]) => sections.filter((s) => s !== "");

describe("stored comment sections", () => {
  let store: Store;
  // One PGlite per file (it takes seconds to start on a busy machine); each test starts from empty tables.
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  beforeEach(async () => {
    await store.query("TRUNCATE gate_pull_requests, pull_request_canaries, command_records, gate_calls, promotion_records, jobs, pull_request_comments RESTART IDENTITY");
  });
  afterAll(async () => {
    await store.close();
  });

  async function seedPullRequest(headSha = HEAD) {
    await upsertGatedPullRequest(store, { ...PR, installationId: 1, headSha, state: "open", environments, canaries: [] });
    await ensurePullRequestCanaries(store, { repository: "acme/gitops", pullRequest: PR.number, headSha, canaries: [{ canary: CANARY, revision: REVISION, gates: null }] });
  }

  it("draws nothing for a pull request the store knows nothing about", async () => {
    const stored = await getStoredCommentSections(store, { ...PR, headSha: HEAD });
    expect(stored.prompts).toEqual([]);
    expect(nonEmpty(stored.sections)).toEqual([]);
  });

  it("draws the Approvals audit trail from the stored command records", async () => {
    await insertCommandRecords(store, [commandRecord({ pullRequest: PR.number })]);
    const sections = nonEmpty((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).sections);
    expect(sections).toHaveLength(1);
    expect(sections[0]).toContain("#### Approvals");
    expect(sections[0]).toContain("alice");
    expect(sections[0]).toContain("/canary promote");
  });

  it("shows the Promotion decision only for the head it was made for", async () => {
    await seedPullRequest(OLD_HEAD);
    await recordGateDecision(store, { ...PR, headSha: OLD_HEAD, decision: decision("waiting for staging") });
    expect(nonEmpty((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).sections)).toEqual([]);
    const old = nonEmpty((await getStoredCommentSections(store, { ...PR, headSha: OLD_HEAD })).sections);
    expect(old[0]).toContain("#### Promotion");
    expect(old[0]).toContain("waiting for staging");
  });

  it("adds the Rollout section once the pull request is merged", async () => {
    await seedPullRequest();
    const rollout: RolloutReport = { verdict: "pending", reason: "staging/test/podinfo: being analysed, weight 20%", canaries: [] };
    await recordRolloutReport(store, { ...PR, rollout });
    // Open: a rollout report of an open pull request is not shown (there is none to follow yet).
    expect((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).sections.join("")).not.toContain("Rollout");
    await markPullRequestMerged(store, { ...PR, mergeSha: "d".repeat(40), mergedAt: RUN_START });
    const merged = nonEmpty((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).sections);
    expect(merged.some((s) => s.startsWith("#### Rollout ⏳") && s.includes("being analysed, weight 20%"))).toBe(true);
  });

  describe("gate prompts", () => {
    beforeEach(async () => {
      await seedPullRequest();
      const records = createStorePromotionStore(store);
      await records.upsertPromotionRecord({ record: promotionWithRun({ startedAt: RUN_START, phase: "WaitingPromotion" }), expectedVersion: null });
    });

    it("asks for the command while the current run waits at a gate, and only then", async () => {
      expect((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).prompts).toEqual([]);
      await insertGateCalls(store, [gateCall({})]);
      expect((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).prompts).toEqual(["podinfo in staging is waiting for promotion: comment `/canary promote`"]);
    });

    it("does not ask for a run that is over, for another run's call, or once an approval waits for the next call", async () => {
      await insertGateCalls(store, [gateCall({ runId: "staging/test/podinfo@2026-11-28T12:00:00.000Z" })]);
      expect((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).prompts).toEqual([]);
      await insertGateCalls(store, [gateCall({ at: "2026-11-29T12:07:00.000Z" })]);
      expect((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).prompts).toHaveLength(1);
      await insertCommandRecords(store, [commandRecord({ pullRequest: PR.number, runId: RUN_ID, headSha: HEAD })]);
      expect((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).prompts).toEqual([]);
      const records = createStorePromotionStore(store);
      const current = (await records.getPromotionRecord(CANARY))!;
      await records.upsertPromotionRecord({ record: promotionWithRun({ startedAt: RUN_START, phase: "Succeeded", outcome: "succeeded", endedAt: RUN_START + 600_000 }), expectedVersion: current.version });
      await store.query("DELETE FROM command_records");
      expect((await getStoredCommentSections(store, { ...PR, headSha: HEAD })).prompts).toEqual([]);
    });

    it("does not ask on a pull request whose head the review has not seen yet", async () => {
      await insertGateCalls(store, [gateCall({})]);
      expect((await getStoredCommentSections(store, { ...PR, headSha: "e".repeat(40) })).prompts).toEqual([]);
    });

    it("queues a redraw of the open pull requests' comments when a gate's answer changes, not at every poll", async () => {
      const queued = async () => (await store.query<{ key: string }>("SELECT key FROM jobs WHERE kind = 'comment' ORDER BY key")).map((r) => r.key);
      // As the gate route does: store, then compare with the calls stored before (read by the insert).
      const store1 = async (calls: GateCallRecord[]) => {
        let n = 0;
        const { previous } = await insertGateCalls(store, calls);
        await queueCommentRedrawsForGateCalls(store, { calls, previous }, (count) => (n = count));
        return n;
      };
      expect(await store1([gateCall({})])).toBe(1);
      expect(await queued()).toEqual(["1/acme/gitops#7"]);
      await store.query("DELETE FROM jobs");
      expect(await store1([gateCall({ at: "2026-11-29T12:07:00.000Z" }), gateCall({ at: "2026-11-29T12:08:00.000Z" })])).toBe(0);
      expect(await store1([gateCall({ at: "2026-11-29T12:09:00.000Z", name: "frontend" })])).toBe(0);
      expect(await store1([gateCall({ at: "2026-11-29T12:10:00.000Z", status: 200, code: "APPROVED" })])).toBe(1);
      expect(await queued()).toEqual(["1/acme/gitops#7"]);
      await markPullRequestClosed(store, PR);
      expect(await store1([gateCall({ at: "2026-11-29T12:11:00.000Z" })])).toBe(0);
    });

    it("summarises Flagger's calls per gate with their count and latest answer", async () => {
      await insertGateCalls(store, [gateCall({ at: "2026-11-29T12:06:00.000Z" }), gateCall({ at: "2026-11-29T12:07:00.000Z" }), gateCall({ at: "2026-11-29T12:08:00.000Z", status: 200, code: "APPROVED", reason: "approved by alice" })]);
      const approvals = (await getStoredCommentSections(store, { ...PR, headSha: HEAD })).sections.find((s) => s.includes("#### Approvals"))!;
      const row = approvals.split("\n").find((line) => line.includes("confirm-promotion"))!;
      expect(row).toContain("| 3 |");
      expect(row).toContain("2026-11-29 12:08 UTC");
      expect(row).toContain("✅ 200: approved by alice");
    });
  });

  it("puts the prompts right after the marker line, above the review", () => {
    const review = `${REVIEW_MARKER}\n### 🐤 canary-bot review\n\nbody`;
    const body = composeStickyComment({ reviewBody: review, stored: { prompts: ["a waits", "b waits"], sections: ["### Approvals\n\nrow"] } });
    const lines = body.split("\n");
    expect(lines[0]).toBe(REVIEW_MARKER);
    expect(lines.slice(1, 4)).toEqual(["> ⏸️ **a waits**", ">", "> ⏸️ **b waits**"]);
    expect(body.indexOf("### 🐤 canary-bot review")).toBeGreaterThan(body.indexOf("b waits"));
    expect(body.endsWith("### Approvals\n\nrow")).toBe(true);
    const many = composeStickyComment({ reviewBody: review, stored: { prompts: Array.from({ length: 12 }, (_, i) => `p${i}`), sections: [] } });
    expect(many.match(/⏸️/g)).toHaveLength(GITHUB_LIMITS.gatePromptsShown);
    expect(many).toContain(`… and ${12 - GITHUB_LIMITS.gatePromptsShown} more gates wait`);
  });

  it("appends sections after the review and never past what GitHub accepts for a comment", () => {
    expect(appendStoredSections("review", ["", "### Approvals\n\nrow"])).toBe("review\n\n### Approvals\n\nrow");
    const full = "x".repeat(GITHUB_LIMITS.commentChars);
    const long = `### Approvals\n\n${"| a | b |\n".repeat(2_000)}`;
    const body = appendStoredSections(full, [long, long, long]);
    expect(body.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentBodyChars);
    expect(body.startsWith(full)).toBe(true);
    expect(body.length).toBeGreaterThan(full.length);
  });
});
