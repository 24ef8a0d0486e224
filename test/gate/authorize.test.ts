import { describe, expect, it } from "vitest";
import { parseCommands } from "../../src/commands/parse.js";
import {
  authorizeCommand,
  buildCommandRecords,
  decideComment,
  listApproverTeams,
  readCommentEventFacts,
  screenCommentEvent,
  type TargetFacts,
} from "../../src/gate/authorize.js";
import {
  HEAD,
  OWNER,
  REVISION,
  actor,
  commentBy,
  commentOnIssue,
  commentOnPullRequest,
  editedComment,
  environments,
  preview,
  production,
  pullRequest,
  runComment,
  runOf,
  staging,
} from "./authorize-support.js";

const target = (canary = production, overrides: Partial<TargetFacts> = {}): TargetFacts => ({ canary, revision: REVISION, run: runOf(canary), gates: null, ...overrides });

function authorize(body: string, login: string, permission: Parameters<typeof actor>[1] = "write", teams: string[] = [], targets = [target()], pr = pullRequest) {
  const event = readCommentEventFacts("issue_comment", commentBy(login, body));
  const command = parseCommands(body).commands[0]!;
  return authorizeCommand({ command, event, pullRequest: pr, repositoryOwner: OWNER, environments, actor: actor(login, permission, teams), targets });
}

describe("readCommentEventFacts", () => {
  it("reads a real comment on a pull request", () => {
    expect(readCommentEventFacts("issue_comment", commentOnPullRequest)).toEqual({
      event: "issue_comment",
      action: "created",
      isPullRequest: true,
      commentId: 492700400,
      author: { login: "Codertocat", type: "User" },
      authorAssociation: "OWNER",
      edited: false,
      performedViaApp: false,
      createdAt: "2019-05-15T15:20:21Z",
    });
  });

  it("tells an issue from a pull request, and sees an edit", () => {
    expect(readCommentEventFacts("issue_comment", commentOnIssue).isPullRequest).toBe(false);
    expect(readCommentEventFacts("issue_comment", editedComment)).toMatchObject({ action: "edited", edited: true, isPullRequest: true });
  });
});

describe("authorizeCommand: who may do what", () => {
  it("lets a listed approver promote, saying why", () => {
    expect(authorize("/canary promote", "alice")).toEqual({ allowed: true, grounds: "alice is an approver of production (listed by name)" });
  });

  it("matches logins and teams without regard to case, qualifying a bare slug with the repository's owner", () => {
    expect(authorize("/canary promote", "ALICE").allowed).toBe(true);
    expect(authorize("/canary promote", "sam", "write", ["codertocat/SRE"])).toEqual({ allowed: true, grounds: "sam is an approver of production (team codertocat/sre)" });
    expect(authorize("/canary promote", "rel", "read", ["other-org/release"]).allowed).toBe(true);
  });

  it("still needs the approver to have access to the repository", () => {
    expect(authorize("/canary promote", "alice", "none")).toMatchObject({ allowed: false, code: "NOT_AN_APPROVER" });
  });

  it("lets anyone with write permission act where the environment lists no approvers", () => {
    expect(authorize("/canary promote", "bob", "write", [], [target(staging)])).toEqual({ allowed: true, grounds: "bob has write permission and staging lists no approvers" });
    expect(authorize("/canary promote", "bob", "maintain", [], [target(staging)]).allowed).toBe(true);
  });

  it("lets the author approve their own pull request where the environment allows it", () => {
    expect(authorize("/canary promote", "Codertocat", "write", [], [target(preview)])).toMatchObject({ allowed: true });
  });

  it("lets the author roll back or hold their own pull request", () => {
    expect(authorize("/canary rollback", "Codertocat", "write", [], [target(staging)]).allowed).toBe(true);
    expect(authorize("/canary hold db migration first", "Codertocat", "write", [], [target(staging)]).allowed).toBe(true);
    expect(authorize("/canary unhold", "Codertocat", "write", [], [target(staging)])).toMatchObject({ allowed: false, code: "SELF_APPROVAL" });
  });

  it("lets a writer hold production, though only approvers may approve there", () => {
    expect(authorize("/canary hold", "bob", "write")).toEqual({ allowed: true, grounds: "bob has write permission" });
    expect(authorize("/canary unhold", "bob", "write")).toMatchObject({ allowed: false, code: "NOT_AN_APPROVER" });
  });

  it("lets approvers or admins skip the gate", () => {
    expect(authorize("/canary skip-gate hotfix", "alice", "write").allowed).toBe(true);
    expect(authorize("/canary skip-gate hotfix", "root", "admin")).toEqual({ allowed: true, grounds: "root is an admin of the repository" });
    expect(authorize("/canary skip-gate hotfix", "bob", "maintain", [], [target(staging)])).toMatchObject({
      allowed: false,
      code: "NO_PERMISSION",
      reason: "only a repository admin may skip staging's gate (it lists no approvers), and bob has maintain permission",
    });
  });

  it("needs only read permission for help and refresh, and no Canary", () => {
    expect(authorize("/canary help", "reader", "read", [], [])).toMatchObject({ allowed: true });
    expect(authorize("/canary refresh", "reader", "read", [], [])).toMatchObject({ allowed: true });
    expect(authorize("/canary refresh", "stranger", "none", [], [])).toMatchObject({ allowed: false, code: "NO_PERMISSION" });
  });

  it("refuses a command that must act on a Canary without one", () => {
    expect(authorize("/canary hold", "bob", "write", [], [])).toMatchObject({ allowed: false, code: "NO_TARGET" });
  });

  it("needs every environment a command spans: a hold on staging and production by a staging-only user", () => {
    expect(authorize("/canary unhold", "bob", "write", [], [target(staging), target(production)])).toMatchObject({ allowed: false, code: "NOT_AN_APPROVER" });
    expect(authorize("/canary hold", "bob", "write", [], [target(staging), target(production)])).toMatchObject({ allowed: true });
  });

  it("binds gate commands to an active run of this pull request's revision", () => {
    expect(authorize("/canary promote", "alice", "write", [], [target(production, { run: null })])).toMatchObject({ code: "NO_RUN" });
    expect(authorize("/canary promote", "alice", "write", [], [target(production, { revision: null })])).toMatchObject({ code: "REVISION_UNKNOWN" });
    const elsewhere = runOf({ ...production, name: "frontend" });
    expect(authorize("/canary promote", "alice", "write", [], [target(production, { run: elsewhere })])).toMatchObject({ code: "RUN_MISMATCH" });
  });

  it("does not bind hold, unhold or skip-gate to a run", () => {
    expect(authorize("/canary hold", "bob", "write", [], [target(staging, { run: null, revision: null })]).allowed).toBe(true);
  });
});

