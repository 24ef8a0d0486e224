/**
 * Deliveries as GitHub sends them: concurrently, in bursts, again, and into GitHub's rate limits
 * and server errors. The reviews are serialized per pull request, coalesced to the newest event,
 * retried as a whole when GitHub says "later", and reported — never a crash.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubRetryableError } from "../../src/github/port.js";
import { BASE, expectedReview, HEAD, mockReviewReads, pullResponse, receive } from "./helpers.js";
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
    expect(await deliveries(bot)).toEqual(["pull_request.opened reviewed 1", "pull_request.synchronize reviewed 1"]);
  });

  it("ends a burst of pushes with the newest head reviewed once; the head in between is never read", async () => {
    mockToken();
    mockConfig(null, { times: 2 });
    mockCompare({ head: HEAD_A, files: diffFiles(BASE, HEAD) });
    mockCompare({ head: HEAD_C, files: diffFiles(BASE, HEAD) });
    mockTree({ sha: HEAD_A, files: HEAD });
    mockTree({ sha: HEAD_C, files: HEAD });
    // GitHub's head is C by the time anything is read: A's review is stale.
    mockBlobs({ revisions: { [HEAD_A]: HEAD, [HEAD_C]: HEAD, [MERGE_BASE]: BASE }, headRefOid: HEAD_C, times: 2 });
    mockCheckRuns([], { sha: HEAD_C });
    const checks = expectCreateCheckRun();
    mockComments([]);
    const comments = expectCreateComment();

    await Promise.all(
      [HEAD_A, HEAD_B, HEAD_C].map((headSha, i) => receive(bot, pullRequestEvent({ fixture: "pull_request.synchronize", headSha }), `push-${i}`)),
    );

    expect(checks.map((c) => c.head_sha)).toEqual([HEAD_C]);
    expect(comments).toEqual([expectedReview(BASE, HEAD, HEAD_C).comment]);
    expect(githubRequests().some((r) => r.path.includes(HEAD_B) || JSON.stringify(r.body ?? "").includes(HEAD_B))).toBe(false);
    expect(await deliveries(bot)).toEqual(["pull_request.synchronize reviewed 1", "pull_request.synchronize stale 1", "pull_request.synchronize superseded 1"]);
  });

  it("retries the whole review after a secondary rate limit, waiting as GitHub asked", async () => {
    mockToken();
    // Two rounds of reads: the first attempt fails on its first write.
    mockReviewReads({ base: BASE, head: HEAD });
    mockCheckRuns([]);
    intercept({
      method: "POST",
      path: `/repos/${REPO.owner}/${REPO.repo}/check-runs`,
      reply: [403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" }, { "retry-after": "2" }],
    });
    mockReviewReads({ base: BASE, head: HEAD });
    mockCheckRuns([]);
    const checks = expectCreateCheckRun();
    mockComments([]);
    const comments = expectCreateComment();

    await receive(bot, pullRequestEvent());

    expect(checks).toHaveLength(1);
    expect(comments).toHaveLength(1);
    expect(await deliveries(bot)).toEqual(["pull_request.opened reviewed 1"]);
    expect(bot.logs.filter((l) => l.message === "github asked to wait; retrying the review").map((l) => l.meta)).toEqual([
      expect.objectContaining({ repo: `${REPO.owner}/${REPO.repo}`, pr: PR.number, sha: PR.headSha, reason: "secondary-rate-limit", delaySeconds: 2, attempt: 1 }),
    ]);
  });

  it("reports a GitHub that keeps answering 502: the delivery fails with the target named, the process goes on", async () => {
    mockToken();
    mockConfig(null, { times: 3 });
    intercept({ method: "GET", path: `/repos/${REPO.owner}/${REPO.repo}/compare/${PR.baseSha}...${PR.headSha}?per_page=1`, times: 3, reply: [502, { message: "Server Error" }] });

    const failure = await receive(bot, pullRequestEvent()).then(
      () => undefined,
      (error: unknown) => error,
    );

    const errors = (failure as AggregateError).errors as unknown[];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(GitHubRetryableError);
    expect((errors[0] as Error).message).toBe(`GitHub answered 502 for ${REPO.owner}/${REPO.repo}@${PR.baseSha}...${PR.headSha}`);
    expect(githubWrites()).toEqual([]);
    expect(await deliveries(bot)).toEqual(["pull_request.opened error 1"]);
    expect((await bot.metrics.reviewDuration.get()).values.find((v) => v.metricName === "canary_bot_review_duration_seconds_count")).toMatchObject({ labels: { outcome: "error" }, value: 1 });
  });

  it("splits a GraphQL blob batch that GitHub failed to answer in time, and reads both halves", async () => {
    mockToken();
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
    expect(await deliveries(bot)).toEqual(["pull_request.opened reviewed 1"]);
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
    expect(await deliveries(bot)).toEqual(["check_run.rerequested reviewed 1"]);
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
