/**
 * The App end to end: real (trimmed) webhook payloads through `probot.receive`, GitHub mocked with
 * nock, every request we send checked against GitHub's OpenAPI description (support/github.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { REVIEW_MARKER, renderNoCanaryComment } from "../../src/report/comment.js";
import { reviewChanges } from "../../src/review/index.js";
import { buildCheckDigest } from "../../src/github/validation-check.js";
import { BASE, expectedReview, HEAD, mockPull, mockReviewReads, pullResponse, receive, REPOSITORY_URL } from "./helpers.js";
import {
  createTestBot,
  diffFiles,
  expectCreateCheckRun,
  expectCreateComment,
  expectUpdateCheckRun,
  expectUpdateComment,
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
  mockListFiles,
  mockToken,
  mockTree,
  PR,
  REPO,
  resetGitHubMock,
  verifyGitHubMock,
  type Files,
  type TestBot,
} from "../support/github.js";

describe("pull request review", () => {
  let bot: TestBot;
  beforeEach(async () => {
    resetGitHubMock();
    bot = await createTestBot();
  });
  afterEach(() => verifyGitHubMock());

  it("posts one sticky comment and a canary/validation check with the same review as `canary-bot review`", async () => {
    mockToken();
    const asked = mockReviewReads({ base: BASE, head: HEAD });
    mockCheckRuns([]);
    const checks = expectCreateCheckRun();
    mockComments([]);
    const comments = expectCreateComment();

    await receive(bot, loadEvent("pull_request.opened"));

    const expected = expectedReview(BASE, HEAD);
    expect(expected.touchesCanaries).toBe(true);
    expect(comments).toEqual([expected.comment]);
    expect(comments[0]!.startsWith(REVIEW_MARKER)).toBe(true);
    expect(checks).toEqual([
      {
        name: "canary/validation",
        head_sha: PR.headSha,
        external_id: buildCheckDigest(expected.check),
        status: "completed",
        conclusion: expected.check.conclusion,
        completed_at: expect.any(String),
        output: { title: expected.check.title, summary: expected.check.summary, ...(expected.check.text ? { text: expected.check.text } : {}), annotations: expected.check.annotations.slice(0, 50) },
      },
    ]);
    // Changed files at head and at the merge base, and the unchanged neighbours once, in one request.
    expect(asked).toHaveLength(1);
    expect([...asked[0]!].sort()).toEqual(
      [
        `${PR.headSha}:apps/istio-system/public-gateway.yaml`,
        `${PR.headSha}:apps/podinfo/canary.yaml`,
        `${MERGE_BASE}:apps/podinfo/canary.yaml`,
        `${PR.headSha}:apps/podinfo/deployment.yaml`,
        `${PR.headSha}:apps/podinfo/hpa.yaml`,
        `${PR.headSha}:apps/podinfo/namespace.yaml`,
      ].sort(),
    );
    expect((await bot.metrics.deliveries.get())).toMatchObject({ values: [{ labels: { event: "pull_request.opened", outcome: "queued" }, value: 1 }] });
  });

  it("writes nothing when the same event is delivered again", async () => {
    const expected = expectedReview(BASE, HEAD);
    mockToken();
    mockReviewReads({ base: BASE, head: HEAD });
    mockCheckRuns([{ id: 5001, external_id: buildCheckDigest(expected.check), annotations_count: expected.check.annotations.length }]);
    mockComments([{ id: 1001, body: expected.comment }]);

    await receive(bot, loadEvent("pull_request.opened"), "redelivered");

    expect(githubWrites()).toEqual([]);
  });

  it("updates the comment in place and adds a check run when the review changed", async () => {
    mockToken();
    mockReviewReads({ base: BASE, head: HEAD });
    mockCheckRuns([{ id: 5001, external_id: "canary-bot:an-older-result", annotations_count: 0 }]);
    const checks = expectCreateCheckRun();
    mockComments([
      { id: 900, body: `a person quoting ${REVIEW_MARKER}`, bot: false },
      { id: 1001, body: `${REVIEW_MARKER}\nan older review` },
    ]);
    const updates = expectUpdateComment(1001);

    await receive(bot, loadEvent("pull_request.synchronize"));

    expect(updates).toEqual([expectedReview(BASE, HEAD).comment]);
    expect(checks).toHaveLength(1);
  });

  it("reviews on opened, synchronize, reopened, ready_for_review and a base change; ignores other edits", async () => {
    for (const fixture of ["pull_request.reopened", "pull_request.ready_for_review", "pull_request.edited.base"] as const) {
      mockToken();
      mockReviewReads({ base: BASE, head: HEAD });
      mockCheckRuns([]);
      expectCreateCheckRun();
      mockComments([]);
      expectCreateComment();
      bot = await createTestBot();
      await receive(bot, loadEvent(fixture));
      expect((await bot.metrics.deliveries.get()).values).toEqual([{ labels: { event: fixture.replace(".base", ""), outcome: "queued" }, value: 1 }]);
    }
    await receive(bot, loadEvent("pull_request.edited.title"));
    expect((await bot.metrics.deliveries.get()).values).toContainEqual({ labels: { event: "pull_request.edited", outcome: "ignored" }, value: 1 });
  });

  it("makes no comment and no write for a pull request that touches no manifest", async () => {
    mockToken();
    mockPull();
    mockConfig(null);
    mockCompare({ files: [{ filename: "README.md", status: "modified" }, { filename: "src/main.go", status: "added" }] });
    mockComments([]);

    await receive(bot, loadEvent("pull_request.opened"));

    expect(githubWrites()).toEqual([]);
    expect(githubRequests().map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      `POST /app/installations/1/access_tokens`,
      `GET /repos/Codertocat/Hello-World/pulls/2`,
      `GET /repos/Codertocat/Hello-World/contents/.github%2Fcanary-bot.yml`,
      `GET /repos/Codertocat/Hello-World/compare/${PR.baseSha}...${PR.headSha}`,
      `GET /repos/Codertocat/Hello-World/issues/2/comments`,
    ]);
  });

  it("makes no comment for manifests that belong to no Canary", async () => {
    const base = { "apps/web/deployment.yaml": HEAD["apps/podinfo/deployment.yaml"]!.replace(/podinfo/g, "web") };
    const head = { "apps/web/deployment.yaml": base["apps/web/deployment.yaml"].replace("6.7.0", "6.7.1") };
    mockToken();
    mockReviewReads({ base, head });
    mockComments([]);

    await receive(bot, loadEvent("pull_request.opened"));

    expect(githubWrites()).toEqual([]);
  });

  it("says so in its comment when the pull request stops touching Canaries", async () => {
    mockToken();
    mockPull();
    mockConfig(null);
    mockCompare({ files: [{ filename: "README.md", status: "modified" }] });
    mockComments([{ id: 1001, body: `${REVIEW_MARKER}\nan older review` }]);
    // No blob was read, so the head is confirmed again before the write.
    intercept({ method: "GET", path: `/repos/${REPO.owner}/${REPO.repo}/pulls/${PR.number}`, reply: [200, pullResponse(PR.headSha)] });
    const updates = expectUpdateComment(1001);

    await receive(bot, loadEvent("pull_request.synchronize"));

    expect(updates).toEqual([renderNoCanaryComment()]);
  });

  it("writes nothing for a head that moved on while reading, and reads the pull request again", async () => {
    mockToken();
    mockReviewReads({ base: BASE, head: HEAD, headRefOid: "0000000000000000000000000000000000000009" });
    // The second look finds the pull request closed: nothing more to do.
    intercept({ method: "GET", path: `/repos/${REPO.owner}/${REPO.repo}/pulls/${PR.number}`, reply: [200, { ...pullResponse("0000000000000000000000000000000000000009"), state: "closed" }] });

    await receive(bot, loadEvent("pull_request.synchronize"));

    expect(githubWrites()).toEqual([]);
    expect(githubRequests().filter((r) => r.path === `/repos/${REPO.owner}/${REPO.repo}/pulls/${PR.number}`)).toHaveLength(2);
    expect((await bot.metrics.reviewDuration.get()).values.filter((v) => String(v.metricName).endsWith("_count")).map((v) => [v.labels.outcome, v.value])).toEqual([
      ["stale", 1],
      ["closed", 1],
    ]);
  });

  it("fails the check with every problem and its line when .github/canary-bot.yml is invalid, and does not comment", async () => {
    mockToken();
    mockPull();
    mockConfig("manifests:\n  include: [apps/**]\ncontroller:\n  meshProvider: istoi\nlimit:\n  reviewBytes: 1\n");
    mockCheckRuns([]);
    const checks = expectCreateCheckRun();

    await receive(bot, loadEvent("pull_request.opened"));

    expect(checks).toHaveLength(1);
    expect(checks[0]!.conclusion).toBe("failure");
    expect(checks[0]!.output.title).toBe("Invalid .github/canary-bot.yml");
    expect(checks[0]!.output.summary).toContain(".github/canary-bot.yml:4:17: controller.meshProvider: not a provider Flagger knows");
    expect(checks[0]!.output.summary).toContain('.github/canary-bot.yml:5:1: limit: unknown key "limit"; did you mean "limits"?');
    expect(githubWrites().map((w) => w.method + " " + w.path)).toEqual([`POST /repos/${REPO.owner}/${REPO.repo}/check-runs`]);
  });

  it("reads manifests only under the configured globs and applies the controller settings", async () => {
    const config = "manifests:\n  include: ['apps/podinfo/**']\ncontroller:\n  meshProvider: nginx\n";
    mockToken();
    const asked = mockReviewReads({ base: BASE, head: HEAD, config });
    mockCheckRuns([]);
    const checks = expectCreateCheckRun();
    mockComments([]);
    expectCreateComment();

    await receive(bot, loadEvent("pull_request.opened"));

    expect(asked[0]!.every((e) => e.includes(":apps/podinfo/"))).toBe(true);
    const expected = reviewChanges({
      base: Object.entries(BASE).filter(([p]) => p.startsWith("apps/podinfo/")).map(([path, content]) => parseManifestFile({ path, content })),
      head: Object.entries(HEAD).filter(([p]) => p.startsWith("apps/podinfo/")).map(([path, content]) => parseManifestFile({ path, content })),
      changedPaths: ["apps/podinfo/canary.yaml"],
      settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "nginx" },
    });
    expect(checks[0]!.output.summary).toBe(expected.check.summary);
    expect(checks[0]!.conclusion).toBe(expected.check.conclusion);
  });

  it("sends annotations 50 per request: the first 50 with the create, the rest in updates", async () => {
    // 60 Canaries with an invalid stepWeight each: at least 60 annotations.
    const canary = (i: number, stepWeight: number) =>
      `apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: app-${i}\n  namespace: test\nspec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: app-${i}\n  service:\n    port: 80\n  analysis:\n    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeight: ${stepWeight}\n`;
    const base: Files = {};
    const head: Files = {};
    for (let i = 0; i < 60; i += 1) {
      base[`apps/app-${i}/canary.yaml`] = canary(i, 10);
      head[`apps/app-${i}/canary.yaml`] = canary(i, 0);
    }
    const expected = reviewChanges({
      base: Object.entries(base).map(([path, content]) => parseManifestFile({ path, content })),
      head: Object.entries(head).map(([path, content]) => parseManifestFile({ path, content })),
      changedPaths: Object.keys(head),
      settings: DEFAULT_CONTROLLER_SETTINGS,
    });
    const count = expected.check.annotations.length;
    expect(count).toBeGreaterThan(50);
    mockToken();
    mockReviewReads({ base, head });
    mockCheckRuns([]);
    const creates = expectCreateCheckRun({ id: 77 });
    const updates = expectUpdateCheckRun(77, { times: Math.ceil(count / 50) - 1 });
    mockComments([]);
    expectCreateComment();

    await receive(bot, loadEvent("pull_request.opened"));

    const sent = [...creates.map((c) => c.output.annotations), ...updates.map((u) => u.output.annotations)];
    expect(sent.map((a) => a.length)).toEqual(Array.from({ length: Math.ceil(count / 50) }, (_, i) => Math.min(50, count - i * 50)));
    expect(sent.flat()).toEqual(expected.check.annotations);
    // Every update repeats the title and summary GitHub requires with an output.
    expect(updates.every((u) => u.output.title === creates[0]!.output.title && u.output.summary === creates[0]!.output.summary)).toBe(true);
  });

  it("finds its comment on a later page of a long conversation", async () => {
    const expected = expectedReview(BASE, HEAD);
    mockToken();
    mockReviewReads({ base: BASE, head: HEAD });
    mockCheckRuns([{ id: 5001, external_id: buildCheckDigest(expected.check), annotations_count: expected.check.annotations.length }]);
    const firstPage = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, body: "LGTM", bot: false }));
    intercept({
      method: "GET",
      path: `/repos/${REPO.owner}/${REPO.repo}/issues/${PR.number}/comments?per_page=100`,
      reply: [200, firstPage.map((c) => ({ id: c.id, body: c.body, user: { login: "octocat", type: "User" } })), { link: `<https://api.github.com/repositories/1296269/issues/2/comments?per_page=100&page=2>; rel="next"` }],
    });
    intercept({
      method: "GET",
      path: "/repositories/1296269/issues/2/comments?per_page=100&page=2",
      reply: [200, [{ id: 4242, body: expected.comment, user: { login: "canary-bot[bot]", type: "Bot" }, performed_via_github_app: { id: 1 } }]],
    });

    await receive(bot, loadEvent("pull_request.synchronize"));

    expect(githubWrites()).toEqual([]);
  });

  it("reviews a renamed Canary against its old name at the merge base", async () => {
    const base = { "apps/podinfo/canary.yaml": BASE["apps/podinfo/canary.yaml"]!, "apps/podinfo/deployment.yaml": BASE["apps/podinfo/deployment.yaml"]! };
    const head = { "apps/podinfo/flagger.yaml": BASE["apps/podinfo/canary.yaml"]!.replace("stepWeight: 10", "stepWeight: 5"), "apps/podinfo/deployment.yaml": BASE["apps/podinfo/deployment.yaml"]! };
    mockToken();
    mockPull();
    mockConfig(null);
    mockCompare({ files: [{ filename: "apps/podinfo/flagger.yaml", previous_filename: "apps/podinfo/canary.yaml", status: "renamed" }] });
    mockTree({ files: head });
    const asked = mockBlobs({ revisions: { [PR.headSha]: head, [MERGE_BASE]: base } });
    mockCheckRuns([]);
    expectCreateCheckRun();
    mockComments([]);
    const comments = expectCreateComment();

    await receive(bot, loadEvent("pull_request.opened"));

    expect([...asked[0]!].sort()).toEqual([`${MERGE_BASE}:apps/podinfo/canary.yaml`, `${PR.headSha}:apps/podinfo/deployment.yaml`, `${PR.headSha}:apps/podinfo/flagger.yaml`].sort());
    const expected = reviewChanges({
      base: Object.entries(base).map(([path, content]) => parseManifestFile({ path, content })),
      head: Object.entries(head).map(([path, content]) => parseManifestFile({ path, content })),
      changedPaths: ["apps/podinfo/canary.yaml", "apps/podinfo/flagger.yaml"],
      settings: DEFAULT_CONTROLLER_SETTINGS,
      blobUrl: `${REPOSITORY_URL}/blob/${PR.headSha}`,
    });
    expect(comments).toEqual([expected.comment]);
  });

  it("says in the comment and the check when it could not read every neighbour", async () => {
    mockToken();
    mockReviewReads({ base: BASE, head: HEAD, config: "limits:\n  contextFiles: 1\n" });
    mockCheckRuns([]);
    const checks = expectCreateCheckRun();
    mockComments([]);
    const comments = expectCreateComment();

    await receive(bot, loadEvent("pull_request.opened"));

    const note = "References were resolved against 1 of the 3 unchanged manifests near the changed files; the other 2 were not read (size limits), so a reference to them shows as not found.";
    expect(comments[0]).toContain(`> [!NOTE]\n> ${note}`);
    expect(checks[0]!.output.summary.startsWith(`**Note:** ${note}`)).toBe(true);
  });

  it("checks a pull request's own change of .github/canary-bot.yml, annotating each problem on its line", async () => {
    mockToken();
    mockPull();
    mockConfig(null);
    mockCompare({ files: [{ filename: ".github/canary-bot.yml", status: "added" }] });
    mockConfig("environments:\n  - name: production\n    paths: [clusters/prod/**]\n    cluster: prod\n    promotedIn: staging\n", { ref: PR.headSha });
    mockComments([]);
    mockCheckRuns([]);
    const checks = expectCreateCheckRun();

    await receive(bot, loadEvent("pull_request.opened"));

    expect(checks).toHaveLength(1);
    expect(checks[0]!.conclusion).toBe("failure");
    expect(checks[0]!.output.title).toBe("Invalid .github/canary-bot.yml; No Canary changes");
    expect(checks[0]!.output.annotations).toEqual([
      {
        path: ".github/canary-bot.yml",
        start_line: 5,
        end_line: 5,
        start_column: 17,
        end_column: 17,
        annotation_level: "failure",
        message: 'no environment is named "staging"; define it under environments or fix the name',
        title: "Invalid environments[0].promotedIn",
      },
    ]);
    expect(githubWrites()).toHaveLength(1);
  });

  it("writes nothing for a pull request that changes the config into a valid one and touches no Canary", async () => {
    mockToken();
    mockPull();
    mockConfig(null);
    mockCompare({ files: [{ filename: ".github/canary-bot.yml", status: "added" }] });
    mockConfig("controller:\n  meshProvider: linkerd\n", { ref: PR.headSha });
    mockComments([]);

    await receive(bot, loadEvent("pull_request.opened"));

    expect(githubWrites()).toEqual([]);
  });

  it("logs static messages with metadata, and never a token or a key", async () => {
    mockToken();
    mockReviewReads({ base: BASE, head: HEAD });
    mockCheckRuns([]);
    expectCreateCheckRun();
    mockComments([]);
    expectCreateComment();

    await receive(bot, loadEvent("pull_request.opened"));

    const ours = bot.logs.filter((l) => l.message === "reviewed pull request");
    expect(ours.map((l) => l.meta)).toEqual([expect.objectContaining({ repo: `${REPO.owner}/${REPO.repo}`, pr: PR.number, sha: PR.headSha, canaries: 1, comment: "created", check: "created" })]);
    const everything = JSON.stringify(bot.logs);
    expect(everything).not.toContain("ghs_test");
    expect(everything).not.toContain("PRIVATE KEY");
  });

  it("pages through the pull request's files when the compare API lists only its first 300", async () => {
    const docs = Array.from({ length: 300 }, (_, i) => ({ filename: `docs/page-${String(i).padStart(3, "0")}.md`, status: "added" as const }));
    const files = [...docs, ...diffFiles(BASE, HEAD)];
    mockToken();
    mockPull();
    mockConfig(null);
    mockCompare({ files: files.slice(0, 300) });
    mockListFiles({ files });
    mockTree({ files: HEAD });
    mockBlobs({ revisions: { [PR.headSha]: HEAD, [MERGE_BASE]: BASE } });
    mockCheckRuns([]);
    expectCreateCheckRun();
    mockComments([]);
    const comments = expectCreateComment();

    await receive(bot, loadEvent("pull_request.opened"));

    expect(comments).toEqual([expectedReview(BASE, HEAD).comment]);
    expect(githubRequests().filter((r) => r.path.includes("/files")).map((r) => r.path)).toEqual([
      `/repos/${REPO.owner}/${REPO.repo}/pulls/${PR.number}/files?per_page=100`,
      `/repositories/1296269/pulls/${PR.number}/files?per_page=100&page=2`,
      `/repositories/1296269/pulls/${PR.number}/files?per_page=100&page=3`,
      `/repositories/1296269/pulls/${PR.number}/files?per_page=100&page=4`,
    ]);
  });
});

