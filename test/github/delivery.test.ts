/**
 * Deliveries through the in-process job path (Probot's `receive`), with nock: concurrent deliveries
 * for one pull request are serialized, GraphQL batches split, Octokit's retries counted, re-runs
 * found. Out-of-order heads, persistent failures, rate limits and restarts are tested against the
 * GitHub-like server with the durable queue (test/github/app-queue.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubRetryableError } from "../../src/github/port.js";
import { BASE, expectedReview, HEAD, mockPull, mockReviewReads, pullResponse, receive } from "./helpers.js";
import {
  createTestBot,
  diffFiles,
  expectCreateCheckRun,
  expectCreateComment,
  githubRequests,
  githubWrites,
  intercept,
  loadEvent,
  MERGE_BASE,
  mockBlobs,
  mockCheckRuns,
  mockComments,
  mockCompare,
  mockConfig,
  mockConversation,
  mockToken,
  mockTree,
  PR,
  pullRequestEvent,
  REPO,
  resetGitHubMock,
  useRepository,
  verifyGitHubMock,
  type TestBot,
} from "../support/github.js";

const HEAD_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HEAD_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const HEAD_C = "cccccccccccccccccccccccccccccccccccccccc";

async function deliveries(bot: TestBot) {
  return (await bot.metrics.deliveries.get()).values.map((v) => `${v.labels.event} ${v.labels.outcome} ${v.value}`).sort();
}

describe("deliveries", () => {
  let bot: TestBot;
  beforeEach(async () => {
    resetGitHubMock();
    bot = await createTestBot();
  });
  afterEach(() => verifyGitHubMock());

  it("leaves exactly one comment and one check run when two deliveries for the same pull request arrive together", async () => {
    mockToken();
    mockPull(PR.headSha, { times: 2 });
    mockConfig(null, { times: 2 });
    mockCompare({ files: diffFiles(BASE, HEAD) });
    mockCompare({ files: diffFiles(BASE, HEAD) });
    mockTree({ files: HEAD });
    mockTree({ files: HEAD });
    mockBlobs({ revisions: { [PR.headSha]: HEAD, [MERGE_BASE]: BASE }, times: 2 });
    // Stateful: the second delivery's reads see what the first one wrote, if it runs after it.
    const state = mockConversation({ reads: 2 });

    await Promise.all([receive(bot, pullRequestEvent({ fixture: "pull_request.opened" }), "d1"), receive(bot, pullRequestEvent({ fixture: "pull_request.synchronize" }), "d2")]);

    expect(state.comments.map((c) => c.body)).toEqual([expectedReview(BASE, HEAD).comment]);
    expect(state.checkRuns).toHaveLength(1);
    expect(await deliveries(bot)).toEqual(["pull_request.opened queued 1", "pull_request.synchronize queued 1"]);
  });

  it("splits a GraphQL blob batch that GitHub failed to answer in time, and reads both halves", async () => {
    mockToken();
    mockPull();
    mockConfig(null);
    mockCompare({ files: diffFiles(BASE, HEAD) });
    mockTree({ files: HEAD });
    intercept({ method: "POST", path: "/graphql", reply: [502, { message: "Server Error" }] });
    const asked = mockBlobs({ revisions: { [PR.headSha]: HEAD, [MERGE_BASE]: BASE }, times: 2 });
    mockCheckRuns([]);
    expectCreateCheckRun();
    mockComments([]);
    const comments = expectCreateComment();

    await receive(bot, pullRequestEvent());

    expect(asked.map((batch) => batch.length)).toEqual([3, 3]);
    expect(comments).toEqual([expectedReview(BASE, HEAD).comment]);
  });
});

describe("deliveries with Octokit's retries on", () => {
  let bot: TestBot;
  beforeEach(async () => {
    resetGitHubMock();
    bot = await createTestBot({ retries: true });
  });
  afterEach(() => verifyGitHubMock());

  it("gets through a 502 that Octokit retries", async () => {
    mockToken();
    mockPull();
    mockConfig(null);
    intercept({ method: "GET", path: `/repos/${REPO.owner}/${REPO.repo}/compare/${PR.baseSha}...${PR.headSha}?per_page=1`, reply: [502, { message: "Server Error" }] });
    mockCompare({ files: diffFiles(BASE, HEAD) });
    mockTree({ files: HEAD });
    mockBlobs({ revisions: { [PR.headSha]: HEAD, [MERGE_BASE]: BASE } });
    mockCheckRuns([]);
    expectCreateCheckRun();
    mockComments([]);
    expectCreateComment();

    await receive(bot, pullRequestEvent());

    const statuses = (await bot.metrics.githubRequests.get()).values.filter((v) => v.labels.route === "/repos/{owner}/{repo}/compare/{basehead}").map((v) => `${v.labels.status}:${v.value}`);
    expect(statuses.sort()).toEqual(["200:1", "502:1"]);
    expect(await deliveries(bot)).toEqual(["pull_request.opened queued 1"]);
  });
});

describe("re-runs", () => {
  let bot: TestBot;
  beforeEach(async () => {
    resetGitHubMock();
    bot = await createTestBot();
  });
  afterEach(() => verifyGitHubMock());

  it("re-runs canary/validation on check_run.rerequested, finding the pull request of the commit", async () => {
    const event = loadEvent("check_run.rerequested");
    const sha = (event.payload.check_run as { head_sha: string }).head_sha;
    useRepository({ owner: "github", repo: "hello-world", defaultBranch: "master" });
    mockToken();
    intercept({ method: "GET", path: `/repos/github/hello-world/commits/${sha}/pulls?per_page=100`, reply: [200, [{ ...pullResponse(sha), base: { ...pullResponse(sha).base, repo: { default_branch: "master", html_url: "https://github.com/github/hello-world" } } }]] });
    mockReviewReads({ base: BASE, head: HEAD, headSha: sha });
    // A re-run makes a new check run even though the result is the same: no lookup of the old one.
    const checks = expectCreateCheckRun();
    mockComments([]);
    expectCreateComment();

    await receive(bot, event);

    expect(checks.map((c) => c.head_sha)).toEqual([sha]);
    expect(await deliveries(bot)).toEqual(["check_run.rerequested queued 1"]);
  });

  it("re-runs on check_suite.rerequested for the pull request the payload lists", async () => {
    const event = loadEvent("check_suite.rerequested");
    useRepository({ installationId: (event.payload.installation as { id: number }).id });
    mockToken();
    mockReviewReads({ base: BASE, head: HEAD });
    const checks = expectCreateCheckRun();
    mockComments([{ id: 1001, body: expectedReview(BASE, HEAD).comment }]);

    await receive(bot, event);

    expect(checks.map((c) => c.head_sha)).toEqual([PR.headSha]);
    expect(githubWrites().map((w) => w.method)).toEqual(["POST"]);
  });

  it("ignores the re-run of another App's check", async () => {

    await receive(bot, loadEvent("check_run.rerequested.other-check"));

    expect(githubRequests()).toEqual([]);
    expect(await deliveries(bot)).toEqual(["check_run.rerequested ignored 1"]);
  });
});