describe("buildCommandRecords", () => {
  it("records an approval with everything it is bound to", () => {
    const { records } = runComment({ payload: commentBy("alice", "/canary promote"), actor: actor("alice"), runs: [runOf(production)] });
    expect(records).toEqual([
      {
        key: "comment/492700400/line/1/prod-eu/test/podinfo",
        verb: "promote",
        hook: "confirm-promotion",
        outcome: "accepted",
        refusal: null,
        grounds: "alice is an approver of production (listed by name)",
        actor: "alice",
        at: "2026-11-29T10:05:00Z",
        repository: "Codertocat/Hello-World",
        pullRequest: 1,
        commentId: 492700400,
        line: 1,
        headSha: HEAD,
        canary: production,
        runId: "prod-eu/test/podinfo#1",
        revision: REVISION,
        reason: null,
        consumedAt: null,
        invalidatedAt: null,
        invalidation: null,
      },
    ]);
  });

  it("records a refusal with its reason, and a command without a Canary once", () => {
    const { records } = runComment({ payload: commentBy("bob", "/canary help\n/canary promote"), actor: actor("bob"), runs: [runOf(production)] });
    expect(records.map((r) => [r.key, r.verb, r.outcome, r.refusal?.slice(0, 29) ?? null])).toEqual([
      ["comment/492700400/line/1", "help", "accepted", null],
      ["comment/492700400/line/2/prod-eu/test/podinfo", "promote", "refused", "bob is not an approver of pro"],
    ]);
  });

  it("records one hold per Canary with its reason, and no run", () => {
    const event = readCommentEventFacts("issue_comment", commentBy("bob", "/canary hold waiting for DB"));
    const command = parseCommands("/canary hold waiting for DB").commands[0]!;
    const records = buildCommandRecords({ command, event, pullRequest, repository: "o/r", targets: [target(staging), target(production)], authorization: { allowed: true, grounds: "g" } });
    expect(records.map((r) => [r.canary?.environment, r.reason, r.runId, r.hook])).toEqual([
      ["staging", "waiting for DB", null, null],
      ["production", "waiting for DB", null, null],
    ]);
  });
});

describe("screenCommentEvent", () => {
  it("passes a new comment by a person on a pull request, before any API call", () => {
    expect(screenCommentEvent(readCommentEventFacts("issue_comment", commentOnPullRequest))).toBeNull();
    expect(screenCommentEvent(readCommentEventFacts("issue_comment", commentOnIssue))).toMatchObject({ code: "NOT_A_PULL_REQUEST" });
    expect(screenCommentEvent(readCommentEventFacts("pull_request_review_comment", commentOnPullRequest))).toMatchObject({ code: "NOT_A_NEW_COMMENT" });
  });
});

describe("decideComment", () => {
  it("ignores a bot's comment as a whole, before reading its commands", () => {
    const decision = decideComment({
      event: readCommentEventFacts("issue_comment", commentBy("ci[bot]", "/canary promote", { type: "Bot" })),
      body: "/canary promote",
      pullRequest,
      repository: "Codertocat/Hello-World",
      repositoryOwner: OWNER,
      environments,
      actor: actor("ci[bot]"),
      canaries: [{ canary: production, revision: REVISION, gates: null }],
      runs: [runOf(production)],
    });
    expect(decision).toEqual({ ignored: { allowed: false, code: "BOT_AUTHOR", reason: "ci[bot] is a bot or an App: only people can run commands" }, records: [], errors: [] });
  });

  it("decides each command of a comment: accepted, refused, not found, not read", () => {
    const body = "/canary promote\n/canary promote frontend\n/canary skip-gate hotfix\n/canary promot";
    const { records, errors } = runComment({ payload: commentBy("alice", body), actor: actor("alice", "write"), runs: [runOf(production)] });
    expect(records.map((r) => [r.line, r.verb, r.outcome, r.refusal])).toEqual([
      [1, "promote", "accepted", null],
      [2, "promote", "refused", "this pull request changes no Canary frontend; it changes test/podinfo in production"],
      [3, "skip-gate", "accepted", null],
    ]);
    expect(errors).toEqual([expect.stringMatching(/^UNKNOWN_VERB: \/canary promot is not a command: did you mean \/canary promote\?/)]);
  });
});

describe("listApproverTeams", () => {
  it("lists the qualified teams to look up, once each", () => {
    expect(listApproverTeams({ environments, repositoryOwner: OWNER })).toEqual(["codertocat/sre", "other-org/release"]);
  });
});
