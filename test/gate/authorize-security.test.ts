/**
 * Hostile or mistaken commands and gate calls, at the pure level: each runs a comment through
 * parse → resolve → authorize → records (as the App will), then lets Flagger call the gate the
 * command aimed at. None opens it, and each refusal says why.
 */
import { describe, expect, it } from "vitest";
import type { CommandRecord } from "../../src/commands/records.js";
import { httpStatusOf, invalidateApprovalsOnPush } from "../../src/gate/gate-call.js";
import {
  HEAD,
  NEW_HEAD,
  REPOSITORY,
  actor,
  callGate,
  commentBy,
  commentOnIssue,
  editedComment,
  preview,
  production,
  pullRequest,
  runComment,
  runOf,
  staging,
  storeAll,
  type Scenario,
} from "./authorize-support.js";

const prodRun = runOf(production);
const stagingRun = runOf(staging, { phase: "Progressing" });

/** Runs the comment, calls the gate, and returns the gate's answer and every explanation given. */
function attempt(scenario: Scenario, gate: { cluster?: string; hook?: string; canary?: { namespace: string; name: string }; run?: typeof prodRun | null; heads?: Array<[number, string]>; phase?: string; records?: CommandRecord[] } = {}) {
  const outcome = runComment({ runs: [prodRun, stagingRun], ...scenario });
  const records = gate.records ?? outcome.records;
  const answer = callGate({
    cluster: gate.cluster ?? "prod-eu",
    hook: gate.hook ?? "confirm-promotion",
    canary: gate.canary,
    run: gate.run === undefined ? prodRun : gate.run,
    records,
    heads: gate.heads,
    phase: gate.phase,
  });
  const explanations = [...outcome.errors, ...outcome.records.flatMap((r) => (r.refusal ? [r.refusal] : [])), answer.decision.reason].join("\n");
  return { outcome, answer, explanations, status: httpStatusOf(answer.decision) };
}

function expectClosed(result: ReturnType<typeof attempt>, why: RegExp) {
  expect(result.status).not.toBe(200);
  expect(result.outcome.records.filter((r) => r.outcome === "accepted" && r.hook === "confirm-promotion")).toEqual([]);
  expect(result.explanations).toMatch(why);
}

