/**
 * `POST /flagger/gates/<cluster>/<hook type>?token=<eventToken>`: Flagger's gate webhooks
 * (confirm-rollout, confirm-traffic-increase, confirm-promotion, rollback), as a plain node:http
 * handler for the server to mount (DESIGN.md "Flagger gates", docs/approvals.md).
 *
 * Answers from STORED records only: the Canary's current run (promotion records) and the approvals
 * the command jobs stored. It never calls GitHub while Flagger waits (10 s per attempt,
 * docs/flagger-scheduler.md §4.1). Answers, all JSON:
 * 200 open, with the reason (Flagger counts ≤ 202 as success); 403 closed, with the reason;
 * 404 unknown cluster; 401 missing or wrong token (constant-time compare, before the body is read);
 * 400 unknown hook type, bad JSON or not Flagger's payload; 413 over the size cap (streamed, never
 * buffers more); 415 a non-JSON content type; 405 other methods.
 *
 * Every call that names a configured cluster or passes its token is stored with its answer
 * (gate_calls); a 401 or 413 is only logged, so that an unauthenticated client cannot fill the table.
 * The server stores calls in batches (writeBehind) and decides from remembered inputs where that is
 * safe (src/cluster/gate-inputs.ts): a 403 from memory, a 200 from memory on PGlite, and on
 * PostgreSQL a 200 from memory while the memory is proven recent (GATE_LIMITS.openFromMemoryMs),
 * else once one query confirmed the inputs (npm run bench -- gates).
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Answer, digestToken, discardBody, readCappedBody, sendJson } from "./http.js";
import { buildRejectedGateCallRecord, decideGateCall, httpStatusOf, parseGateCall, type GateDecision } from "../gate/gate-call.js";
import { isGateHook } from "../commands/verbs.js";
import { GATE_LIMITS, HTTP_LIMITS } from "../limits.js";
import type { GateCallRecord } from "../commands/records.js";
import { insertGateCalls, markApprovalConsumed } from "../store/approvals.js";
import type { Store } from "../store/store.js";
import type { NodeRequestHandler } from "./events-route.js";
import { createStoreGateInputs, type GateInputs, type GateInputsReader } from "./gate-inputs.js";
import type { PromotionStore } from "./ports.js";

export const FLAGGER_GATES_PATH = /^\/flagger\/gates\/([^/?#]*)\/([^/?#]*)$/;

export interface GatesRouteLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface FlaggerGatesHandlerParams {
  clusters: ReadonlyArray<{ name: string; eventToken: string }>;
  /** The approvals' tables (src/store/approvals.ts). */
  store: Pick<Store, "query" | "transaction">;
  /** The current run of the called Canary (read every call unless `inputs` is given). */
  promotions: Pick<PromotionStore, "getPromotionRecord">;
  now: () => number;
  log: GatesRouteLog;
  limits?: { requestBodyBytes: number };
  /**
   * Where a decision's inputs come from: by default read from `store` and `promotions` on every
   * call; the server passes createRememberingGateInputs (src/cluster/gate-inputs.ts).
   */
  inputs?: GateInputsReader;
  /**
   * Store gate calls in batches, at most `flushMs` after they were answered, instead of one
   * transaction per call: the answer never waits on a write. A crash loses at most that window's
   * calls from the audit trail (never an approval: those are written by the command job).
   */
  writeBehind?: { flushMs: number; maxBatch: number };
  /**
   * Called once each batch of calls is stored, with the latest call of each of its gates stored
   * before it (`previous`, read by the insert itself): the server queues a redraw of the comments
   * whose gate prompt changed (src/github/comment-job.ts). A failure is logged; the calls stay stored.
   */
  afterStore?: (batch: { calls: readonly GateCallRecord[]; previous: readonly GateCallRecord[] }) => Promise<unknown>;
  /** Hears each answer (the server counts them: canary_bot_flagger_gate_calls_total). */
  answered?: (answer: GateAnswerCount) => void;
}

/**
 * What decided an answer: the request alone (a bad token, an unknown cluster or hook, not Flagger's
 * payload); remembered inputs; remembered inputs confirmed by a query (a 200 on PostgreSQL while
 * the memory was not proven recent); inputs read from the store.
 */
export type GateAnswerSource = "request" | "memory" | "confirmed" | "store";

export interface GateAnswerCount {
  /** The hook type of the URL, or "unknown" when it names none. */
  hook: string;
  status: number;
  source: GateAnswerSource;
}

export type FlaggerGatesHandler = NodeRequestHandler & {
  /** Writes the gate calls not yet stored (call before closing the store). */
  flush(): Promise<void>;
};

/** How the server batches gate calls (GATE_LIMITS, with the reasons). */
export const GATE_WRITE_BEHIND = { flushMs: GATE_LIMITS.callWriteMs, maxBatch: GATE_LIMITS.callWriteBatch } as const;

