/** The approvals' tables on PGlite and on a real PostgreSQL (TEST_DATABASE_URL). */
import { describe, expect, it } from "vitest";
import { invalidateApprovalsOnPush } from "../../src/gate/gate-call.js";
import {
  ensurePullRequestCanaries,
  getPullRequestCanaries,
  getPullRequestHead,
  getPullRequestHeads,
  insertCommandRecords,
  insertGateCall,
  insertGateCalls,
  listApprovals,
  listCommandRecords,
  listGateCalls,
  markApprovalConsumed,
  markApprovalsInvalidated,
  upsertPullRequestHead,
} from "../../src/store/approvals.js";
import type { Store } from "../../src/store/index.js";
import { listLatestGateCalls } from "../../src/store/comments.js";
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
    await insertGateCall(store, call);
    await insertGateCall(store, { ...call, at: "2026-11-29T12:11:00.000Z", status: 200, code: "APPROVED", approvalKey: "k" });
    await insertGateCall(store, { ...call, cluster: "prod-eu" });
    expect((await listGateCalls(store, { cluster: "staging" })).map((c) => c.code)).toEqual(["NOT_APPROVED", "APPROVED"]);
    expect(await listGateCalls(store, { cluster: "staging", namespace: "test", name: "other" })).toEqual([]);
  });

  it("reads the latest call of each gate from the index's first entry, not by sorting the Canary's calls", async () => {
    // A closed rollback gate polled for a long time, and a confirm-promotion gate called early on.
    const calls = Array.from({ length: 3_000 }, (_, i) =>
      gateCallRecord({ at: new Date(Date.UTC(2026, 10, 29, 12) + i * 10_000).toISOString(), hook: i < 5 ? "confirm-promotion" : "rollback", code: `C${i}` }),
    );
    // Two calls with the same time: the one stored last is the latest.
    calls.push(gateCallRecord({ at: calls[calls.length - 1]!.at, hook: "rollback", code: "LAST" }));
    await insertGateCalls(store, calls);
    await store.query("ANALYZE gate_calls");
    const gates = [
      { cluster: "staging", namespace: "test", name: "podinfo", hook: "rollback" },
      { cluster: "staging", namespace: "test", name: "podinfo", hook: "confirm-promotion" },
      { cluster: "staging", namespace: "test", name: "podinfo", hook: "confirm-rollout" },
    ];
    expect((await listLatestGateCalls(store, gates)).map((c) => [c.hook, c.code])).toEqual([
      ["rollback", "LAST"],
      ["confirm-promotion", "C4"],
    ]);
    let asked: { sql: string; params: readonly unknown[] } | undefined;
    await listLatestGateCalls({ query: async (sql, params) => ((asked = { sql, params: params ?? [] }), []) }, gates);
    const plan = (await store.query<{ "QUERY PLAN": string }>(`EXPLAIN ${asked!.sql}`, asked!.params)).map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).toContain("gate_calls_gate");
    expect(plan).not.toMatch(/Sort/);
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
