/**
 * GitHub, mocked with nock 14 (which intercepts Node's native fetch, the one Octokit uses). Every
 * interceptor records the request it answers; after each test `verifyGitHubMock` asserts that no
 * mock is left unused, that no request went unanswered, and that every REST request we sent is
 * valid for GitHub's OpenAPI description (support/openapi.ts).
 *
 * `FakeRepository` answers the reads of a review (config, compare, tree, GraphQL blobs) from plain
 * maps of paths to contents, so that a test states the repository, not the HTTP traffic.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { Probot, ProbotOctokit, type Logger } from "probot";
import { expect } from "vitest";
import { createCanaryBotApp, type CanaryBotApp } from "../../src/github/app.js";
import { createInstrumentedFetch, createMetrics, type Metrics } from "../../src/github/metrics.js";
import { findOpenApiProblems } from "./openapi.js";

export const API = "https://api.github.com";

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

let recorded: RecordedRequest[] = [];
let unmatched: string[] = [];
let listening = false;

/** Call in beforeEach: no real network, a clean record. */
export function resetGitHubMock(): void {
  nock.cleanAll();
  nock.disableNetConnect();
  // Local test servers (test/server.test.ts) stay reachable.
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  recorded = [];
  unmatched = [];
  Object.assign(REPO, FIXTURE_REPO);
  if (!listening) {
    nock.emitter.on("no match", (req: { method?: string; path?: string; options?: { method?: string; path?: string } }) => {
      const method = req.method ?? req.options?.method ?? "?";
      const path = req.path ?? req.options?.path ?? "?";
      if (!/127\.0\.0\.1|localhost/.test(String((req as { host?: string }).host ?? ""))) unmatched.push(`${method} ${path}`);
    });
    listening = true;
  }
}

/** Call in afterEach: every mock used, nothing unanswered, every REST request valid for GitHub. */
export function verifyGitHubMock(): void {
  const pending = nock.pendingMocks();
  const problems = recorded.flatMap((r) => findOpenApiProblems(r));
  const notAnswered = [...unmatched];
  nock.cleanAll();
  expect({ pending, notAnswered, problems }).toEqual({ pending: [], notAnswered: [], problems: [] });
}

/** Every request answered by a mock so far, in order. */
export function githubRequests(): RecordedRequest[] {
  return [...recorded];
}

/** Requests other than reads: what the App wrote. */
export function githubWrites(): RecordedRequest[] {
  return recorded.filter((r) => r.method !== "GET" && !(r.method === "POST" && (r.path === "/graphql" || r.path.endsWith("/access_tokens"))));
}

type Reply = [number, unknown] | [number, unknown, Record<string, string>];

function record(method: string, path: string, body: unknown): void {
  recorded.push({ method, path, body: typeof body === "string" && body !== "" ? safeJson(body) : body === "" ? undefined : body });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An interceptor that records what it answers. `reply` may inspect the request body. */
export function intercept(params: {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string | RegExp;
  reply: Reply | ((body: unknown, path: string) => Reply);
  times?: number;
  /** Not counted as pending when unused: only for stateful fakes whose state the test asserts. */
  optional?: boolean;
}): nock.Scope {
  const scope = nock(API);
  const interceptor = scope.intercept(params.path, params.method);
  if (params.times) interceptor.times(params.times);
  if (params.optional) interceptor.optionally();
  return interceptor.reply(function (path, body) {
    record(params.method, path, body);
    const parsed = typeof body === "string" && body !== "" ? safeJson(body) : body;
    return typeof params.reply === "function" ? params.reply(parsed, path) : params.reply;
  });
}

// ---------------------------------------------------------------------------------------------
// Probot under test

let privateKey: string | undefined;

/** An RSA key made for the test run (nock answers the token exchange, so any key works). */
export function testPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  return privateKey;
}

export interface TestBot {
  probot: Probot;
  bot: CanaryBotApp;
  metrics: Metrics;
  /** Every log record of Probot, Octokit and canary-bot, with its bindings. */
  logs: LogRecord[];
}

export interface LogRecord {
  level: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  message: string;
  meta: Record<string, unknown>;
}

