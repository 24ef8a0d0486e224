/**
 * Slash-command approvals end to end: canary-bot as deployed (src/main.ts: the durable queue on a
 * real PGlite, the job runner, the HTTP server on loopback), a real HTTP client playing Flagger at
 * the gate route, and issue_comment webhooks signed and posted to the same server. Only GitHub is
 * mocked (nock, every mock used, every request checked against GitHub's OpenAPI description); the
 * promotion records come from the in-memory double of the PromotionStore port.
 *
 * The Canaries the pull request changes are seeded in the store as the review would store them
 * (ensurePullRequestCanaries): the review itself is tested elsewhere.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/github/metrics.js";
import type { Log } from "../../src/github/port.js";
import { startCanaryBot, type RunningCanaryBot } from "../../src/main.js";
import { REVIEW_MARKER } from "../../src/report/comment.js";
import { ensurePullRequestCanaries, listCommandRecords, listGateCalls } from "../../src/store/approvals.js";
import { saveReviewComment } from "../../src/store/comments.js";
import { upsertGatedPullRequest } from "../../src/store/gate-store.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { openStore, type Store } from "../../src/store/index.js";
import { CANARY, HEAD_SHA, promotionWithRun, REVISION } from "../support/approvals.js";
import { until, waitForQueueIdle } from "../support/github-app.js";
import { createRecordingLogger, githubWrites, intercept, mockConfig, mockToken, resetGitHubMock, testPrivateKey, verifyGitHubMock, type LogRecord } from "../support/github.js";
import { createMemoryPromotionStore, type MemoryPromotionStore } from "../support/memory-promotion-store.js";

const comment = JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/events/issue_comment.created.pull-request.json"), "utf8")) as Record<string, unknown>;

const TOKEN = "gate-token-0123456789abcdef0123456789";
const SECRET = "test-webhook-secret";
const OWNER = "Codertocat";
const REPO = "Hello-World";
const PULL = 1;
const T_RUN = Date.UTC(2026, 10, 29, 12, 0, 0);
const RUN_ID = "staging/test/podinfo@2026-11-29T12:00:00.000Z";
const CONFIG = 'environments:\n  - name: staging\n    paths: ["clusters/staging/**"]\n    cluster: staging\n';
const flaggerPayload = { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "85d557f47b", metadata: {} };

describe("Flagger's gates opened by /canary commands, end to end", () => {
  let store: Store;
  let promotions: MemoryPromotionStore;
  let bot: RunningCanaryBot;
  let probot: Probot;
  let url: string;
  const logs: LogRecord[] = [];

  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(async () => {
    resetGitHubMock();
    logs.length = 0;
    await store.query("TRUNCATE jobs, deliveries, command_records, gate_calls, pull_request_heads, pull_request_canaries, pull_request_comments, gate_pull_requests, promotion_records RESTART IDENTITY");
    promotions = createMemoryPromotionStore();
    promotions.records.set("staging/test/podinfo", { record: promotionWithRun({ startedAt: T_RUN }), version: 1 });
    await ensurePullRequestCanaries(store, {
      repository: `${OWNER}/${REPO}`,
      pullRequest: PULL,
      headSha: HEAD_SHA,
      canaries: [{ canary: CANARY, revision: REVISION, gates: ["confirm-promotion", "rollback"] }],
    });
    const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } }));
    probot = new Probot({ appId: 1, privateKey: testPrivateKey(), secret: SECRET, Octokit, log: createRecordingLogger(logs) });
    bot = await startCanaryBot({
      probot,
      metrics: createMetrics({ defaultMetrics: false }),
      log: probot.log as unknown as Log,
      config: {
        port: 0,
        host: "127.0.0.1",
        webhookPath: "/api/github/webhooks",
        webhookSecret: SECRET,
        store,
        reviewThreads: 0,
        jobConcurrency: 2,
        identity: { appId: 1 },
        shutdownGraceMs: 2_000,
        queue: { pollMs: 25, leaseMs: 2_000, retry: { baseMs: 20, capMs: 200 } },
        gates: { clusters: [{ name: "staging", eventToken: TOKEN }], promotions },
      },
    });
    url = `http://127.0.0.1:${bot.address.port}`;
  });
  afterEach(async () => {
    await bot.stop();
    verifyGitHubMock();
  });

  /** Flagger calling a gate: the status and the reason canary-bot gave. */
  const flagger = async (hook: string) => {
    const response = await fetch(`${url}/flagger/gates/staging/${hook}?token=${TOKEN}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(flaggerPayload) });
    const body = (await response.json()) as { code: string; reason: string };
    return { status: response.status, code: body.code, reason: body.reason };
  };

  const deliverComment = async (params: { id: number; body: string; login: string; delivery?: string }) => {
    const payload = structuredClone(comment) as Record<string, any>;
    payload.comment.id = params.id;
    payload.comment.body = params.body;
    payload.comment.user.login = params.login;
    payload.sender.login = params.login;
    payload.comment.created_at = payload.comment.updated_at = "2026-11-29T12:05:00Z";
    const text = JSON.stringify(payload);
    const response = await fetch(`${url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "issue_comment", "x-github-delivery": params.delivery ?? crypto.randomUUID(), "x-hub-signature-256": await probot.webhooks.sign(text) },
      body: text,
    });
    return response.status;
  };

  /** The GitHub reads one command job makes, and the reaction it adds. */
  const mockCommandJob = (params: { commentId: number; login: string; permission: string; reaction: string }) => {
    intercept({
      method: "GET",
      path: `/repos/${OWNER}/${REPO}/pulls/${PULL}`,
      reply: [200, { number: PULL, state: "open", user: { login: "bob" }, head: { sha: HEAD_SHA, repo: { full_name: `${OWNER}/${REPO}` } }, base: { repo: { full_name: `${OWNER}/${REPO}`, default_branch: "master" } } }],
    });
    mockConfig(CONFIG);
    intercept({ method: "GET", path: `/repos/${OWNER}/${REPO}/collaborators/${params.login}/permission`, reply: [200, { permission: params.permission, role_name: params.permission, user: { login: params.login } }] });
    intercept({
      method: "POST",
      path: `/repos/${OWNER}/${REPO}/issues/comments/${params.commentId}/reactions`,
      reply: (body) => (JSON.stringify(body) === JSON.stringify({ content: params.reaction }) ? [201, { id: 1, content: params.reaction }] : [422, { message: "unexpected reaction" }]),
    });
  };

  it("keeps confirm-promotion closed until an authorized /canary promote, then opens it for that run only", async () => {
    for (let poll = 0; poll < 3; poll += 1) expect(await flagger("confirm-promotion")).toMatchObject({ status: 403, code: "NOT_APPROVED" });

    mockToken();
    mockCommandJob({ commentId: 5001, login: "alice", permission: "write", reaction: "+1" });
    expect(await deliverComment({ id: 5001, body: "Looks good.\n\n/canary promote", login: "alice" })).toBe(202);
    await waitForQueueIdle(store);

    expect(await flagger("confirm-promotion")).toMatchObject({ status: 200, code: "APPROVED", reason: `opened by alice's /canary promote on #1 (head ec26c3e) for run ${RUN_ID}` });
    expect(await flagger("confirm-promotion")).toMatchObject({ status: 200 });
    expect(githubWrites()).toEqual([{ method: "POST", path: `/repos/${OWNER}/${REPO}/issues/comments/5001/reactions`, body: { content: "+1" } }]);

    // The next rollout of the Canary is a new run: the approval does not carry over.
    promotions.records.set("staging/test/podinfo", { record: promotionWithRun({ startedAt: T_RUN + 3_600_000 }), version: 2 });
    expect(await flagger("confirm-promotion")).toMatchObject({ status: 403, code: "APPROVAL_FOR_ANOTHER_RUN" });

    // The server stores gate calls in batches, moments after answering them.
    await until(async () => (await listGateCalls(store, { cluster: "staging" })).length === 6, 10_000, "six stored gate calls");
    const calls = await listGateCalls(store, { cluster: "staging" });
    expect(calls.map((c) => c.status)).toEqual([403, 403, 403, 200, 200, 403]);
    const [approval] = await listCommandRecords(store, { repository: `${OWNER}/${REPO}`, pullRequest: PULL });
    expect(approval).toMatchObject({ verb: "promote", outcome: "accepted", actor: "alice", runId: RUN_ID, consumedAt: expect.any(String) });
    // Counted for Prometheus; the promotion records here are a double, so every call reads them.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('canary_bot_flagger_gate_calls_total{hook="confirm-promotion",status="403",source="store"} 4');
    expect(metrics).toContain('canary_bot_flagger_gate_calls_total{hook="confirm-promotion",status="200",source="store"} 2');
  });

  it("asks for /canary promote in the sticky comment while the run waits, and shows the approval there once given", async () => {
    // The pull request as its review left it: the review's text, and the gate following it.
    const reviewBody = `${REVIEW_MARKER}\n### 🐤 canary-bot review\n\nThe review of ${HEAD_SHA.slice(0, 7)}.`;
    await saveReviewComment(store, { owner: OWNER, repo: REPO, number: PULL, installationId: 1, headSha: HEAD_SHA, reviewBody });
    await upsertGatedPullRequest(store, { owner: OWNER, repo: REPO, number: PULL, installationId: 1, headSha: HEAD_SHA, state: "open", environments: [{ name: "staging", paths: ["clusters/staging/**"], cluster: "staging" }], canaries: [] });
    await createStorePromotionStore(store).upsertPromotionRecord({ record: promotionWithRun({ startedAt: T_RUN, phase: "WaitingPromotion" }), expectedVersion: null });

    // GitHub's copy of the sticky comment, edited by each redraw.
    let onGitHub = reviewBody;
    const edits: string[] = [];
    const ours = () => [{ id: 77, body: onGitHub, user: { login: "canary-bot[bot]", type: "Bot" }, performed_via_github_app: { id: 1 } }];
    intercept({ method: "POST", path: "/app/installations/1/access_tokens", reply: [201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" }], times: 3, optional: true });
    intercept({ method: "GET", path: `/repos/${OWNER}/${REPO}/issues/${PULL}/comments?per_page=100`, reply: () => [200, ours()], times: 2 });
    intercept({
      method: "PATCH",
      path: `/repos/${OWNER}/${REPO}/issues/comments/77`,
      reply: (body) => {
        onGitHub = (body as { body: string }).body;
        edits.push(onGitHub);
        return [200, ours()[0]!];
      },
      times: 2,
    });

    // Flagger polls the closed gate: the first answer is a change (a prompt), the next ones are not.
    for (let poll = 0; poll < 3; poll += 1) expect(await flagger("confirm-promotion")).toMatchObject({ status: 403, code: "NOT_APPROVED" });
    await until(() => edits.length === 1, 10_000, "the comment redrawn with the prompt");
    await waitForQueueIdle(store);
    expect(edits[0]!.split("\n").slice(0, 2)).toEqual([REVIEW_MARKER, "> ⏸️ **podinfo in staging is waiting for promotion: comment `/canary promote`**"]);
    // Drawn once the first call was stored (the later polls, the same answer, redraw nothing).
    expect(edits[0]).toMatch(/Flagger's gate calls[\s\S]*\| test\/podinfo in cluster staging \| confirm-promotion \| [1-3] \| .* \| ⏸️ 403: /);

    mockCommandJob({ commentId: 5005, login: "alice", permission: "write", reaction: "+1" });
    expect(await deliverComment({ id: 5005, body: "/canary promote", login: "alice" })).toBe(202);
    await until(() => edits.length === 2, 10_000, "the comment redrawn with the approval");
    await waitForQueueIdle(store);
    expect(edits[1]).not.toContain("waiting for promotion");
    expect(edits[1]).toMatch(/#### Approvals[\s\S]*\| alice \| `\/canary promote` \| test\/podinfo in staging, head `ec26c3e`, run of 2026-11-29 12:00 UTC \| ✅ accepted, confirm-promotion opens for this run \|/);
  });

  it("answers the rollback hook 200 once /canary rollback was given for the current run", async () => {
    expect(await flagger("rollback")).toMatchObject({ status: 403, code: "NOT_APPROVED" });
    mockToken();
    mockCommandJob({ commentId: 5002, login: "alice", permission: "write", reaction: "+1" });
    expect(await deliverComment({ id: 5002, body: "/canary rollback", login: "alice" })).toBe(202);
    await waitForQueueIdle(store);
    expect(await flagger("rollback")).toMatchObject({ status: 200, code: "APPROVED" });
    expect(await flagger("confirm-promotion")).toMatchObject({ status: 403, code: "NOT_APPROVED" });
  });

  it("never opens the gate on an unauthorized commenter's /canary promote, and says why", async () => {
    mockToken();
    mockCommandJob({ commentId: 5003, login: "mallory", permission: "read", reaction: "-1" });
    intercept({ method: "POST", path: `/repos/${OWNER}/${REPO}/issues/${PULL}/comments`, reply: [201, { id: 9 }] });
    expect(await deliverComment({ id: 5003, body: "/canary promote", login: "mallory" })).toBe(202);
    await waitForQueueIdle(store);
    expect(await flagger("confirm-promotion")).toMatchObject({ status: 403, code: "NOT_APPROVED" });
    const writes = githubWrites();
    expect(writes[0]).toEqual({ method: "POST", path: `/repos/${OWNER}/${REPO}/issues/comments/5003/reactions`, body: { content: "-1" } });
    expect((writes[1]?.body as { body: string }).body).toContain("/canary promote` for test/podinfo in staging by mallory was refused: /canary promote needs write permission");
    const [refused] = await listCommandRecords(store, { repository: `${OWNER}/${REPO}`, pullRequest: PULL });
    expect(refused).toMatchObject({ outcome: "refused", actor: "mallory" });
  });

  it("stores nothing new for a redelivered comment webhook (same delivery id, or GitHub's redelivery with a new one)", async () => {
    mockToken();
    mockCommandJob({ commentId: 5004, login: "alice", permission: "write", reaction: "+1" });
    const delivery = crypto.randomUUID();
    expect(await deliverComment({ id: 5004, body: "/canary promote", login: "alice", delivery })).toBe(202);
    await waitForQueueIdle(store);
    const before = await listCommandRecords(store, { repository: `${OWNER}/${REPO}`, pullRequest: PULL });
    expect(before).toHaveLength(1);

    // The same delivery id: answered as a duplicate, no job, no GitHub call.
    expect(await deliverComment({ id: 5004, body: "/canary promote", login: "alice", delivery })).toBe(200);
    // A new delivery id for the same comment: the job runs again, and the record's key is taken.
    mockCommandJob({ commentId: 5004, login: "alice", permission: "write", reaction: "+1" });
    expect(await deliverComment({ id: 5004, body: "/canary promote", login: "alice" })).toBe(202);
    await waitForQueueIdle(store);
    expect(await listCommandRecords(store, { repository: `${OWNER}/${REPO}`, pullRequest: PULL })).toEqual(before);
    expect((await store.query("SELECT count(*)::int AS n FROM command_records"))[0]).toEqual({ n: 1 });
  });
});
