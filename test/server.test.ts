/**
 * The HTTP server on a real socket: webhook deliveries refused or verified before anything else
 * (signature header first, size cap, signature), handed to the ingest once verified, /healthz,
 * /metrics, the Flagger routes' place, body limits and JSON errors, graceful shutdown; and what
 * `canary-bot serve` makes of the environment (production refuses to start without credentials,
 * development without them serves Probot's registration flow with our app.yml).
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createNetServer, Socket } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadDotEnv, readServeEnvironment, runServe } from "../src/cli/serve.js";
import { createFlaggerEventsHandler } from "../src/cluster/events-route.js";
import type { FlaggerEvent } from "../src/gate/flagger-event.js";
import { createCanaryBotServer, type CanaryBotServer } from "../src/server.js";
import { createRecordingLogger, createTestBot, loadEvent, resetGitHubMock, verifyGitHubMock, type LogRecord, type TestBot } from "./support/github.js";

const WEBHOOK_PATH = "/api/github/webhooks";

describe("the HTTP server", () => {
  let bot: TestBot;
  let server: CanaryBotServer;
  let base: string;
  const logs: LogRecord[] = [];
  const accepted: Array<{ id: string; name: string; payload: unknown }> = [];
  const ingested: FlaggerEvent[] = [];
  const TOKEN = "production-token-0123456789abcdef";

  beforeEach(async () => {
    resetGitHubMock();
    bot = await createTestBot({ load: false });
    accepted.length = 0;
    const webhooks = {
      // The test Probot signs with Probot's default secret.
      secret: "development",
      accept: async (delivery: { id: string; name: string; payload: unknown }) => {
        accepted.push(delivery);
        return { status: 202, body: { status: "queued", jobs: 1 } };
      },
    };
    ingested.length = 0;
    logs.length = 0;
    const log = createRecordingLogger(logs);
    const flaggerEvents = createFlaggerEventsHandler({
      clusters: [{ name: "production", eventToken: TOKEN }],
      ingest: async (event) => {
        ingested.push(event);
        return { changed: true, newEvent: true };
      },
      now: () => 0,
      log,
      limits: { requestBodyBytes: 1024 },
    });
    server = createCanaryBotServer({ webhooks, webhookPath: WEBHOOK_PATH, metrics: bot.metrics, log, flaggerEvents, limits: { requestBodyBytes: 1024, webhookBodyBytes: 64 * 1024, webhookBytesInFlight: 96 * 1024 } });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${port}`;
  });
  afterEach(async () => {
    await server.close({ graceMs: 1000 });
    verifyGitHubMock();
  });

  async function deliver(event: { name: string; payload: unknown }, options: { signature?: string; id?: string } = {}) {
    const body = JSON.stringify(event.payload);
    return fetch(`${base}${WEBHOOK_PATH}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event.name,
        "x-github-delivery": options.id ?? "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "x-hub-signature-256": options.signature ?? (await bot.probot.webhooks.sign(body)),
      },
      body,
    });
  }

  it("answers /healthz", async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("hands a verified delivery to the ingest and answers with its answer", async () => {
    const event = loadEvent("pull_request.opened");
    const response = await deliver(event, { id: "d-42" });
    expect([response.status, await response.json()]).toEqual([202, { status: "queued", jobs: 1 }]);
    expect(accepted).toEqual([{ id: "d-42", name: "pull_request", payload: event.payload }]);
  });

  it("refuses a delivery with a wrong signature (401), without handing it on, and counts the reason", async () => {
    const response = await deliver(loadEvent("pull_request.opened"), { signature: `sha256=${"0".repeat(64)}` });
    expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([401, "bad_signature"]);
    expect(accepted).toEqual([]);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('canary_bot_webhook_rejected_total{reason="bad_signature"} 1');
  });

  it("refuses a delivery without a signature header before reading its body", async () => {
    // The body never ends: a server that read it before looking at the headers would hang here.
    const answer = await rawRequest(`POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nx-github-event: ping\r\nx-github-delivery: d\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"zen":`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"error":"missing_signature"');
  });

  it("refuses signed bodies that are not JSON and deliveries without their headers", async () => {
    const body = "{not json";
    const bad = await fetch(`${base}${WEBHOOK_PATH}`, { method: "POST", headers: { "x-github-event": "ping", "x-github-delivery": "d", "x-hub-signature-256": await bot.probot.webhooks.sign(body) }, body });
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, "invalid_json"]);
    const headless = await fetch(`${base}${WEBHOOK_PATH}`, { method: "POST", headers: { "x-hub-signature-256": "sha256=00" }, body: "{}" });
    expect([headless.status, ((await headless.json()) as { error: string }).error]).toEqual([400, "missing_headers"]);
  });

  it("refuses a webhook body over the limit before reading it whole, with a JSON error", async () => {
    const response = await fetch(`${base}${WEBHOOK_PATH}`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "d", "x-hub-signature-256": "sha256=00" }, body: "x".repeat(65 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "payload_too_large", message: "the request body is larger than 65536 bytes" });
  });

  async function rawRequest(text: string): Promise<string> {
    const { port } = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk.toString("utf8")));
      socket.on("close", () => resolve(answer));
      socket.on("error", reject);
      socket.connect(Number(port), "127.0.0.1", () => socket.write(text));
    });
  }

  it("serves Flagger's events with JSON answers (401 before the body, 413 over 1 MiB, 415, 400, 202) and the gates' place (404)", async () => {
    const post = (path: string, body: string, type = "application/json") => fetch(`${base}${path}`, { method: "POST", headers: { "content-type": type }, body });
    const events = `/flagger/events/production?token=${TOKEN}`;
    const tooLarge = await post(events, JSON.stringify({ pad: "x".repeat(2000) }));
    expect([tooLarge.status, await tooLarge.json()]).toEqual([413, { error: "payload_too_large", message: "the request body is larger than 1024 bytes" }]);
    const wrongType = await post(events, "{}", "text/plain");
    expect([wrongType.status, ((await wrongType.json()) as { error: string }).error]).toEqual([415, "unsupported_media_type"]);
    const badJson = await post("/flagger/gates/production/confirm-promotion", "{not json");
    expect([badJson.status, await badJson.json()]).toEqual([400, { error: "invalid_json", message: "the request body is not valid JSON" }]);
    const payload = JSON.stringify({ name: "podinfo", namespace: "test", phase: "Progressing", checksum: "c1", metadata: { eventMessage: "Advance podinfo.test canary weight 10", eventType: "Normal", timestamp: "1764417600000" } });
    const noToken = await post("/flagger/events/production", payload);
    expect([noToken.status, ((await noToken.json()) as { error: string }).error]).toEqual([401, "missing_token"]);
    const unknown = await post(`/flagger/events/elsewhere?token=${TOKEN}`, payload);
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([404, "unknown_cluster"]);
    expect(ingested).toEqual([]);
    const event = await post(events, payload);
    expect([event.status, ((await event.json()) as { status: string }).status]).toEqual([202, "accepted"]);
    expect(ingested.map((e) => [e.cluster, e.name, e.phase])).toEqual([["production", "podinfo", "Progressing"]]);
    const gate = await post("/flagger/gates/production/rollback", JSON.stringify({ name: "podinfo" }));
    expect([gate.status, ((await gate.json()) as { error: string }).error]).toEqual([404, "not_implemented"]);
  });

  it("answers unknown routes and methods with JSON errors", async () => {
    const unknown = await fetch(`${base}/nope`);
    expect([unknown.status, unknown.headers.get("content-type"), await unknown.json()]).toEqual([404, "application/json; charset=utf-8", { error: "not_found", message: "no route for GET /nope" }]);
    const unknownHook = await fetch(`${base}/flagger/gates/production/not-a-hook`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unknownHook.status).toBe(404);
    const wrongMethod = await fetch(`${base}/flagger/events/production`);
    expect([wrongMethod.status, wrongMethod.headers.get("allow")]).toEqual([405, "POST"]);
    expect(await (await fetch(`${base}/healthz`, { method: "POST" })).json()).toEqual({ error: "method_not_allowed", message: "POST is not allowed on /healthz" });
  });

  it("shuts down gracefully: stops listening, answers /healthz with 503, lets queued work finish first", async () => {
    let release!: () => void;
    const drained = new Promise<void>((resolve) => (release = resolve));
    const closing = server.close({ graceMs: 10_000, drain: () => drained });
    expect(server.draining).toBe(true);
    expect(server.server.listening).toBe(false);
    // A request on a connection that was open before the shutdown (no new connection is accepted).
    const req = new IncomingMessage(new Socket());
    Object.assign(req, { method: "GET", url: "/healthz" });
    const res = new ServerResponse(req);
    server.server.emit("request", req, res);
    await new Promise((resolve) => setImmediate(resolve));
    expect([res.headersSent, res.statusCode]).toEqual([true, 503]);
    let finished = false;
    void closing.then(() => (finished = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    release();
    await closing;
    expect(finished).toBe(true);
  });

  it("gives up waiting after the grace period, and says so in the log", async () => {
    await server.close({ graceMs: 5, drain: () => new Promise(() => {}) });
    expect(logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual(["shutdown grace period over; closing remaining connections"]);
  });
});

describe("canary-bot serve: the environment", () => {
  const credentials = { APP_ID: "123", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nsecret\n-----END RSA PRIVATE KEY-----", WEBHOOK_SECRET: "s3cr3t-value" };

  it("starts the App with credentials and a webhook secret", () => {
    expect(readServeEnvironment({ ...credentials, PORT: "8080", HOST: "0.0.0.0", REVIEW_THREADS: "2" })).toEqual({
      mode: "app",
      port: 8080,
      host: "0.0.0.0",
      webhookPath: WEBHOOK_PATH,
      appId: 123,
      dataDir: "./data",
      reviewThreads: 2,
      jobConcurrency: 8,
      shutdownGraceMs: 20_000,
    });
  });

  it("refuses to start in production without WEBHOOK_SECRET, APP_ID and a private key, naming them, never printing values", () => {
    const result = readServeEnvironment({ NODE_ENV: "production" });
    expect(result).toEqual({
      mode: "invalid",
      problems: [
        "APP_ID is not set (the App's ID, from its settings page)",
        "no private key: set PRIVATE_KEY (PEM, base64 or with \\n escapes) or PRIVATE_KEY_PATH",
        'WEBHOOK_SECRET is not set: without it Probot would accept deliveries signed with the well-known secret "development"',
      ],
    });
    const noSecret = readServeEnvironment({ NODE_ENV: "production", APP_ID: credentials.APP_ID, PRIVATE_KEY: credentials.PRIVATE_KEY });
    expect(noSecret.mode).toBe("invalid");
    expect(JSON.stringify(noSecret)).not.toContain("secret\n");
  });

  it("refuses to run an App without WEBHOOK_SECRET in development too (Probot's \"development\" default)", () => {
    expect(readServeEnvironment({ APP_ID: "123", PRIVATE_KEY_PATH: "key.pem" })).toMatchObject({ mode: "invalid" });
  });

  it("enters the registration flow without credentials outside production", () => {
    expect(readServeEnvironment({})).toEqual({ mode: "setup" });
  });

  it("takes from .env only what the environment does not set", () => {
    const dir = mkdtempSync(join(tmpdir(), "serve-env-"));
    try {
      writeFileSync(join(dir, ".env"), "APP_ID=42\nWEBHOOK_SECRET=from-file\n");
      const env: NodeJS.ProcessEnv = { WEBHOOK_SECRET: "from-environment" };
      expect(loadDotEnv({ cwd: dir, env })).toEqual(["APP_ID"]);
      expect(env).toEqual({ APP_ID: "42", WEBHOOK_SECRET: "from-environment" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves Probot's registration page with canary-bot's app.yml when started without credentials", async () => {
    const port = await freePort();
    const saved = { ...process.env };
    for (const name of ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "WEBHOOK_PROXY_URL", "NODE_ENV"]) delete process.env[name];
    Object.assign(process.env, { PORT: String(port), NO_SMEE_SETUP: "true", LOG_LEVEL: "fatal" });
    let stderr = "";
    try {
      const serving = runServe([], { stdout: () => {}, stderr: (t) => (stderr += t) });
      const page = await poll(`http://localhost:${port}/probot`);
      const manifest = JSON.parse(decodeHtml(/name="manifest"[^>]*value='([^']*)'/.exec(page)?.[1] ?? "{}"));
      expect(manifest).toMatchObject({ name: "canary-bot", public: false, default_events: ["pull_request", "check_run", "check_suite", "merge_group", "issue_comment"], default_permissions: { checks: "write", contents: "read", pull_requests: "write", metadata: "read", statuses: "write", merge_queues: "read", issues: "write", members: "read" } });
      process.emit("SIGTERM", "SIGTERM");
      expect(await serving).toBe(0);
      expect(stderr).toContain("starting the GitHub App registration flow");
    } finally {
      process.env = saved;
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function poll(url: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      const response = await fetch(url);
      if (response.ok) return await response.text();
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} never answered`);
}

function decodeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}