/** A logger with pino's surface (what Probot, Octokit and canary-bot call) that records every line. */
export function createRecordingLogger(records: LogRecord[], bindings: Record<string, unknown> = {}): Logger {
  const write = (level: LogRecord["level"]) => (first: unknown, second?: unknown) => {
    const meta = typeof first === "object" && first !== null ? { ...bindings, ...(first as Record<string, unknown>) } : { ...bindings };
    const message = typeof first === "string" ? first : typeof second === "string" ? second : first instanceof Error ? first.message : "";
    records.push({ level, message, meta });
  };
  const logger = {
    level: "trace",
    trace: write("trace"),
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    fatal: write("fatal"),
    child: (more: Record<string, unknown>) => createRecordingLogger(records, { ...bindings, ...more }),
  };
  return logger as unknown as Logger;
}

/**
 * A Probot with canary-bot loaded. Throttling and Octokit's retries are off (STYLE.md §9); with
 * `retries`, Octokit's retries of 5xx are on, waiting milliseconds instead of seconds. (Probot's
 * throttle does not retry secondary rate limits; canary-bot's own review retries do, and they run
 * with throttling off too.)
 */
export async function createTestBot(options: { retries?: boolean; load?: boolean } = {}): Promise<TestBot> {
  const metrics = createMetrics({ defaultMetrics: false });
  // The function form: Probot passes its own throttle options to the constructor, which would
  // replace an object default (and with it `enabled: false`).
  const Octokit = ProbotOctokit.defaults((instanceOptions: Record<string, unknown>) => ({
    ...instanceOptions,
    retry: options.retries ? { retryAfterBaseValue: 1 } : { enabled: false },
    throttle: { enabled: false },
  }));
  const logs: LogRecord[] = [];
  const probot = new Probot({ appId: 1, privateKey: testPrivateKey(), Octokit, log: createRecordingLogger(logs), request: { fetch: createInstrumentedFetch(metrics) } });
  const bot = createCanaryBotApp({ metrics, retryTimeScaleMs: 1, identity: { appId: 1 } });
  if (options.load ?? true) await probot.load(bot.app);
  return { probot, bot, metrics, logs };
}

// ---------------------------------------------------------------------------------------------
// Webhook payloads (fixtures/events, trimmed real deliveries)

export type EventFixture =
  | "pull_request.opened"
  | "pull_request.synchronize"
  | "pull_request.reopened"
  | "pull_request.ready_for_review"
  | "pull_request.edited.base"
  | "pull_request.edited.title"
  | "check_run.rerequested"
  | "check_run.rerequested.other-check"
  | "check_suite.rerequested";

export function loadEvent(name: EventFixture): { name: string; payload: Record<string, unknown> } {
  const payload = JSON.parse(readFileSync(join(import.meta.dirname, `../../fixtures/events/${name}.json`), "utf8")) as Record<string, unknown>;
  return { name: name.split(".")[0]!, payload };
}

