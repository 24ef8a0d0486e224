/** The command job's GitHub port against nock: request shapes (checked against GitHub's OpenAPI description) and answers. */
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOctokitCommandsPort } from "../../src/github/commands-port.js";
import { GitHubRequestError } from "../../src/github/port.js";
import { githubWrites, intercept, resetGitHubMock, verifyGitHubMock } from "../support/github.js";

const repository = { owner: "acme", repo: "gitops" };
const port = () => {
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } }));
  return createOctokitCommandsPort({ octokit: new Octokit({ auth: "ghs_test" }), repository });
};

describe("createOctokitCommandsPort", () => {
  beforeEach(() => resetGitHubMock());
  afterEach(() => verifyGitHubMock());

  it("reads the commenter's permission: maintain and triage by role, a stranger (404) as none", async () => {
    intercept({ method: "GET", path: "/repos/acme/gitops/collaborators/alice/permission", reply: [200, { permission: "write", role_name: "maintain", user: { login: "alice" } }] });
    intercept({ method: "GET", path: "/repos/acme/gitops/collaborators/bob/permission", reply: [200, { permission: "read", role_name: "custom-role", user: { login: "bob" } }] });
    intercept({ method: "GET", path: "/repos/acme/gitops/collaborators/mallory/permission", reply: [404, { message: "Not Found" }] });
    expect(await port().getCollaboratorPermission({ username: "alice" })).toBe("maintain");
    expect(await port().getCollaboratorPermission({ username: "bob" })).toBe("read");
    expect(await port().getCollaboratorPermission({ username: "mallory" })).toBe("none");
  });

  it("counts an active team membership only (pending or none is not)", async () => {
    intercept({ method: "GET", path: "/orgs/acme/teams/sre/memberships/alice", reply: [200, { state: "active", role: "member", url: "x" }] });
    intercept({ method: "GET", path: "/orgs/acme/teams/sre/memberships/bob", reply: [200, { state: "pending", role: "member", url: "x" }] });
    intercept({ method: "GET", path: "/orgs/other/teams/release/memberships/carol", reply: [404, { message: "Not Found" }] });
    expect(await port().isActiveTeamMember({ team: "acme/sre", username: "alice" })).toBe(true);
    expect(await port().isActiveTeamMember({ team: "acme/sre", username: "bob" })).toBe(false);
    expect(await port().isActiveTeamMember({ team: "other/release", username: "carol" })).toBe(false);
  });

  it("reads the pull request's author and whether it comes from a fork", async () => {
    const pr = (head: unknown) => [200, { number: 7, state: "open", user: { login: "bob" }, head: { sha: "a".repeat(40), repo: head }, base: { repo: { full_name: "acme/gitops", default_branch: "main" } } }] as [number, unknown];
    intercept({ method: "GET", path: "/repos/acme/gitops/pulls/7", reply: pr({ full_name: "acme/gitops" }) });
    intercept({ method: "GET", path: "/repos/acme/gitops/pulls/7", reply: pr({ full_name: "bob/gitops" }) });
    intercept({ method: "GET", path: "/repos/acme/gitops/pulls/8", reply: [404, { message: "Not Found" }] });
    expect(await port().getCommandPullRequest({ pullNumber: 7 })).toEqual({ number: 7, state: "open", author: "bob", fork: false, headSha: "a".repeat(40), defaultBranch: "main" });
    expect((await port().getCommandPullRequest({ pullNumber: 7 }))?.fork).toBe(true);
    expect(await port().getCommandPullRequest({ pullNumber: 8 })).toBeNull();
  });

  it("adds a reaction and a reply; a refused write names its target", async () => {
    intercept({ method: "POST", path: "/repos/acme/gitops/issues/comments/5/reactions", reply: [201, { id: 1, content: "confused" }] });
    intercept({ method: "POST", path: "/repos/acme/gitops/issues/7/comments", reply: [201, { id: 9 }] });
    intercept({ method: "POST", path: "/repos/acme/gitops/issues/comments/6/reactions", reply: [403, { message: "Resource not accessible by integration" }] });
    await port().createCommentReaction({ commentId: 5, content: "confused" });
    expect(await port().createIssueComment({ issueNumber: 7, body: "hi" })).toEqual({ id: 9 });
    await expect(port().createCommentReaction({ commentId: 6, content: "+1" })).rejects.toBeInstanceOf(GitHubRequestError);
    expect(githubWrites().map((w) => [w.path, w.body])).toEqual([
      ["/repos/acme/gitops/issues/comments/5/reactions", { content: "confused" }],
      ["/repos/acme/gitops/issues/7/comments", { body: "hi" }],
      ["/repos/acme/gitops/issues/comments/6/reactions", { content: "+1" }],
    ]);
  });
});
