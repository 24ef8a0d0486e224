/**
 * The one HTTP server (DESIGN.md, HTTP): GitHub's webhook deliveries, GET /healthz, GET /metrics,
 * and the place of the Flagger routes (/flagger/events/<cluster>, /flagger/gates/<cluster>/<hook>),
 * which later releases implement. Plain node:http, no framework: Probot 14 has no Express, and
 * the webhook signature needs the raw body (github-platform.md §1.7, §1.10).
 *
 * A delivery is checked before its body is read (signature, event and delivery headers present,
 * declared size under GitHub's 25 MB), streamed with the size cap, verified, and handed to
 * `ingest.accept`, which records its jobs and answers at once: the work happens in the job queue,
 * never while GitHub waits (it gives up after 10 s). Payloads are never logged.
 *
 * Every answer is JSON. Our own routes take bodies up to 1 MiB.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createFlaggerEventsHandler, FLAGGER_EVENTS_PATH, type NodeRequestHandler } from "./cluster/events-route.js";
import type { Metrics } from "./github/metrics.js";
import type { Log } from "./github/port.js";
import { HTTP_LIMITS } from "./limits.js";

/** Why a delivery was refused (the `reason` label of canary_bot_webhook_rejected_total). */
export type RejectReason = "missing_signature" | "missing_headers" | "too_large" | "busy" | "bad_signature" | "invalid_json" | "unusable_payload" | "method_not_allowed";

export interface WebhookIngest {
  /** The webhook secret: X-Hub-Signature-256 is checked while the body streams in, with no extra copy. */
  secret: string;
  /** Records what a verified delivery asks for; the answer GitHub gets. */
  accept(delivery: { id: string; name: string; payload: unknown }): Promise<{ status: number; body: Record<string, unknown> }>;
}

export interface ServerParams {
  webhooks: WebhookIngest;
  /** Where GitHub posts deliveries (WEBHOOK_PATH, default /api/github/webhooks). */
  webhookPath: string;
  metrics: Metrics;
  log: Log;
  limits?: { requestBodyBytes: number; webhookBodyBytes: number; webhookBytesInFlight: number };
  /**
   * POST /flagger/events/<cluster> (src/cluster/events-route.ts, wired in main.ts); without it no
   * cluster is configured and every cluster is unknown (404).
   */
  flaggerEvents?: NodeRequestHandler;
  // --- issue 13: Flagger gates ---
  /** Serves /flagger/gates/<cluster>/<hook> (src/cluster/gates-route.ts); without it the route answers 404. */
  flaggerGates?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  // --- end issue 13 ---
}

export interface CanaryBotServer {
  readonly server: Server;
  /** True once shutdown began: /healthz answers 503 so that load balancers stop sending traffic. */
  readonly draining: boolean;
  listen(params: { port: number; host: string }): Promise<{ port: number; host: string }>;
  /**
   * Graceful shutdown: stop accepting connections, let requests in flight and `drain` (queued
   * reviews) finish within `graceMs`, then close what is left.
   */
  close(params: { graceMs: number; drain?: () => Promise<void> }): Promise<void>;
}

/** An answer with a status and a JSON error, thrown by request handling. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  /** "json": the body is read (capped) and parsed before the handler runs. */
  body: "none" | "json";
  handle(params: { req: IncomingMessage; res: ServerResponse; match: RegExpMatchArray; body: unknown }): Promise<void> | void;
}

