/**
 * GitHub requests per pull request event, for a pull request that changes 1, 10 and 100 Canary
 * files of a 100-app repository (Canary, Deployment + HPA per app): the App's request budget. The
 * App runs for real (Probot, Octokit, canary-bot) against an in-memory GitHub served through
 * Octokit's `fetch`, which counts every request by route. Also: the App's wall time per event
 * against the pure review of the same files (the cost of the I/O layer).
 */
import { Probot, ProbotOctokit } from "probot";
import { createHash, generateKeyPairSync } from "node:crypto";
import { parseManifestFile } from "../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../src/canary/settings.js";
import { createCanaryBotApp } from "../src/github/app.js";
import { createMetrics, normalizeRoute } from "../src/github/metrics.js";
import { reviewChanges } from "../src/review/index.js";
import { ratio, timeAsync, type BenchSection } from "./measure.js";
import { generateRepository } from "./repository.js";

const APPS = 100;
const OWNER = "acme";
const REPO = "gitops";
const BASE_SHA = createHash("sha1").update("base").digest("hex");
const MERGE_BASE = createHash("sha1").update("merge-base").digest("hex");

type Files = Record<string, string>;

/** The repository before, and after a pull request that changes `changed` Canaries (threshold 5 → 4). */
export function buildBudgetRepository(changed: number): { base: Files; head: Files } {
  const base = generateRepository(APPS);
  const head = { ...base };
  for (let i = 0; i < changed; i += 1) {
    const path = `apps/app-${i}/canary.yaml`;
    head[path] = base[path]!.replace("threshold: 5", "threshold: 4");
  }
  return { base, head };
}

function sha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

interface FakeState {
  headSha: string;
  base: Files;
  head: Files;
  comments: Array<{ id: number; body: string }>;
  checkRuns: Array<{ id: number; head_sha: string; external_id: string; annotations: number }>;
  requests: string[];
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-ratelimit-remaining": "4999", "x-ratelimit-resource": "core", ...headers } });
}

/** An in-memory GitHub answering the requests of a review; every request is recorded by route. */
function createFakeGitHub(state: FakeState): typeof fetch {
  const prefix = `/repos/${OWNER}/${REPO}`;
  return async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? "GET").toUpperCase();
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    state.requests.push(`${method} ${normalizeRoute(url.href)}`);
    const path = url.pathname;
    if (path.endsWith("/access_tokens")) return json(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z" });
    // The review job reads the pull request's current head first.
    if (path === `${prefix}/pulls/7`) return json(200, { number: 7, state: "open", head: { sha: state.headSha }, base: { sha: BASE_SHA, repo: { default_branch: "main", html_url: `https://github.com/${OWNER}/${REPO}` } } });
    if (path === `${prefix}/contents/.github%2Fcanary-bot.yml` || path === `${prefix}/contents/.github/canary-bot.yml`) return json(404, { message: "Not Found" });
    if (path.startsWith(`${prefix}/compare/`)) {
      const files = Object.keys(state.head)
        .filter((p) => state.base[p] !== state.head[p])
        .map((filename) => ({ filename, status: filename in state.base ? "modified" : "added" }));
      return json(200, { merge_base_commit: { sha: MERGE_BASE }, files });
    }
    if (path.startsWith(`${prefix}/git/trees/`)) {
      return json(200, { sha: state.headSha, truncated: false, tree: Object.entries(state.head).map(([p, content]) => ({ path: p, type: "blob", mode: "100644", size: Buffer.byteLength(content) })) });
    }
    if (path === "/graphql") {
      const query = String(body.query);
      const variables = body.variables as Record<string, string>;
      const repository: Record<string, unknown> = { pullRequest: { headRefOid: state.headSha } };
      for (const match of query.matchAll(/(b\d+): object\(expression: \$(e\d+)\)/g)) {
        const expression = variables[match[2]!]!;
        const colon = expression.indexOf(":");
        const files = expression.slice(0, colon) === MERGE_BASE ? state.base : state.head;
        const text = files[expression.slice(colon + 1)];
        repository[match[1]!] = text === undefined ? null : { text, byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: false };
      }
      return json(200, { data: { repository } }, { "x-ratelimit-resource": "graphql" });
    }
    if (path.endsWith("/check-runs") && method === "GET") {
      const latest = state.checkRuns.filter((run) => path === `${prefix}/commits/${run.head_sha}/check-runs`).at(-1);
      return json(200, { total_count: latest ? 1 : 0, check_runs: latest ? [{ id: latest.id, external_id: latest.external_id, status: "completed", conclusion: "success", output: { annotations_count: latest.annotations } }] : [] });
    }
    if (path === `${prefix}/check-runs` && method === "POST") {
      const run = { id: state.checkRuns.length + 1, head_sha: String(body.head_sha), external_id: String(body.external_id), annotations: ((body.output as { annotations?: unknown[] }).annotations ?? []).length };
      state.checkRuns.push(run);
      return json(201, { id: run.id });
    }
    if (path.startsWith(`${prefix}/check-runs/`) && method === "PATCH") {
      state.checkRuns.at(-1)!.annotations += ((body.output as { annotations?: unknown[] }).annotations ?? []).length;
      return json(200, {});
    }
    if (path.endsWith("/comments") && method === "GET") return json(200, state.comments.map((c) => ({ id: c.id, body: c.body, user: { login: "canary-bot[bot]", type: "Bot" } })));
    if (path.endsWith("/comments") && method === "POST") {
      const comment = { id: state.comments.length + 1, body: String(body.body) };
      state.comments.push(comment);
      return json(201, { ...comment, user: { type: "Bot" } });
    }
    if (path.includes("/issues/comments/") && method === "PATCH") {
      state.comments[0]!.body = String(body.body);
      return json(200, { ...state.comments[0], user: { type: "Bot" } });
    }
    return json(404, { message: `the bench's fake GitHub does not serve ${method} ${path}` });
  };
}

