/**
 * A GitHub-like HTTP server on loopback, for driving the App as GitHub would (issue 10): stateful
 * repositories, commits, pull requests, comments and check runs; the REST routes and the GraphQL
 * blob query the App uses, served under GitHub Enterprise Server's paths (/api/v3, /api/graphql)
 * so that Probot reaches it through GHE_HOST. Faults (status codes, rate limits), latency and a
 * record of every request are the test's to set and read; every REST request is checked against
 * GitHub's OpenAPI description (openapi.ts).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Files = Record<string, string>;

export interface FakeComment {
  id: number;
  body: string;
  /** The App that wrote it (null: a person). */
  appId: number | null;
  login: string;
  createdAt: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  external_id: string;
  status: string;
  conclusion: string | null;
  output: { title: string; summary: string; text?: string; annotations_count: number };
  appId: number;
}

export interface FakePull {
  number: number;
  state: "open" | "closed";
  headSha: string;
  baseSha: string;
  comments: FakeComment[];
}

export interface FakeRepository {
  owner: string;
  repo: string;
  installationId: number;
  defaultBranch: string;
  commits: Map<string, Files>;
  pulls: Map<number, FakePull>;
  checkRuns: FakeCheckRun[];
  /** Commit statuses, in the order they were created. */
  statuses: Array<{ sha: string; state: string; context: string; description: string }>;
  /** Collaborators' permissions (admin, maintain, write, triage, read); others are not collaborators (404). */
  collaborators: Map<string, string>;
  /** Reactions added to comments, in order. */
  reactions: Array<{ commentId: number; content: string }>;
}

export interface ServedRequest {
  method: string;
  /** Without /api/v3; GraphQL as /graphql. */
  path: string;
  installationId: number | null;
  status: number;
  body: unknown;
}

export type Fault = { status: number; body?: unknown; headers?: Record<string, string> };

export interface GitHubServer {
  url: string;
  /** For Probot: GHE_HOST and GHE_PROTOCOL, or baseUrl. */
  host: string;
  baseUrl: string;
  appId: number;
  requests: ServedRequest[];
  repositories: Map<string, FakeRepository>;
  /** Called for each request before it is served; a Fault answers instead. */
  fault: ((request: { method: string; path: string; installationId: number | null }) => Fault | undefined) | undefined;
  /** Milliseconds before each answer. */
  latencyMs: number;
  addRepository(params: { owner: string; repo: string; installationId: number; defaultBranch?: string; files?: Files }): FakeRepository;
  /** Stores a commit and returns its SHA (a digest of its files and `salt`). */
  commit(repository: FakeRepository, files: Files, salt?: string): string;
  openPull(repository: FakeRepository, params: { number: number; base: Files; head: Files }): FakePull;
  push(repository: FakeRepository, pull: FakePull, head: Files, salt?: string): string;
  /** REST requests that GitHub's OpenAPI description does not allow. */
  openApiProblems(): string[];
  close(): Promise<void>;
}

