/**
 * `POST /flagger/events/<cluster>?token=<eventToken>`: Flagger's event webhooks (per-Canary
 * `type: event` hooks or the controller-wide `-event-webhook`), as a plain node:http handler with
 * a narrow `ingest` port, for the server to mount (DESIGN.md "HTTP").
 *
 * Flagger cannot send headers (its webhook request has only Content-Type, docs/flagger-scheduler.md
 * §4.1), so the cluster's secret comes in the query string. Answers, all JSON:
 * 202 accepted (Flagger counts ≤ 202 as success); 401 missing or wrong token, before the body is
 * read, and nothing changes; 404 unknown cluster; 400 bad JSON or not a Flagger event, with the
 * reason; 413 over the size cap, streamed (never buffers more than the cap); 415 a non-JSON
 * content type; 405 other methods. Never throws: a failing `ingest` is a 500 and a log line.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Answer, digestToken, discardBody, readCappedBody, sendJson } from "./http.js";
import { parseFlaggerEvent, type FlaggerEvent } from "../gate/flagger-event.js";
import { HTTP_LIMITS } from "../limits.js";

export const FLAGGER_EVENTS_PATH = /^\/flagger\/events\/([^/?#]*)$/;

/** What ingesting an event did; the handler reports it in the 202 body. */
export interface IngestAnswer {
  changed: boolean;
  newEvent: boolean;
}

export interface EventsRouteLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface FlaggerEventsHandlerParams {
  clusters: ReadonlyArray<{ name: string; eventToken: string }>;
  ingest: (event: FlaggerEvent) => Promise<IngestAnswer>;
  /** The receiving time stamped on events (injected: tests and replays control it). */
  now: () => number;
  log: EventsRouteLog;
  limits?: { requestBodyBytes: number };
}

export type NodeRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createFlaggerEventsHandler(params: FlaggerEventsHandlerParams): NodeRequestHandler {
  const limit = params.limits?.requestBodyBytes ?? HTTP_LIMITS.requestBodyBytes;
  // Digests make both sides of the comparison the same length, which timingSafeEqual needs,
  // and do not reveal the token's length.
  const tokens = new Map(params.clusters.map((c) => [c.name, digestToken(c.eventToken)] as const));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = FLAGGER_EVENTS_PATH.exec(url.pathname);
    if (!match) throw new Answer(404, "not_found", `no route for ${req.method} ${url.pathname}`);
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      throw new Answer(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}; Flagger posts events`);
    }
    let cluster: string;
    try {
      cluster = decodeURIComponent(match[1]!);
    } catch {
      throw new Answer(404, "unknown_cluster", "the cluster name in the path is not valid percent-encoding");
    }
    const expected = tokens.get(cluster);
    if (!expected) throw new Answer(404, "unknown_cluster", `no cluster named "${cluster}" is configured (CLUSTERS_FILE)`);
    const token = url.searchParams.get("token");
    if (!token) throw new Answer(401, "missing_token", "add ?token=<the cluster's eventToken> to the webhook URL");
    if (!timingSafeEqual(digestToken(token), expected)) throw new Answer(401, "wrong_token", "the token is not this cluster's eventToken");
    const type = (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") throw new Answer(415, "unsupported_media_type", "send the body as application/json");
    const body = await readCappedBody(req, limit);
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw new Answer(400, "invalid_json", "the request body is not valid JSON");
    }
    const parsed = parseFlaggerEvent({ body: json, cluster, receivedAt: params.now() });
    if (!parsed.ok) throw new Answer(400, "invalid_event", parsed.reason);
    const answer = await params.ingest(parsed.event);
    sendJson(res, 202, { status: "accepted", key: parsed.event.key, changed: answer.changed, duplicate: !answer.newEvent && !answer.changed });
  };

  return async (req, res) => {
    try {
      await handle(req, res);
    } catch (error) {
      const answer = error instanceof Answer ? error : new Answer(500, "internal_error", "the event could not be recorded; see the server log");
      if (!(error instanceof Answer)) params.log.error({ err: error, path: (req.url ?? "").split("?")[0] }, "flagger event ingestion failed");
      else if (answer.status === 401) params.log.warn({ path: (req.url ?? "").split("?")[0], code: answer.code }, "flagger event refused");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!req.readableEnded) {
        // The body was not read (401, 404 …) or not to its end (413). Let a body of reasonable
        // size drain so the client reads our answer instead of a reset; cut a larger one off.
        if (answer.status === 413) res.setHeader("connection", "close");
        discardBody(req, limit);
      }
      sendJson(res, answer.status, { error: answer.code, message: answer.message });
    }
  };
}