/** A pull_request event of the fixture repository with another head (and base) commit. */
export function pullRequestEvent(params: { fixture?: EventFixture; headSha?: string; baseSha?: string; number?: number } = {}): { name: string; payload: Record<string, unknown> } {
  const event = loadEvent(params.fixture ?? "pull_request.opened");
  const payload = structuredClone(event.payload) as { number: number; pull_request: { number: number; head: { sha: string }; base: { sha: string } } };
  if (params.headSha) payload.pull_request.head.sha = params.headSha;
  if (params.baseSha) payload.pull_request.base.sha = params.baseSha;
  if (params.number) payload.number = payload.pull_request.number = params.number;
  return { name: event.name, payload: payload as unknown as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------
// The fixture repository: Codertocat/Hello-World, pull request #2 (fixtures/events/pull_request.*)

const FIXTURE_REPO = { owner: "Codertocat", repo: "Hello-World", defaultBranch: "master", installationId: 1 };
/** The repository the mocks answer for; fixtures/events/pull_request.* unless `useRepository` changed it. */
export const REPO = { ...FIXTURE_REPO };

/** Points the mocks at another repository (for payloads of another repository); reset by resetGitHubMock. */
export function useRepository(repository: Partial<typeof FIXTURE_REPO>): void {
  Object.assign(REPO, repository);
}
export const PR = { number: 2, headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", baseSha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e" };
export const MERGE_BASE = "4f5e2c1a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f";
const repoPath = () => `/repos/${REPO.owner}/${REPO.repo}`;

export function mockToken(options: { times?: number } = {}): void {
  intercept({
    method: "POST",
    path: `/app/installations/${REPO.installationId}/access_tokens`,
    reply: [201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: { checks: "write", contents: "read", pull_requests: "write", metadata: "read" }, repository_selection: "all" }],
    ...(options.times ? { times: options.times } : {}),
  });
}

/** `.github/canary-bot.yml` on the default branch (or at `ref`); null: no such file. */
export function mockConfig(text: string | null, options: { times?: number; ref?: string } = {}): void {
  const path = `${repoPath()}/contents/.github%2Fcanary-bot.yml?ref=${options.ref ?? REPO.defaultBranch}`;
  const reply: Reply =
    text === null
      ? [404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/repos/contents#get-repository-content", status: "404" }]
      : [
          200,
          {
            type: "file",
            encoding: "base64",
            size: Buffer.byteLength(text),
            name: "canary-bot.yml",
            path: ".github/canary-bot.yml",
            content: Buffer.from(text).toString("base64"),
            sha: "3d21ec53a331a6f037a91c368710b99387d012c1",
          },
        ];
  intercept({ method: "GET", path, reply, ...(options.times ? { times: options.times } : {}) });
}

export type Files = Record<string, string>;

export interface ChangedFileSpec {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed";
  previous_filename?: string;
}

/** The changed files between two snapshots (renames are not detected: tests state them). */
export function diffFiles(base: Files, head: Files): ChangedFileSpec[] {
  const out: ChangedFileSpec[] = [];
  for (const path of new Set([...Object.keys(base), ...Object.keys(head)])) {
    if (!(path in base)) out.push({ filename: path, status: "added" });
    else if (!(path in head)) out.push({ filename: path, status: "removed" });
    else if (base[path] !== head[path]) out.push({ filename: path, status: "modified" });
  }
  return out.sort((a, b) => a.filename.localeCompare(b.filename));
}

export function mockCompare(params: { base?: string; head?: string; mergeBase?: string; files: ChangedFileSpec[] }): void {
  const base = params.base ?? PR.baseSha;
  const head = params.head ?? PR.headSha;
  intercept({
    method: "GET",
    path: `${repoPath()}/compare/${base}...${head}?per_page=1`,
    reply: [
      200,
      {
        status: "ahead",
        ahead_by: 1,
        behind_by: 0,
        total_commits: 1,
        merge_base_commit: { sha: params.mergeBase ?? MERGE_BASE },
        commits: [],
        files: params.files.map((f, i) => ({ sha: `${i}`.padStart(40, "a"), additions: 1, deletions: 1, changes: 2, ...f })),
      },
    ],
  });
}

export function mockListFiles(params: { files: ChangedFileSpec[]; perPage?: number }): void {
  const perPage = params.perPage ?? 100;
  const pages = Math.max(1, Math.ceil(params.files.length / perPage));
  for (let page = 1; page <= pages; page += 1) {
    const slice = params.files.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> =
      page < pages ? { link: `<${API}/repositories/1296269/pulls/${PR.number}/files?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {};
    intercept({
      method: "GET",
      path: page === 1 ? `${repoPath()}/pulls/${PR.number}/files?per_page=${perPage}` : `/repositories/1296269/pulls/${PR.number}/files?per_page=${perPage}&page=${page}`,
      reply: [200, slice.map((f, i) => ({ sha: `${i}`.padStart(40, "b"), additions: 1, deletions: 0, changes: 1, ...f })), headers],
    });
  }
}

export function mockTree(params: { sha?: string; files: Files; truncated?: boolean }): void {
  const sha = params.sha ?? PR.headSha;
  intercept({
    method: "GET",
    path: `${repoPath()}/git/trees/${sha}?recursive=true`,
    reply: [
      200,
      {
        sha,
        url: `${API}${repoPath()}/git/trees/${sha}`,
        tree: Object.entries(params.files).map(([path, content], i) => ({ path, mode: "100644", type: "blob", sha: `${i}`.padStart(40, "c"), size: Buffer.byteLength(content), url: `${API}${repoPath()}/git/blobs/x` })),
        truncated: params.truncated ?? false,
      },
    ],
  });
}

/**
 * POST /graphql for blob batches: answers each `object(expression: "<sha>:<path>")` from
 * `revisions`, and `pullRequest.headRefOid` with `headRefOid`. Returns the expressions asked for.
 */
export function mockBlobs(params: { revisions: Record<string, Files>; headRefOid?: string; times?: number; onQuery?: (query: string, variables: Record<string, unknown>) => void }): string[][] {
  const asked: string[][] = [];
  intercept({
    method: "POST",
    path: "/graphql",
    ...(params.times ? { times: params.times } : {}),
    reply: (body) => {
      const { query, variables } = body as { query: string; variables: Record<string, unknown> };
      params.onQuery?.(query, variables);
      const repository: Record<string, unknown> = { pullRequest: { headRefOid: params.headRefOid ?? PR.headSha } };
      const expressions: string[] = [];
      for (const match of query.matchAll(/(b\d+): object\(expression: \$(e\d+)\)/g)) {
        const expression = String(variables[match[2]!]);
        expressions.push(expression);
        const colon = expression.indexOf(":");
        const content = params.revisions[expression.slice(0, colon)]?.[expression.slice(colon + 1)];
        repository[match[1]!] = content === undefined ? null : { text: content, byteSize: Buffer.byteLength(content), isBinary: false, isTruncated: false };
      }
      asked.push(expressions);
      return [200, { data: { repository } }];
    },
  });
  return asked;
}

export interface MockComment {
  id: number;
  body: string;
  bot?: boolean;
}

export function mockComments(comments: MockComment[], options: { times?: number } = {}): void {
  intercept({
    method: "GET",
    path: `${repoPath()}/issues/${PR.number}/comments?per_page=100`,
    ...(options.times ? { times: options.times } : {}),
    reply: [200, comments.map(toCommentResponse)],
  });
}

function toCommentResponse(c: MockComment) {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: c.bot === false ? { login: "octocat", id: 1, type: "User" } : { login: "canary-bot[bot]", id: 41898282, type: "Bot" },
    // Comments written by an App carry it (the test App has id 1).
    performed_via_github_app: c.bot === false ? null : { id: 1, slug: "canary-bot", name: "canary-bot" },
    html_url: `https://github.com/${REPO.owner}/${REPO.repo}/pull/${PR.number}#issuecomment-${c.id}`,
    created_at: "2026-11-24T10:00:00Z",
    updated_at: "2026-11-24T10:00:00Z",
  };
}

/** Expects the comment to be created; the returned array receives the bodies sent. */
export function expectCreateComment(options: { id?: number } = {}): string[] {
  const bodies: string[] = [];
  intercept({
    method: "POST",
    path: `${repoPath()}/issues/${PR.number}/comments`,
    reply: (body) => {
      bodies.push((body as { body: string }).body);
      return [201, toCommentResponse({ id: options.id ?? 1001, body: (body as { body: string }).body })];
    },
  });
  return bodies;
}

export function expectUpdateComment(id: number): string[] {
  const bodies: string[] = [];
  intercept({
    method: "PATCH",
    path: `${repoPath()}/issues/comments/${id}`,
    reply: (body) => {
      bodies.push((body as { body: string }).body);
      return [200, toCommentResponse({ id, body: (body as { body: string }).body })];
    },
  });
  return bodies;
}

export interface MockCheckRun {
  id: number;
  external_id: string;
  status?: string;
  conclusion?: string;
  annotations_count: number;
}

export function mockCheckRuns(runs: MockCheckRun[], options: { sha?: string; times?: number } = {}): void {
  const sha = options.sha ?? PR.headSha;
  intercept({
    method: "GET",
    path: `${repoPath()}/commits/${sha}/check-runs?check_name=canary%2Fvalidation&filter=latest&per_page=1`,
    ...(options.times ? { times: options.times } : {}),
    reply: [
      200,
      {
        total_count: runs.length,
        check_runs: runs.map((r) => ({
          id: r.id,
          head_sha: sha,
          name: "canary/validation",
          external_id: r.external_id,
          status: r.status ?? "completed",
          conclusion: r.conclusion ?? "success",
          output: { title: "t", summary: "s", text: null, annotations_count: r.annotations_count, annotations_url: `${API}${repoPath()}/check-runs/${r.id}/annotations` },
          app: { id: 1, slug: "canary-bot" },
        })),
      },
    ],
  });
}

export interface CheckRunBody {
  name: string;
  head_sha: string;
  external_id: string;
  status: string;
  conclusion: string;
  output: { title: string; summary: string; text?: string; annotations: Array<Record<string, unknown>> };
}

export function expectCreateCheckRun(options: { id?: number } = {}): CheckRunBody[] {
  const bodies: CheckRunBody[] = [];
  intercept({
    method: "POST",
    path: `${repoPath()}/check-runs`,
    reply: (body) => {
      bodies.push(body as CheckRunBody);
      return [201, { id: options.id ?? 5001, head_sha: (body as CheckRunBody).head_sha, name: (body as CheckRunBody).name, status: "completed" }];
    },
  });
  return bodies;
}

export function expectUpdateCheckRun(id: number, options: { times?: number } = {}): Array<Pick<CheckRunBody, "output">> {
  const bodies: Array<Pick<CheckRunBody, "output">> = [];
  intercept({
    method: "PATCH",
    path: `${repoPath()}/check-runs/${id}`,
    ...(options.times ? { times: options.times } : {}),
    reply: (body) => {
      bodies.push(body as Pick<CheckRunBody, "output">);
      return [200, { id, status: "completed" }];
    },
  });
  return bodies;
}

/**
 * A stateful pull request conversation and check-run list, for tests where the order of reads and
 * writes between concurrent deliveries matters: reads answer the current state, writes change it.
 * Reads are expected `reads` times each; writes are optional and the test asserts the state.
 */
export function mockConversation(params: { reads: number; comments?: MockComment[]; sha?: string }): { comments: MockComment[]; checkRuns: Array<CheckRunBody & { id: number }> } {
  const state = { comments: [...(params.comments ?? [])], checkRuns: [] as Array<CheckRunBody & { id: number }> };
  const sha = params.sha ?? PR.headSha;
  intercept({ method: "GET", path: `${repoPath()}/issues/${PR.number}/comments?per_page=100`, times: params.reads, reply: () => [200, state.comments.map(toCommentResponse)] });
  intercept({
    method: "POST",
    path: `${repoPath()}/issues/${PR.number}/comments`,
    times: params.reads,
    optional: true,
    reply: (body) => {
      const comment = { id: 2000 + state.comments.length, body: (body as { body: string }).body };
      state.comments.push(comment);
      return [201, toCommentResponse(comment)];
    },
  });
  intercept({
    method: "PATCH",
    path: new RegExp(`^${repoPath()}/issues/comments/\\d+$`),
    times: params.reads,
    optional: true,
    reply: (body, path) => {
      const comment = state.comments.find((c) => path.endsWith(`/${c.id}`));
      if (!comment) return [404, { message: "Not Found" }];
      comment.body = (body as { body: string }).body;
      return [200, toCommentResponse(comment)];
    },
  });
  intercept({
    method: "GET",
    path: `${repoPath()}/commits/${sha}/check-runs?check_name=canary%2Fvalidation&filter=latest&per_page=1`,
    times: params.reads,
    reply: () => {
      const latest = state.checkRuns.at(-1);
      return [
        200,
        {
          total_count: latest ? 1 : 0,
          check_runs: latest ? [{ id: latest.id, head_sha: sha, name: latest.name, external_id: latest.external_id, status: "completed", conclusion: latest.conclusion, output: { title: latest.output.title, summary: latest.output.summary, text: null, annotations_count: latest.output.annotations.length } }] : [],
        },
      ];
    },
  });
  intercept({
    method: "POST",
    path: `${repoPath()}/check-runs`,
    times: params.reads,
    optional: true,
    reply: (body) => {
      const run = { ...(body as CheckRunBody), id: 6000 + state.checkRuns.length };
      state.checkRuns.push(run);
      return [201, { id: run.id, head_sha: run.head_sha, name: run.name, status: "completed" }];
    },
  });
  return state;
}