export async function startGitHubServer(params: { appId?: number; checkOpenApi?: boolean } = {}): Promise<GitHubServer> {
  const appId = params.appId ?? 4242;
  // Loaded only when checking (the benchmark, compiled elsewhere, does not).
  const findOpenApiProblems = params.checkOpenApi === false ? () => [] : (await import("./openapi.js")).findOpenApiProblems;
  const repositories = new Map<string, FakeRepository>();
  const tokens = new Map<string, number>();
  let nextId = 1000;
  const problems: string[] = [];

  const state: GitHubServer = {
    url: "",
    host: "",
    baseUrl: "",
    appId,
    requests: [],
    repositories,
    fault: undefined,
    latencyMs: 0,
    addRepository({ owner, repo, installationId, defaultBranch = "main", files = {} }) {
      const repository: FakeRepository = { owner, repo, installationId, defaultBranch, commits: new Map(), pulls: new Map(), checkRuns: [], statuses: [], collaborators: new Map(), reactions: [] };
      repository.commits.set(defaultBranch, files);
      repositories.set(`${owner}/${repo}`, repository);
      return repository;
    },
    commit(repository, files, salt = "") {
      const sha = createHash("sha1").update(JSON.stringify(files) + salt).digest("hex");
      repository.commits.set(sha, files);
      return sha;
    },
    openPull(repository, { number, base, head }) {
      const pull: FakePull = { number, state: "open", baseSha: state.commit(repository, base, "base"), headSha: state.commit(repository, head, `head-${number}`), comments: [] };
      repository.pulls.set(number, pull);
      return pull;
    },
    push(repository, pull, head, salt = String(Date.now() + Math.random())) {
      pull.headSha = state.commit(repository, head, salt);
      return pull.headSha;
    },
    openApiProblems: () => [...problems],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const url = new URL(req.url ?? "/", "http://github.test");
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, "").replace(/^\/api\/graphql$/, "/graphql");
    const method = req.method ?? "GET";
    const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const installationId = token ? (tokens.get(token) ?? null) : null;
    if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));
    const answer = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      state.requests.push({ method, path: `${path}${url.search}`, installationId, status, body });
      if (path !== "/graphql" && !path.endsWith("/access_tokens")) problems.push(...findOpenApiProblems({ method, path: `${path}${url.search}`, body }));
      send(res, status, data, headers);
    };
    const fault = state.fault?.({ method, path: `${path}${url.search}`, installationId });
    if (fault) return answer(fault.status, fault.body ?? { message: "fault injected by the test" }, fault.headers);

    let m: RegExpExecArray | null;
    if (method === "POST" && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      const id = Number(m[1]);
      const issued = `ghs_${id}_${nextId++}`;
      tokens.set(issued, id);
      return answer(201, { token: issued, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { checks: "write", contents: "read", pull_requests: "write", metadata: "read" }, repository_selection: "all" });
    }
    if (method === "POST" && path === "/graphql") return answer(200, graphql(body as { query: string; variables: Record<string, unknown> }));

    m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path);
    const repository = m ? repositories.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !repository) return answer(404, { message: "Not Found" });
    if (installationId !== repository.installationId) return answer(installationId === null ? 401 : 404, { message: installationId === null ? "Requires authentication" : "Not Found" });
    const rest = m[3]!;
    const q = url.searchParams;
    const page = Number(q.get("page") ?? 1);
    const perPage = Number(q.get("per_page") ?? 30);
    const pageLink = (total: number): Record<string, string> =>
      page * perPage < total ? { link: `<${state.baseUrl}${path}?${new URLSearchParams({ ...Object.fromEntries(q), page: String(page + 1) })}>; rel="next"` } : {};

    if (method === "GET" && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = repository.pulls.get(Number(m[1]));
      return pull ? answer(200, toPull(repository, pull)) : answer(404, { message: "Not Found" });
    }
    if (method === "GET" && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const pull = repository.pulls.get(Number(m[1]));
      if (!pull) return answer(404, { message: "Not Found" });
      // GitHub lists at most 3,000 files of a pull request.
      const files = diff(repository.commits.get(pull.baseSha)!, repository.commits.get(pull.headSha)!).slice(0, 3000);
      return answer(200, files.slice((page - 1) * perPage, page * perPage), pageLink(files.length));
    }
    if (method === "GET" && (m = /^\/compare\/([0-9a-f]{40}|[^.]+)\.\.\.([0-9a-f]{40})$/.exec(rest))) {
      const base = repository.commits.get(m[1]!);
      const head = repository.commits.get(m[2]!);
      if (!base || !head) return answer(404, { message: "Not Found" });
      return answer(200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, merge_base_commit: { sha: m[1] }, commits: [], files: diff(base, head).slice(0, 300) });
    }
    if (method === "GET" && (m = /^\/git\/trees\/([^/]+)$/.exec(rest))) {
      const files = repository.commits.get(m[1]!);
      if (!files) return answer(404, { message: "Not Found" });
      return answer(200, { sha: m[1], url: "", truncated: false, tree: Object.entries(files).map(([p, c]) => ({ path: p, mode: "100644", type: "blob", sha: blobSha(c), size: Buffer.byteLength(c), url: "" })) });
    }
    if (method === "GET" && (m = /^\/contents\/(.+)$/.exec(rest))) {
      const files = repository.commits.get(q.get("ref") ?? repository.defaultBranch);
      const filePath = decodeURIComponent(m[1]!);
      const content = files?.[filePath];
      if (content === undefined) return answer(404, { message: "Not Found" });
      const size = Buffer.byteLength(content);
      return answer(200, { type: "file", encoding: size > 1024 * 1024 ? "none" : "base64", size, name: filePath.split("/").pop(), path: filePath, content: size > 1024 * 1024 ? "" : Buffer.from(content).toString("base64"), sha: blobSha(content) });
    }
    if (method === "GET" && (m = /^\/commits\/([0-9a-f]{40})\/pulls$/.exec(rest))) {
      return answer(200, [...repository.pulls.values()].filter((p) => p.headSha === m![1]).map((p) => toPull(repository, p)));
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const pull = repository.pulls.get(Number(m[1]));
      if (!pull) return answer(404, { message: "Not Found" });
      if (method === "GET") return answer(200, pull.comments.slice((page - 1) * perPage, page * perPage).map((c) => toComment(repository, pull, c)), pageLink(pull.comments.length));
      if (method === "POST") {
        const comment: FakeComment = { id: nextId++, body: (body as { body: string }).body, appId, login: "canary-bot[bot]", createdAt: new Date().toISOString() };
        pull.comments.push(comment);
        return answer(201, toComment(repository, pull, comment));
      }
    }
    if (method === "GET" && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const login = decodeURIComponent(m[1]!);
      const role = repository.collaborators.get(login);
      if (role === undefined) return answer(404, { message: "Not Found" });
      const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
      return answer(200, { permission, role_name: role, user: { login } });
    }
    if (method === "POST" && (m = /^\/issues\/comments\/(\d+)\/reactions$/.exec(rest))) {
      const content = (body as { content: string }).content;
      repository.reactions.push({ commentId: Number(m[1]), content });
      return answer(201, { id: nextId++, content, user: { login: "canary-bot[bot]" } });
    }
    if (method === "PATCH" && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      for (const pull of repository.pulls.values()) {
        const comment = pull.comments.find((c) => c.id === Number(m![1]));
        if (!comment) continue;
        if (comment.appId !== appId) return answer(403, { message: "Resource not accessible by integration" });
        comment.body = (body as { body: string }).body;
        return answer(200, toComment(repository, pull, comment));
      }
      return answer(404, { message: "Not Found" });
    }
    if (method === "GET" && (m = /^\/commits\/([^/]+)\/check-runs$/.exec(rest))) {
      const runs = repository.checkRuns.filter((r) => r.head_sha === m![1] && (!q.get("check_name") || r.name === q.get("check_name"))).reverse();
      return answer(200, { total_count: runs.length, check_runs: runs.slice(0, perPage).map((r) => toCheckRun(r)) });
    }
    if (method === "POST" && rest === "/check-runs") {
      const b = body as { name: string; head_sha: string; external_id: string; status: string; conclusion: string; output: { title: string; summary: string; text?: string; annotations?: unknown[] } };
      const run: FakeCheckRun = { id: nextId++, name: b.name, head_sha: b.head_sha, external_id: b.external_id, status: b.status, conclusion: b.conclusion ?? null, output: { title: b.output.title, summary: b.output.summary, ...(b.output.text ? { text: b.output.text } : {}), annotations_count: b.output.annotations?.length ?? 0 }, appId };
      repository.checkRuns.push(run);
      return answer(201, toCheckRun(run));
    }
    if (method === "PATCH" && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = repository.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return answer(404, { message: "Not Found" });
      const b = body as { status?: string; conclusion?: string; output?: { title?: string; summary?: string; annotations?: unknown[] } };
      run.output.annotations_count += (b.output?.annotations ?? []).length;
      if (b.status) run.status = b.status;
      if (b.conclusion) [run.status, run.conclusion] = ["completed", b.conclusion];
      if (b.output?.title !== undefined) run.output.title = b.output.title;
      if (b.output?.summary !== undefined) run.output.summary = b.output.summary;
      return answer(200, toCheckRun(run));
    }
    if (method === "POST" && (m = /^\/statuses\/([0-9a-f]{40})$/.exec(rest))) {
      const b = body as { state: string; context: string; description: string };
      repository.statuses.push({ sha: m[1]!, state: b.state, context: b.context, description: b.description });
      return answer(201, { id: nextId++, state: b.state, context: b.context, description: b.description });
    }
    return answer(404, { message: `no route for ${method} ${path} in the GitHub-like server` });

    function graphql(request: { query: string; variables: Record<string, unknown> }) {
      const vars = request.variables;
      const repo = repositories.get(`${String(vars.owner)}/${String(vars.name)}`);
      if (!repo || repo.installationId !== installationId) return { data: { repository: null }, errors: [{ type: "NOT_FOUND", message: "Could not resolve to a Repository" }] };
      const out: Record<string, unknown> = { pullRequest: repo.pulls.has(Number(vars.number)) ? { headRefOid: repo.pulls.get(Number(vars.number))!.headSha } : null };
      for (const match of request.query.matchAll(/(b\d+): object\(expression: \$(e\d+)\)/g)) {
        const expression = String(vars[match[2]!]);
        const colon = expression.indexOf(":");
        const content = repo.commits.get(expression.slice(0, colon))?.[expression.slice(colon + 1)];
        const size = content === undefined ? 0 : Buffer.byteLength(content);
        // GitHub leaves the text of blobs over 512 KB out (isTruncated).
        out[match[1]!] = content === undefined ? null : { text: size > 512 * 1024 ? null : content, byteSize: size, isBinary: false, isTruncated: size > 512 * 1024 };
      }
      return { data: { repository: out } };
    }
  }

  function toPull(repository: FakeRepository, pull: FakePull) {
    const html = `https://github.com/${repository.owner}/${repository.repo}`;
    const full = `${repository.owner}/${repository.repo}`;
    return {
      number: pull.number,
      state: pull.state,
      user: { login: "octocat" },
      head: { sha: pull.headSha, ref: `pr-${pull.number}`, repo: { full_name: full } },
      base: { sha: pull.baseSha, ref: repository.defaultBranch, repo: { full_name: full, default_branch: repository.defaultBranch, html_url: html } },
    };
  }
  function toComment(repository: FakeRepository, pull: FakePull, c: FakeComment) {
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      body: c.body,
      user: { login: c.login, id: c.appId ?? 1, type: c.appId === null ? "User" : "Bot" },
      performed_via_github_app: c.appId === null ? null : { id: c.appId, slug: c.login.replace(/\[bot\]$/, ""), name: c.login },
      html_url: `https://github.com/${repository.owner}/${repository.repo}/pull/${pull.number}#issuecomment-${c.id}`,
      created_at: c.createdAt,
      updated_at: c.createdAt,
    };
  }
  function toCheckRun(r: FakeCheckRun) {
    return { id: r.id, head_sha: r.head_sha, name: r.name, external_id: r.external_id, status: r.status, conclusion: r.conclusion, output: { ...r.output, text: r.output.text ?? null }, app: { id: r.appId } };
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.host = `127.0.0.1:${port}`;
  state.url = `http://${state.host}`;
  state.baseUrl = `${state.url}/api/v3`;
  return state;
}

function send(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(data));
}

function blobSha(content: string): string {
  return createHash("sha1").update(`blob ${Buffer.byteLength(content)}\0${content}`).digest("hex");
}

function diff(base: Files, head: Files) {
  const out: Array<{ filename: string; status: string; sha: string; additions: number; deletions: number; changes: number }> = [];
  for (const path of new Set([...Object.keys(base), ...Object.keys(head)])) {
    const status = !(path in base) ? "added" : !(path in head) ? "removed" : base[path] !== head[path] ? "modified" : undefined;
    if (status) out.push({ filename: path, status, sha: blobSha(head[path] ?? base[path] ?? ""), additions: 1, deletions: 1, changes: 2 });
  }
  return out.sort((a, b) => a.filename.localeCompare(b.filename));
}