function pullRequestPayload(headSha: string, action: string) {
  return {
    action,
    number: 7,
    pull_request: { number: 7, head: { sha: headSha }, base: { sha: BASE_SHA } },
    repository: { name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, default_branch: "main", html_url: `https://github.com/${OWNER}/${REPO}` },
    installation: { id: 1 },
  };
}

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;

async function createBot(state: FakeState) {
  const metrics = createMetrics({ defaultMetrics: false });
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } }));
  const probot = new Probot({ appId: 1, privateKey, Octokit, logLevel: "fatal", request: { fetch: createFakeGitHub(state) } });
  await probot.load(createCanaryBotApp({ metrics }).app);
  return probot;
}

/** Requests of one event, by route, without the installation token (Probot caches it for an hour). */
async function countEvent(probot: Probot, state: FakeState, headSha: string, action: string): Promise<{ total: number; pages: number; routes: string[] }> {
  state.requests = [];
  state.headSha = headSha;
  await probot.receive({ id: `${action}-${headSha}`, name: "pull_request", payload: pullRequestPayload(headSha, action) as never });
  const routes = state.requests.filter((r) => !r.endsWith("/access_tokens"));
  // Listing pages beyond the first and annotation batches beyond the first 50 are the "pages".
  const pages = routes.filter((r) => r.startsWith("PATCH /repos/{owner}/{repo}/check-runs/")).length;
  return { total: routes.length - pages, pages, routes };
}

export const benchGithub: BenchSection = async (print) => {
  print(`repository: ${APPS} apps (Canary, Deployment + HPA each); the pull request changes N Canary files`);
  print("requests per event, not counting the installation token (cached an hour) nor annotation pages beyond the first 50:");
  print("| N | opened (comment created) | redelivered (no write) | next push (comment updated) | GraphQL requests |");
  print("|---:|---:|---:|---:|---:|");
  let detail: string[] = [];
  for (const changed of [1, 10, 100]) {
    const { base, head } = buildBudgetRepository(changed);
    const state: FakeState = { headSha: sha("head-1"), base, head, comments: [], checkRuns: [], requests: [] };
    const probot = await createBot(state);
    const opened = await countEvent(probot, state, sha("head-1"), "opened");
    const again = await countEvent(probot, state, sha("head-1"), "opened");
    // The next push changes the first Canary again: a new check run, and the comment is edited.
    state.head = { ...state.head, "apps/app-0/canary.yaml": state.head["apps/app-0/canary.yaml"]!.replace("threshold: 4", "threshold: 3") };
    const pushed = await countEvent(probot, state, sha("head-2"), "synchronize");
    const graphql = opened.routes.filter((r) => r === "POST /graphql").length;
    print(`| ${changed} | ${opened.total} | ${again.total} (${again.routes.filter((r) => !r.startsWith("GET") && r !== "POST /graphql").length} writes) | ${pushed.total} | ${graphql} |`);
    if (changed === 100) detail = opened.routes;
  }
  print(`routes of "opened" with N = 100: ${detail.join(", ")}`);

  const { base, head } = buildBudgetRepository(10);
  const changedPaths = Object.keys(head).filter((p) => base[p] !== head[p]);
  const pure = await timeAsync(async () => {
    reviewChanges({
      base: Object.entries(base).map(([path, content]) => parseManifestFile({ path, content })),
      head: Object.entries(head).map(([path, content]) => parseManifestFile({ path, content })),
      changedPaths,
      settings: DEFAULT_CONTROLLER_SETTINGS,
    });
  });
  const state: FakeState = { headSha: sha("timed-0"), base, head, comments: [], checkRuns: [], requests: [] };
  const probot = await createBot(state);
  let n = 0;
  const app = await timeAsync(async () => {
    n += 1;
    await countEvent(probot, state, sha(`timed-${n}`), "synchronize");
  });
  print(
    `one event with N = 10, in-memory GitHub: ${app.medianMs.toFixed(0)} ms = ${ratio(app.medianMs, pure.medianMs)} the pure review of both full snapshots (${pure.medianMs.toFixed(0)} ms); the App parses each unchanged neighbour once for both sides`,
  );
};