export function createCanaryBotServer(params: ServerParams): CanaryBotServer {
  const limits = params.limits ?? HTTP_LIMITS;
  let draining = false;
  // Bytes of webhook bodies being read now: unauthenticated until the whole body is in, so bounded.
  let inFlight = 0;
  const flaggerEvents =
    params.flaggerEvents ??
    createFlaggerEventsHandler({ clusters: [], ingest: async () => ({ changed: false, newEvent: false }), now: Date.now, log: params.log, limits: { requestBodyBytes: limits.requestBodyBytes } });

  const routes: Route[] = [
    {
      method: "GET",
      pattern: /^\/healthz$/,
      body: "none",
      handle: ({ res }) => (draining ? sendJson(res, 503, { status: "shutting down" }) : sendJson(res, 200, { status: "ok" })),
    },
    {
      method: "GET",
      pattern: /^\/metrics$/,
      body: "none",
      handle: async ({ res }) => {
        const text = await params.metrics.registry.metrics();
        res.writeHead(200, { "content-type": params.metrics.registry.contentType }).end(text);
      },
    },
    // Without clusters (CLUSTERS_FILE) the Flagger gates are not served (flaggerGates above takes
    // the path when they are): bodies are still read and checked like every route of ours, then 404.
    {
      method: "POST",
      pattern: /^\/flagger\/gates\/([a-z0-9-]{1,63})\/(confirm-rollout|confirm-traffic-increase|confirm-promotion|rollback)$/,
      body: "json",
      handle: ({ res }) => sendError(res, new HttpError(404, "not_implemented", "Flagger gates are served only with clusters configured (CLUSTERS_FILE)")),
    },
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === params.webhookPath) {
      await handleDelivery(req, res);
      return;
    }
    // Flagger's events (issue 12): the handler checks the token before it reads the body.
    if (FLAGGER_EVENTS_PATH.test(path)) {
      await flaggerEvents(req, res);
      return;
    }
    // --- issue 13: Flagger gates (the handler reads its own body, with the cap, after the token) ---
    if (params.flaggerGates && path.startsWith("/flagger/gates/")) {
      await params.flaggerGates(req, res);
      return;
    }
    // --- end issue 13 ---
    const matching = routes.filter((r) => r.pattern.test(path));
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      if (matching.length > 0) {
        res.setHeader("allow", [...new Set(matching.map((r) => r.method))].join(", "));
        throw new HttpError(405, "method_not_allowed", `${req.method} is not allowed on ${path}`);
      }
      throw new HttpError(404, "not_found", `no route for ${req.method} ${path}`);
    }
    const body = route.body === "json" ? parseJsonBody(req, await readBody(req, limits.requestBodyBytes)) : undefined;
    await route.handle({ req, res, match: path.match(route.pattern)!, body });
  };

  const reject = (reason: RejectReason, status: number, message: string): HttpError => {
    params.metrics.rejectedDeliveries.inc({ reason });
    return new HttpError(status, reason, message);
  };

  const handleDelivery = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      throw reject("method_not_allowed", 405, `${req.method} is not allowed on the webhook path`);
    }
    // Refused before a byte of the body is read: nothing unsigned is buffered (issue 10).
    const signature = header(req, "x-hub-signature-256");
    if (!signature) throw reject("missing_signature", 400, "the delivery has no X-Hub-Signature-256 header");
    const name = header(req, "x-github-event");
    const id = header(req, "x-github-delivery");
    if (!name || !id || !/^[A-Za-z0-9_.-]{1,100}$/.test(name) || id.length > 100) throw reject("missing_headers", 400, "the delivery needs X-GitHub-Event and X-GitHub-Delivery headers");
    let body: Buffer;
    const reserve = { bytes: 0 };
    const hmac = createHmac("sha256", params.webhooks.secret);
    try {
      body = await readBody(req, limits.webhookBodyBytes, (chunk) => hmac.update(chunk), (bytes) => {
        // Within the in-flight budget, or refused: GitHub's real deliveries are rarely over 1 MB.
        if (inFlight - reserve.bytes + bytes > limits.webhookBytesInFlight && reserve.bytes < bytes) {
          throw new HttpError(503, "busy", "too many large deliveries are being read; try again");
        }
        inFlight += bytes - reserve.bytes;
        reserve.bytes = bytes;
      });
    } catch (error) {
      if (error instanceof HttpError && (error.status === 413 || error.status === 503)) params.metrics.rejectedDeliveries.inc({ reason: error.status === 413 ? "too_large" : "busy" });
      throw error;
    } finally {
      inFlight -= reserve.bytes;
    }
    const expected = Buffer.from(`sha256=${hmac.digest("hex")}`);
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw reject("bad_signature", 401, "the signature does not match the body and the webhook secret");
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      throw reject("invalid_json", 400, "the delivery body is not valid JSON");
    }
    const answer = await params.webhooks.accept({ id, name, payload });
    if (answer.status === 400) params.metrics.rejectedDeliveries.inc({ reason: "unusable_payload" });
    sendJson(res, answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!(error instanceof HttpError)) params.log.error({ err: error, method: req.method, path: (req.url ?? "").split("?")[0] }, "request failed");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, error instanceof HttpError ? error : new HttpError(500, "internal_error", "the request failed; see the server log"));
      if (error instanceof HttpError && (error.status === 413 || error.status === 503 || (!req.complete && error.status < 500))) {
        // Do not read the rest of a refused body: answer, then drop the connection.
        res.on("finish", () => req.destroy());
      }
    });
  });
  // A request must arrive whole in reasonable time (slow-loris); GitHub gives up after 10 s anyway.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;

  return {
    server,
    get draining() {
      return draining;
    },
    listen({ port, host }) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          resolve({ port: address.port, host: address.address });
        });
      });
    },
    async close({ graceMs, drain }) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), graceMs);
        timer.unref();
      });
      const finished = await Promise.race([Promise.all([closed, drain?.() ?? Promise.resolve()]).then(() => "done" as const), deadline]);
      clearTimeout(timer);
      if (finished === "timeout") params.log.warn({ graceMs }, "shutdown grace period over; closing remaining connections");
      server.closeAllConnections();
    },
  };
}

/**
 * The body, read up to `limit` bytes. With a declared length it goes into one buffer of that size
 * (no second copy); `onChunk` sees each chunk (a streaming signature); `account` is told the bytes
 * held (declared, then read) and may refuse by throwing.
 */
async function readBody(req: IncomingMessage, limit: number, onChunk?: (chunk: Buffer) => void, account?: (bytes: number) => void): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  const known = req.headers["content-length"] !== undefined && Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > limit) throw tooLarge(limit);
  account?.(known ? declared : 0);
  const target = known ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const data of req) {
    const chunk = data as Buffer;
    if (size + chunk.length > limit || (known && size + chunk.length > declared)) throw tooLarge(limit);
    onChunk?.(chunk);
    if (target) chunk.copy(target, size);
    else chunks.push(chunk);
    size += chunk.length;
    if (account && !known) account(size);
  }
  return target ? target.subarray(0, size) : Buffer.concat(chunks, size);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "payload_too_large", `the request body is larger than ${limit} bytes`);
}

function parseJsonBody(req: IncomingMessage, body: Buffer): unknown {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, "unsupported_media_type", "send the body as application/json");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "invalid_json", "the request body is not valid JSON");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(`${JSON.stringify(body)}\n`);
}

function sendError(res: ServerResponse, error: HttpError): void {
  if (error.status === 413 || error.status === 400 || error.status === 401 || error.status === 503) res.setHeader("connection", "close");
  sendJson(res, error.status, { error: error.code, message: error.message });
}
