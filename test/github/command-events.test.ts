/** issue_comment deliveries become command jobs (pure), and a push voids older approvals (on PGlite). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommentJobs, readPush } from "../../src/github/command-events.js";
import { recordPush } from "../../src/github/commands-job.js";
import { buildJobsForEvent } from "../../src/github/events.js";
import { getPullRequestHead, insertCommandRecords, listApprovals } from "../../src/store/approvals.js";
import { openStore, type Store } from "../../src/store/index.js";
import { CANARY, commandRecord } from "../support/approvals.js";
import { loadEvent } from "../support/github.js";

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, `../../fixtures/events/${name}.json`), "utf8")) as Record<string, any>;
const withBody = (body: string, change: (p: Record<string, any>) => void = () => {}) => {
  const payload = fixture("issue_comment.created.pull-request");
  payload.comment.body = body;
  change(payload);
  return { name: "issue_comment", payload };
};

describe("buildCommentJobs", () => {
  it("queues one command job per new pull request comment with a command, keyed by the comment id", () => {
    const decision = buildJobsForEvent(withBody("/canary promote"));
    expect(decision).toMatchObject({ action: "enqueue", event: "issue_comment.created", jobs: [{ kind: "command", key: "1/Codertocat/Hello-World/comment/492700400", installationId: 1 }] });
    if (decision.action !== "enqueue") throw new Error("expected a job");
    expect(decision.jobs[0]!.payload).toMatchObject({ owner: "Codertocat", repo: "Hello-World", number: 1, comment: { comment: { id: 492700400, body: "/canary promote" } } });
  });

  it("queues a comment whose command could not be read (a look-alike slash): it gets 😕 and the reason", () => {
    expect(buildCommentJobs(withBody("\u2215canary promote")).action).toBe("enqueue");
  });

  it("drops, before any job or API call, comments without a command, on issues, by bots, and edits", () => {
    expect(buildCommentJobs(withBody("Looks good to me"))).toMatchObject({ action: "ignore", reason: "the comment holds no /canary command" });
    expect(buildCommentJobs(withBody("```\n/canary promote\n```"))).toMatchObject({ action: "ignore" });
    expect(buildCommentJobs(withBody("/canary promote", (p) => delete p.issue.pull_request))).toMatchObject({ action: "ignore", reason: "commands are read on pull requests only, not on issues" });
    expect(buildCommentJobs(withBody("/canary promote", (p) => (p.comment.user = { login: "renovate[bot]", type: "Bot" })))).toMatchObject({ action: "ignore" });
    expect(buildCommentJobs(withBody("/canary promote", (p) => (p.action = "edited")))).toMatchObject({ action: "ignore", reason: "only new comments carry commands" });
    expect(buildCommentJobs(withBody("/canary promote", (p) => (p.comment.updated_at = "2030-01-01T00:00:00Z")))).toMatchObject({ action: "ignore" });
    expect(buildCommentJobs(withBody("/canary promote", (p) => delete p.installation))).toMatchObject({ action: "reject" });
  });
});

describe("a push to the pull request", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await store.close();
  });

  it("reads pull_request.synchronize only", () => {
    const event = loadEvent("pull_request.synchronize");
    const push = readPush({ ...event, receivedAt: "2026-11-29T12:00:00.000Z" });
    expect(push).toMatchObject({ repository: "Codertocat/Hello-World", pullRequest: 2, headSha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(readPush({ ...loadEvent("pull_request.opened"), receivedAt: "2026-11-29T12:00:00.000Z" })).toBeNull();
  });

  it("voids the approvals given on an older head and records the new head with its time", async () => {
    await insertCommandRecords(store, [commandRecord({ repository: "Codertocat/Hello-World", pullRequest: 2 })]);
    const voided = await recordPush(store, { repository: "Codertocat/Hello-World", pullRequest: 2, headSha: "c".repeat(40), pushedAt: "2026-11-29T12:30:00.000Z" });
    expect(voided).toBe(1);
    expect(await listApprovals(store, { ...CANARY, hook: "confirm-promotion" })).toEqual([]);
    expect(await getPullRequestHead(store, { repository: "Codertocat/Hello-World", pullRequest: 2 })).toEqual({ headSha: "c".repeat(40), pushedAt: "2026-11-29T12:30:00.000Z" });
  });
});