describe("security: who may approve", () => {
  it("1. a non-collaborator cannot promote", () => {
    const result = attempt({ payload: commentBy("mallory", "/canary promote"), actor: actor("mallory", "none"), canaries: [{ canary: staging }] }, { cluster: "staging", run: stagingRun, canary: staging });
    expectClosed(result, /needs write permission on the repository in staging, and mallory has none/);
  });

  it("2. read-only permission cannot promote", () => {
    const result = attempt({ payload: commentBy("reader", "/canary promote"), actor: actor("reader", "read"), canaries: [{ canary: staging }] }, { cluster: "staging", run: stagingRun, canary: staging });
    expectClosed(result, /needs write permission .* reader has read/);
  });

  it("3. triage permission cannot promote either", () => {
    const result = attempt({ payload: commentBy("triager", "/canary promote"), actor: actor("triager", "triage"), canaries: [{ canary: staging }] }, { cluster: "staging", run: stagingRun, canary: staging });
    expectClosed(result, /triager has triage/);
  });

  it("4. the author cannot approve their own pull request, even as a listed approver", () => {
    const result = attempt({ payload: commentBy("alice", "/canary promote"), actor: actor("alice", "admin"), pullRequest: { ...pullRequest, author: "alice" } });
    expectClosed(result, /alice opened this pull request and cannot promote it in production: another approver must/);
  });

  it("5. the author with write permission cannot approve their own pull request where no approvers are listed", () => {
    const result = attempt({ payload: commentBy("Codertocat", "/canary promote"), actor: actor("Codertocat", "write"), canaries: [{ canary: staging }] }, { cluster: "staging", run: stagingRun, canary: staging });
    expectClosed(result, /Codertocat opened this pull request and cannot promote it in staging: another approver must \(approvers.allowSelfApproval is off\)/);
  });

  it("6. a member of another team cannot approve", () => {
    const result = attempt({ payload: commentBy("bob", "/canary promote"), actor: actor("bob", "write", ["Codertocat/platform"]) });
    expectClosed(result, /bob is not an approver of production: the default branch's .github\/canary-bot.yml lists alice, team codertocat\/sre/);
  });

  it("7. a team with the approvers' slug in another organization does not count", () => {
    const result = attempt({ payload: commentBy("bob", "/canary promote"), actor: actor("bob", "write", ["evil-org/sre"]) });
    expectClosed(result, /bob is not an approver of production/);
  });

  it("8. a repository admin who is not a listed approver cannot promote", () => {
    const result = attempt({ payload: commentBy("root", "/canary promote"), actor: actor("root", "admin") });
    expectClosed(result, /root is not an approver of production/);
  });

  it("9. a writer who is not an approver or admin cannot skip the gate", () => {
    const result = attempt({ payload: commentBy("bob", "/canary skip-gate hotfix"), actor: actor("bob", "write") });
    expect(result.outcome.records.map((r) => [r.verb, r.outcome])).toEqual([["skip-gate", "refused"]]);
    expectClosed(result, /only production's approvers \(alice, team codertocat\/sre, team other-org\/release\) or a repository admin may skip its gate/);
  });

  it("10. the permission looked up must be the comment author's", () => {
    const result = attempt({ payload: commentBy("mallory", "/canary promote"), actor: actor("alice", "write") });
    expectClosed(result, /the permission looked up is alice's, not the comment author's \(mallory\)/);
  });
});

describe("security: which comments count", () => {
  it("11. an edited comment (action edited) is not read", () => {
    const result = attempt({ payload: commentBy("alice", "/canary promote", { payload: editedComment }), actor: actor("alice") });
    expectClosed(result, /only new comments are read \(this was issue_comment.edited\)/);
  });

  it("12. a created comment edited before it was processed is not read", () => {
    const result = attempt({ payload: { ...commentBy("alice", "/canary promote"), comment: { ...commentBy("alice", "/canary promote").comment, updated_at: "2026-11-29T10:07:00Z" } }, actor: actor("alice") });
    expectClosed(result, /the comment was edited: write the command in a new comment/);
  });

  it("13. a bot's comment is not read", () => {
    const result = attempt({ payload: commentBy("alice", "/canary promote", { type: "Bot" }), actor: actor("alice") });
    expectClosed(result, /alice is a bot or an App/);
  });

  it("14. a [bot] login is a bot whatever its type says", () => {
    const result = attempt({ payload: commentBy("renovate[bot]", "/canary promote"), actor: actor("renovate[bot]", "write") });
    expectClosed(result, /renovate\[bot\] is a bot or an App/);
  });

  it("15. a comment written by an App on someone's behalf is not read", () => {
    const payload = commentBy("alice", "/canary promote");
    const result = attempt({ payload: { ...payload, comment: { ...payload.comment, performed_via_github_app: { id: 1, slug: "other-app" } } }, actor: actor("alice") });
    expectClosed(result, /bot or an App/);
  });

  it("16. a comment on an issue is not read", () => {
    const result = attempt({ payload: commentBy("alice", "/canary promote", { payload: commentOnIssue }), actor: actor("alice") });
    expectClosed(result, /commands are read on pull requests only/);
  });

  it.each([
    ["17. a code block", "```\n/canary promote\n```", /^$/],
    ["18. inline code", "run `/canary promote` when ready", /^$/],
    ["19. a quote", "> /canary promote", /^$/],
    ["20. an HTML comment", "<!--\n/canary promote\n-->", /^$/],
    ["21. a quote's lazy continuation", "> bob wrote:\n/canary promote", /leave a blank line before the command/],
    ["22. a look-alike slash", "\u2215canary promote", /U\+2215 DIVISION SLASH/],
    ["23. a zero-width space in the verb", "/canary pro\u200Bmote", /invisible characters \(U\+200B/],
    ["24. a Cyrillic letter in the verb", "/canary pr\u043Emote", /U\+043E/],
  ])("a command in %s is not a command", (_, body, why) => {
    const result = attempt({ payload: commentBy("alice", body), actor: actor("alice") });
    expect(result.outcome.records).toEqual([]);
    expect(result.outcome.errors.join("\n")).toMatch(why);
    expect(result.status).toBe(403);
    expect(result.answer.decision.reason).toMatch(/waits for \/canary promote on its pull request/);
  });
});

describe("security: what an approval is bound to", () => {
  const approve = () => runComment({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), runs: [prodRun] });

  it("the reference case opens the gate, so the cases below fail for their own reason", () => {
    const { records } = approve();
    expect(records.map((r) => r.outcome)).toEqual(["accepted"]);
    expect(callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: prodRun, records }).decision.status).toBe(200);
  });

  it("25. a fork's author cannot approve their own pull request, even where self-approval is allowed", () => {
    const result = attempt(
      { payload: commentBy("Codertocat", "/canary promote"), actor: actor("Codertocat", "write"), pullRequest: { ...pullRequest, fork: true }, canaries: [{ canary: preview }], runs: [runOf(preview)] },
      { cluster: "preview", canary: preview, run: runOf(preview) },
    );
    expectClosed(result, /Codertocat opened this pull request from a fork and cannot promote it/);
  });

  it("26. an approval made before a new push does not open the gate", () => {
    const { records } = approve();
    const answer = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: prodRun, records, heads: [[1, NEW_HEAD]] });
    expect(answer.decision).toMatchObject({ status: 403, code: "APPROVAL_OUTDATED" });
    expect(answer.decision.reason).toMatch(/given on head ec26c3e of #1, which was pushed to since \(now f00dfac\)/);
    const invalidated = invalidateApprovalsOnPush({ records, repository: REPOSITORY, pullRequest: 1, headSha: NEW_HEAD, at: "2026-11-29T10:08:00Z" });
    expect(invalidated.map((r) => r.invalidation)).toEqual(["pushed to: head ec26c3e → f00dfac"]);
    expect(callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: prodRun, records: invalidated, heads: [[1, NEW_HEAD]] }).decision.status).toBe(403);
  });

  it("27. a comment written before a push that is processed after it is refused", () => {
    const result = attempt({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), pullRequest: { ...pullRequest, headSha: NEW_HEAD, headPushedAt: "2026-11-29T10:05:30Z" } });
    expectClosed(result, /pushed to \(head f00dfac\) after the comment was written/);
  });

  it("28. a redelivered webhook cannot re-bind an old approval to a later run", () => {
    const first = approve();
    const laterRun = runOf(production, { id: "prod-eu/test/podinfo#2" });
    const redelivered = runComment({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), runs: [laterRun] });
    expect(redelivered.records.map((r) => r.key)).toEqual(first.records.map((r) => r.key));
    const stored = storeAll(first.records, redelivered.records);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.runId).toBe(prodRun.id);
    const answer = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: laterRun, records: stored });
    expect(answer.decision).toMatchObject({ status: 403, code: "APPROVAL_FOR_ANOTHER_RUN" });
  });

  it("29. an approval for another Canary does not open this one", () => {
    const { records } = approve();
    const answer = callGate({ cluster: "prod-eu", hook: "confirm-promotion", canary: { namespace: "test", name: "frontend" }, run: runOf({ ...production, name: "frontend" }), records });
    expect(answer.decision).toMatchObject({ status: 403, code: "NOT_APPROVED" });
    expect(answer.decision.reason).toMatch(/test\/frontend in cluster prod-eu waits for \/canary promote/);
  });

  it("30. an approval in one cluster does not open the same Canary in another", () => {
    const stagingApproval = runComment({ payload: commentBy("bob", "/canary promote"), actor: actor("bob"), canaries: [{ canary: staging }], runs: [stagingRun] });
    expect(stagingApproval.records.map((r) => r.outcome)).toEqual(["accepted"]);
    const answer = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: prodRun, records: stagingApproval.records });
    expect(answer.decision).toMatchObject({ status: 403, code: "NOT_APPROVED" });
  });

  it("31. a gate call for an unknown cluster is refused (404)", () => {
    const { records } = approve();
    const answer = callGate({ cluster: "prod-us", hook: "confirm-promotion", run: prodRun, records });
    expect(httpStatusOf(answer.decision)).toBe(404);
    expect(answer.decision.reason).toMatch(/no cluster named "prod-us" is configured/);
  });

  it("32. an approval consumed by its run never opens a later run", () => {
    const { records } = approve();
    const first = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: prodRun, records });
    expect(first.decision.status).toBe(200);
    const consumed = records.map((r) => (first.consume?.key === r.key ? { ...r, consumedAt: first.consume.at } : r));
    expect(consumed[0]!.consumedAt).not.toBeNull();
    const laterRun = runOf(production, { id: "prod-eu/test/podinfo#2", startedAt: "2026-11-29T11:00:00Z" });
    const later = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: laterRun, records: consumed });
    expect(later.decision).toMatchObject({ status: 403, code: "APPROVAL_FOR_ANOTHER_RUN" });
    expect(later.decision.reason).toMatch(/was for run prod-eu\/test\/podinfo#1, and this is run prod-eu\/test\/podinfo#2/);
  });

  it("33. concurrent approvals: one arriving after its run was superseded is refused, the newer run stays closed", () => {
    const superseded = runOf(production, { endedAt: "2026-11-29T10:04:00Z", phase: "Failed" });
    const result = attempt({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), runs: [superseded] }, { run: runOf(production, { id: "prod-eu/test/podinfo#2" }) });
    expectClosed(result, /the last run of test\/podinfo in production ended \(Failed\)/);
  });

  it("34. concurrent approvals of one run: the gate opens once, by the earliest, and neither opens a later run", () => {
    const a = runComment({ payload: commentBy("alice", "/canary promote", { id: 11, at: "2026-11-29T10:05:00Z" }), actor: actor("alice"), runs: [prodRun] });
    const b = runComment({ payload: commentBy("sam", "/canary promote", { id: 12, at: "2026-11-29T10:05:00Z" }), actor: actor("sam", "write", ["Codertocat/sre"]), runs: [prodRun] });
    const stored = storeAll(b.records, a.records);
    expect(stored.map((r) => r.outcome)).toEqual(["accepted", "accepted"]);
    const open = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: prodRun, records: stored });
    expect(open.decision.reason).toMatch(/opened by alice's \/canary promote/);
    const later = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: runOf(production, { id: "prod-eu/test/podinfo#2" }), records: stored });
    expect(later.decision.status).toBe(403);
  });

  it("35. an approval of the rollout (confirm-rollout) does not open promotion", () => {
    const result = attempt({ payload: commentBy("alice", "/canary approve"), actor: actor("alice") });
    expect(result.outcome.records.map((r) => [r.hook, r.outcome])).toEqual([["confirm-rollout", "accepted"]]);
    expect(result.answer.decision).toMatchObject({ status: 403, code: "NOT_APPROVED" });
  });

  it("36. a confirm-rollout webhook pointed at the confirm-promotion URL is refused by its phase", () => {
    const { records } = approve();
    const answer = callGate({ cluster: "prod-eu", hook: "confirm-promotion", phase: "Waiting", run: prodRun, records });
    expect(answer.decision).toMatchObject({ status: 403, code: "PHASE_MISMATCH" });
    expect(answer.decision.reason).toMatch(/check that the webhook's type is confirm-promotion/);
  });

  it("37. a run rolling out another pull request's revision cannot be approved here", () => {
    const other = runOf(production, { revision: "podinfo=ghcr.io/stefanprodan/podinfo:6.6.0" });
    const result = attempt({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), runs: [other] }, { run: other });
    expectClosed(result, /rolls out podinfo=ghcr.io\/stefanprodan\/podinfo:6.6.0, not this pull request's revision/);
  });

  it("38. a run whose revision was guessed cannot be approved", () => {
    const guessed = runOf(production, { revisionAmbiguous: true });
    const result = attempt({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), runs: [guessed] }, { run: guessed });
    expectClosed(result, /cannot tell which revision the current run/);
  });

  it("39. an environment the default branch does not define cannot be approved (a PR cannot add its own)", () => {
    const invented = { environment: "yolo", cluster: "prod-eu", namespace: "test", name: "podinfo" };
    const result = attempt({ payload: commentBy("mallory", "/canary promote"), actor: actor("mallory", "write"), canaries: [{ canary: invented }] });
    expectClosed(result, /has no environment yolo: approvals follow the default branch's config only/);
  });

  it("40. a Canary placed in another cluster than the default branch's config says is refused", () => {
    const moved = { ...production, cluster: "staging" };
    const result = attempt({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), canaries: [{ canary: moved }], runs: [runOf(moved)] });
    expectClosed(result, /is in cluster staging, but the default branch's config puts production in prod-eu/);
  });

  it("41. a Canary without a confirm-promotion webhook pointing at canary-bot cannot be promoted", () => {
    const result = attempt({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), canaries: [{ canary: production, gates: ["rollback"] }] });
    expectClosed(result, /has no confirm-promotion webhook pointing at canary-bot/);
  });

  it("42. /canary promote does not trigger a rollback, and the rollback hook says why it stays closed", () => {
    const { records } = approve();
    const answer = callGate({ cluster: "prod-eu", hook: "rollback", run: prodRun, records });
    expect(answer.decision).toMatchObject({ status: 403, code: "NOT_APPROVED" });
    expect(answer.decision.reason).toMatch(/no \/canary rollback was given for run/);
  });

  it("43. an unknown hook type and a forged payload are bad requests", () => {
    const { records } = approve();
    const unknown = callGate({ cluster: "prod-eu", hook: "confirm-promotions", run: prodRun, records });
    expect(httpStatusOf(unknown.decision)).toBe(400);
    expect(unknown.decision.reason).toMatch(/did you mean confirm-promotion\?/);
    const forged = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: prodRun, records, body: { name: "podinfo", namespace: "../etc", phase: "Progressing" } });
    expect(httpStatusOf(forged.decision)).toBe(400);
    expect(forged.decision.reason).toMatch(/namespace must be the Canary's namespace/);
  });

  it("44. a command naming a Canary the pull request does not change is refused", () => {
    const result = attempt({ payload: commentBy("alice", "/canary promote frontend"), actor: actor("alice") });
    expectClosed(result, /this pull request changes no Canary frontend; it changes test\/podinfo in production/);
  });

  it("45. the head SHA recorded is the one authorized, so a later head cannot reuse it", () => {
    const { records } = approve();
    expect(records[0]).toMatchObject({ headSha: HEAD, runId: prodRun.id, revision: prodRun.revision, canary: production });
  });

  it("46. a gate call of a newer run canary-bot has not heard of yet (another checksum) is refused, approval or not", () => {
    // The approval was given while the run's events showed its checksum; Flagger has since started
    // a newer revision, whose event has not reached canary-bot: the call carries the new checksum.
    const known = runOf(production, { checksum: "6c8f9d4b7" });
    const { records } = approve();
    const ownRun = callGate({ cluster: "prod-eu", hook: "confirm-promotion", run: known, records, body: { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "6c8f9d4b7" } });
    expect(ownRun.decision.status).toBe(200);
    for (const hook of ["confirm-promotion", "rollback"]) {
      const newer = callGate({ cluster: "prod-eu", hook, run: known, records });
      expect(newer.decision, hook).toMatchObject({ status: 403, code: "RUN_UNKNOWN" });
      expect(newer.decision.reason, hook).toMatch(/Flagger calls with checksum 85d557f47b, not that of run prod-eu\/test\/podinfo#1 .*\(6c8f9d4b7\)/);
    }
  });
});