/** Approvals this process marked consumed, remembered so that each is written once; then it starts over. */
const CONSUMED_KEYS = 10_000;

export function createFlaggerGatesHandler(params: FlaggerGatesHandlerParams): FlaggerGatesHandler {
  const limit = params.limits?.requestBodyBytes ?? HTTP_LIMITS.requestBodyBytes;
  // Digests make both sides the same length (timingSafeEqual needs it) and hide the token's length.
  const tokens = new Map(params.clusters.map((c) => [c.name, digestToken(c.eventToken)] as const));
  const knownClusters = params.clusters.map((c) => c.name);
  const { store } = params;
  const inputs = params.inputs ?? createStoreGateInputs({ store, promotions: params.promotions });
  const consumed = new Set<string>();
  let pendingCalls: GateCallRecord[] = [];
  let pendingConsumes: Array<{ key: string; at: string }> = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let flushQueued = false;
  const batchSize = params.writeBehind?.maxBatch ?? 1;

  /** Runs `afterStore`, logging its failure. */
  const runAfterStore = async (batch: { calls: readonly GateCallRecord[]; previous: readonly GateCallRecord[] }): Promise<void> => {
    if (!params.afterStore || batch.calls.length === 0) return;
    await params.afterStore(batch).catch((error: unknown) => params.log.error({ err: error, calls: batch.calls.length }, "gate calls' comment redraws could not be queued"));
  };

  const hasPending = () => pendingCalls.length > 0 || pendingConsumes.length > 0;
  /**
   * Writes what is pending, at most `maxBatch` calls per statement. Without `all`, only full
   * batches after the first: the calls that came in while a batch was written wait for the next
   * window, or the writes would follow each other with a handful of calls each (2,783 statements
   * of ~12 calls in one bench run, each costing the database as much as many rows).
   */
  const writePending = async (all: boolean): Promise<void> => {
    flushQueued = false;
    clearTimeout(timer);
    timer = undefined;
    let first = true;
    while (hasPending() && (first || all || pendingCalls.length >= batchSize)) {
      first = false;
      const calls = pendingCalls.splice(0, batchSize);
      const consumes = pendingConsumes.splice(0);
      let previous: GateCallRecord[];
      try {
        // One statement is its own transaction: BEGIN and COMMIT cost PGlite more than the rows.
        if (consumes.length === 0) ({ previous } = await insertGateCalls(store, calls));
        else {
          ({ previous } = await store.transaction(async (tx) => {
            const inserted = await insertGateCalls(tx, calls);
            for (const consume of consumes) await markApprovalConsumed(tx, consume);
            return inserted;
          }));
        }
      } catch (error) {
        params.log.error({ err: error, calls: calls.length }, "gate calls could not be stored");
        continue;
      }
      await runAfterStore({ calls, previous });
    }
    if (hasPending() && params.writeBehind) timer ??= setTimeout(() => void flushBatch(), params.writeBehind.flushMs);
  };
  /** Queues a write of the pending calls (`all`: every one, else a batch and then only full ones). */
  const queueWrite = (all: boolean): Promise<void> => {
    flushQueued = true;
    flushing = flushing.then(() => writePending(all));
    return flushing;
  };
  const flushBatch = () => queueWrite(false);
  const flush = () => queueWrite(true);

  /** Stores a call (and the approval it consumed): at once, or in the next batch. */
  const save = (record: GateCallRecord, consume: { key: string; at: string } | null): Promise<void> | undefined => {
    const fresh = consume && !consumed.has(consume.key) ? consume : null;
    if (fresh) {
      if (consumed.size >= CONSUMED_KEYS) consumed.clear();
      consumed.add(fresh.key);
    }
    if (!params.writeBehind) {
      return store
        .transaction(async (tx) => {
          const inserted = await insertGateCalls(tx, [record]);
          if (fresh) await markApprovalConsumed(tx, fresh);
          return inserted;
        })
        .then(({ previous }) => runAfterStore({ calls: [record], previous }));
    }
    pendingCalls.push(record);
    if (fresh) pendingConsumes.push(fresh);
    if (flushQueued) return undefined;
    if (pendingCalls.length >= batchSize) void flushBatch();
    else timer ??= setTimeout(() => void flushBatch(), params.writeBehind.flushMs);
    return undefined;
  };

  const hookLabel = (hook: string | undefined) => (hook !== undefined && isGateHook(hook) ? hook : "unknown");
  const count = (hook: string | undefined, status: number, source: GateAnswerSource) => params.answered?.({ hook: hookLabel(hook), status, source });

  const refuseEarly = async (res: ServerResponse, call: { cluster: string; hook: string; body: unknown }, decision: GateDecision): Promise<void> => {
    await save(buildRejectedGateCallRecord({ ...call, decision, now: new Date(params.now()).toISOString() }), null);
    sendJson(res, httpStatusOf(decision), { open: false, code: decision.code, reason: decision.reason });
    count(call.hook, httpStatusOf(decision), "request");
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The request target is origin-form (path?query): split it, not a whole WHATWG URL parse per call.
    const target = req.url ?? "/";
    const queryAt = target.indexOf("?");
    const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
    const match = FLAGGER_GATES_PATH.exec(pathname);
    if (!match) throw new Answer(404, "not_found", `no route for ${req.method} ${pathname}; use /flagger/gates/<cluster>/<hook type>`);
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      throw new Answer(405, "method_not_allowed", `${req.method} is not allowed on ${pathname}; Flagger posts to its gates`);
    }
    let cluster: string;
    let hook: string;
    try {
      cluster = decodeURIComponent(match[1]!);
      hook = decodeURIComponent(match[2]!);
    } catch {
      throw new Answer(400, "invalid_path", "the path is not valid percent-encoding");
    }
    const expected = tokens.get(cluster);
    if (!expected) {
      const unknown = parseGateCall({ cluster, hook, body: null, knownClusters });
      if (!unknown.ok) {
        discardBody(req, limit);
        await refuseEarly(res, { cluster, hook, body: null }, unknown.decision);
        return;
      }
    }
    const token = queryAt < 0 ? null : new URLSearchParams(target.slice(queryAt + 1)).get("token");
    if (!token) throw new Answer(401, "missing_token", "add ?token=<the cluster's eventToken> to the webhook URL");
    if (!expected || !timingSafeEqual(digestToken(token), expected)) throw new Answer(401, "wrong_token", "the token is not this cluster's eventToken");
    const type = (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") throw new Answer(415, "unsupported_media_type", "send the body as application/json");
    const raw = await readCappedBody(req, limit);
    let body: unknown = null;
    let validJson = true;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      validJson = false;
    }
    const parsed = parseGateCall({ cluster, hook, body, knownClusters });
    if (!parsed.ok) {
      const decision: GateDecision =
        !validJson && parsed.decision.code === "INVALID_PAYLOAD" ? { ...parsed.decision, reason: "the body is not valid JSON: Flagger sends its webhook payload as JSON" } : parsed.decision;
      await refuseEarly(res, { cluster, hook, body }, decision);
      return;
    }
    const { call } = parsed;
    const now = new Date(params.now()).toISOString();
    const decideOn = (i: GateInputs) => decideGateCall({ call, run: i.run, records: i.records, currentHeads: i.heads, now });
    // From memory without an await when it may (most of what a call costs on top of HTTP is
    // awaiting); a 200 from memory only when the reader may open from memory or the store confirmed
    // the remembered inputs (gate-inputs.ts says why); otherwise from a read of the store.
    const remembered = inputs.recall(call);
    let outcome = remembered && decideOn(remembered);
    let run = remembered?.run ?? null;
    let source: GateAnswerSource = "memory";
    if (outcome && outcome.decision.status === 200 && !inputs.mayOpenFromMemory()) source = (await inputs.confirm(call, remembered!)) ? "confirmed" : "store";
    if (!outcome || source === "store") {
      const read = await inputs.read(call);
      outcome = decideOn(read);
      run = read.run;
      source = "store";
    }
    const saving = save(outcome.record, outcome.consume);
    if (saving) await saving;
    const { decision } = outcome;
    sendJson(res, httpStatusOf(decision), { open: decision.status === 200, code: decision.code, reason: decision.reason, run: run?.id ?? null });
    count(call.hook, httpStatusOf(decision), source);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await handle(req, res);
    } catch (error) {
      const answer = error instanceof Answer ? error : new Answer(500, "internal_error", "the gate call could not be decided; the gate stays closed (see the server log)");
      count(FLAGGER_GATES_PATH.exec((req.url ?? "").split("?")[0]!)?.[2], answer.status, "request");
      if (!(error instanceof Answer)) params.log.error({ err: error, path: (req.url ?? "").split("?")[0] }, "flagger gate call failed");
      else if (answer.status === 401 || answer.status === 413) params.log.warn({ path: (req.url ?? "").split("?")[0], code: answer.code }, "flagger gate call refused");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!req.readableEnded) {
        // The body was not read (401 …) or not to its end (413): drain a reasonable one so the
        // client reads the answer instead of a reset; cut a larger one off.
        if (answer.status === 413) res.setHeader("connection", "close");
        discardBody(req, limit);
      }
      sendJson(res, answer.status, { open: false, error: answer.code, message: answer.message });
    }
  };
  return Object.assign(handler, { flush });
}
