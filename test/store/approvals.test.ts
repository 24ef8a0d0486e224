/** The approvals' tables on PGlite and on a real PostgreSQL (TEST_DATABASE_URL). */
import { describe, expect, it } from "vitest";
import { invalidateApprovalsOnPush } from "../../src/gate/gate-call.js";
import {
  ensurePullRequestCanaries,
  getPullRequestCanaries,
  getPullRequestHead,
  getPullRequestHeads,
  insertCommandRecords,
  insertGateCalls,
  listApprovals,
  listCommandRecords,
  listGateCalls,
  markApprovalConsumed,
  markApprovalsInvalidated,
  upsertPullRequestHead,
} from "../../src/store/approvals.js";
import type { Store } from "../../src/store/index.js";
import { listGateCallSummaries } from "../../src/store/comments.js";
import { CANARY, commandRecord, gateCallRecord, HEAD_SHA, REVISION } from "../support/approvals.js";
import { storeBackends , useStore } from "../support/store.js";

describe.each(storeBackends())("approvals on $name", (backend) => {
  const store = useStore(backend, "TRUNCATE command_records, gate_calls, pull_request_heads, pull_request_canaries RESTART IDENTITY");

  it("stores a command record once: the same key again (a redelivered webhook) adds and changes nothing", async () => {
    const first = commandRecord();
    expect(await insertCommandRecords(store, [first])).toEqual([first]);
    const replay = { ...first, runId: "staging/test/podinfo@2026-11-29T13:00:00.000Z", actor: "mallory" };
    expect(await insertCommandRecords(store, [replay])).toEqual([]);
    expect(await listCommandRecords(store, { repository: "acme/gitops", pullRequest: 7 })).toEqual([first]);
  });

  it("lists the accepted, unvoided approvals of one hook and Canary only", async () => {
    const approval = commandRecord({ commentId: 1 });
    const refused = commandRecord({ commentId: 2, outcome: "refused", refusal: "no", grounds: null });
    const otherHook = commandRecord({ commentId: 3, verb: "rollback", hook: "rollback" });
    const otherCluster = commandRecord({ commentId: 4, canary: { ...CANARY, cluster: "prod-eu" } });
    const help = commandRecord({ commentId: 5, verb: "help", hook: null, canary: null, runId: null, revision: null });
    await insertCommandRecords(store, [approval, refused, otherHook, otherCluster, help]);
    expect(await listApprovals(store, { cluster: "staging", namespace: "test", name: "podinfo", hook: "confirm-promotion" })).toEqual([approval]);
    expect(await listApprovals(store, { cluster: "staging", namespace: "test", name: "podinfo", hook: "rollback" })).toEqual([otherHook]);
  });

  it("marks an approval consumed at the first gate call that it opened, and keeps that time", async () => {
    const approval = commandRecord();
    await insertCommandRecords(store, [approval]);
    await markApprovalConsumed(store, { key: approval.key, at: "2026-11-29T12:10:00.000Z" });
    await markApprovalConsumed(store, { key: approval.key, at: "2026-11-29T12:11:00.000Z" });
    const [stored] = await listApprovals(store, { ...CANARY, hook: "confirm-promotion" });
    expect(stored?.consumedAt).toBe("2026-11-29T12:10:00.000Z");
  });

  it("voids approvals given on an older head when the pull request is pushed to", async () => {
    const old = commandRecord({ commentId: 1 });
    const current = commandRecord({ commentId: 2, headSha: "b".repeat(40) });
    await insertCommandRecords(store, [old, current]);
    const records = await listCommandRecords(store, { repository: "acme/gitops", pullRequest: 7 });
    const voided = invalidateApprovalsOnPush({ records, repository: "acme/gitops", pullRequest: 7, headSha: "b".repeat(40), at: "2026-11-29T12:20:00.000Z" });
    await markApprovalsInvalidated(store, voided);
    expect(await listApprovals(store, { ...CANARY, hook: "confirm-promotion" })).toEqual([current]);
    const all = await listCommandRecords(store, { repository: "acme/gitops", pullRequest: 7 });
    expect(all.find((r) => r.key === old.key)).toMatchObject({ invalidatedAt: "2026-11-29T12:20:00.000Z", invalidation: expect.stringContaining("pushed to") });
  });

  it("stores every gate call with its answer", async () => {
    const call = { at: "2026-11-29T12:10:00.000Z", cluster: "staging", hook: "confirm-promotion", namespace: "test", name: "podinfo", phase: "Progressing", checksum: null, runId: "r1", status: 403 as const, code: "NOT_APPROVED", reason: "waits", approvalKey: null };
    await insertGateCalls(store, [call]);
    await insertGateCalls(store, [{ ...call, at: "2026-11-29T12:11:00.000Z", status: 200, code: "APPROVED", approvalKey: "k" }]);
    await insertGateCalls(store, [{ ...call, cluster: "prod-eu" }]);
    expect((await listGateCalls(store, { cluster: "staging" })).map((c) => c.code)).toEqual(["NOT_APPROVED", "APPROVED"]);
    expect(await listGateCalls(store, { cluster: "staging", namespace: "test", name: "other" })).toEqual([]);
  });

  it("keeps each gate's count and latest call, and returns the latest before each batch from its insert", async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 29, 12, minute)).toISOString();
    const rollback = (minute: number, code: string) => gateCallRecord({ at: at(minute), hook: "rollback", code });
    // A closed rollback gate polled for a long time, and a confirm-promotion gate called early on.
    const first = await insertGateCalls(store, [gateCallRecord({ at: at(0), code: "P0" }), rollback(1, "R1"), rollback(2, "R2")]);
    expect(first.previous).toEqual([]);
    const second = await insertGateCalls(store, [rollback(4, "R4"), rollback(3, "R3"), gateCallRecord({ at: at(3), namespace: null, name: null, code: "UNREAD" })]);
    expect(second.previous.map((c) => [c.hook, c.code])).toEqual([["rollback", "R2"]]);
    // Two calls at the same time: the one stored last is the latest; an older call changes only the count.
    const third = await insertGateCalls(store, [rollback(4, "R4-again"), rollback(0, "LATE"), gateCallRecord({ at: at(5), code: "P5" })]);
    expect(third.previous.map((c) => [c.hook, c.code]).sort()).toEqual([["confirm-promotion", "P0"], ["rollback", "R4"]]);
    expect((await listGateCallSummaries(store, [{ cluster: "staging", namespace: "test", name: "podinfo" }])).map((s) => [s.last.hook, s.calls, s.last.code])).toEqual([
      ["confirm-promotion", 2, "P5"],
      ["rollback", 6, "R4-again"],
    ]);
    // However many calls are stored, the summaries read each gate's latest call by its id, not the
    // Canary's calls (3,000 polls of the rollback gate here).
    await insertGateCalls(store, Array.from({ length: 3_000 }, (_, i) => gateCallRecord({ at: new Date(Date.UTC(2026, 10, 29, 11) + i).toISOString(), hook: "rollback", code: "OLD" })));
    await store.query("ANALYZE gate_calls");
    await store.query("ANALYZE gate_latest");
    let asked: { sql: string; params: readonly unknown[] } | undefined;
    await listGateCallSummaries({ query: async (sql: string, params?: readonly unknown[]) => ((asked = { sql, params: params ?? [] }), []) }, [{ cluster: "staging", namespace: "test", name: "podinfo" }]);
    const plan = (await store.query<{ "QUERY PLAN": string }>(`EXPLAIN ${asked!.sql}`, asked!.params)).map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).toContain("gate_calls_pkey");
    expect(plan).not.toContain("Seq Scan on gate_calls");
    expect((await listGateCallSummaries(store, [{ cluster: "staging", namespace: "test", name: "podinfo" }])).map((s) => [s.last.hook, s.calls, s.last.code])).toEqual([
      ["confirm-promotion", 2, "P5"],
      ["rollback", 3_006, "R4-again"],
    ]);
    await store.query("TRUNCATE gate_calls");
    expect(await listGateCallSummaries(store, [{ cluster: "staging", namespace: "test", name: "podinfo" }])).toEqual([]);
    expect((await insertGateCalls(store, [rollback(9, "R9")])).previous).toEqual([]);
  });

  it("keeps each pull request's newest head: an older push delivered late does not roll it back", async () => {
    const pull = { repository: "acme/gitops", pullRequest: 7 };
    await upsertPullRequestHead(store, { ...pull, headSha: "b".repeat(40), pushedAt: "2026-11-29T12:20:00.000Z" });
    await upsertPullRequestHead(store, { ...pull, headSha: "a".repeat(40), pushedAt: "2026-11-29T12:10:00.000Z" });
    expect(await getPullRequestHead(store, pull)).toEqual({ headSha: "b".repeat(40), pushedAt: "2026-11-29T12:20:00.000Z" });
    // A head read from GitHub (no push time) keeps the push time of the same head.
    await upsertPullRequestHead(store, { ...pull, headSha: "b".repeat(40), pushedAt: null });
    expect(await getPullRequestHead(store, pull)).toEqual({ headSha: "b".repeat(40), pushedAt: "2026-11-29T12:20:00.000Z" });
    expect(await getPullRequestHeads(store, [pull, pull, { repository: "acme/gitops", pullRequest: 8 }])).toEqual(new Map([["acme/gitops#7", "b".repeat(40)]]));
  });

  it("stores the Canaries a review found, replacing them at the next review", async () => {
    const pull = { repository: "acme/gitops", pullRequest: 7 };
    expect(await getPullRequestCanaries(store, pull)).toBeNull();
    const canaries = [{ canary: CANARY, revision: REVISION, gates: ["confirm-promotion" as const] }];
    await ensurePullRequestCanaries(store, { ...pull, headSha: HEAD_SHA, canaries });
    await ensurePullRequestCanaries(store, { ...pull, headSha: HEAD_SHA, canaries });
    expect(await getPullRequestCanaries(store, pull)).toEqual({ headSha: HEAD_SHA, canaries });
  });
});
