/** The Flagger events route on a real HTTP server on loopback, with the ingest use case on the in-memory store double. */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFlaggerEventsHandler, type IngestAnswer } from "../../src/cluster/events-route.js";
import { ingestObservation } from "../../src/cluster/ingest.js";
import type { FlaggerEvent } from "../../src/gate/flagger-event.js";
import { eventPayload, T0 } from "../gate/helpers.js";
import { createMemoryPromotionStore, type MemoryPromotionStore } from "../support/memory-promotion-store.js";

const TOKEN = "s3cr3t-0123456789abcdef0123456789";
const LIMIT = 4096;

describe("POST /flagger/events/<cluster>", () => {
  let server: Server;
  let base: string;
  let store: MemoryPromotionStore;
  let failIngest: Error | null;
  const logs: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];

  beforeEach(async () => {
    store = createMemoryPromotionStore();
    failIngest = null;
    logs.length = 0;
    const handler = createFlaggerEventsHandler({
      clusters: [{ name: "staging", eventToken: TOKEN }],
      ingest: async (event: FlaggerEvent): Promise<IngestAnswer> => {
        if (failIngest) throw failIngest;
        return ingestObservation(store, { kind: "event", event });
      },
      now: () => T0 + 1000,
      log: { warn: (fields, message) => logs.push({ level: "warn", fields, message }), error: (fields, message) => logs.push({ level: "error", fields, message }) },
      limits: { requestBodyBytes: LIMIT },
    });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const payload = eventPayload({ phase: "Progressing", checksum: "85d557f47b", message: "Advance podinfo.test canary weight 10", at: T0 });
  const post = (path: string, body: string, type = "application/json") => fetch(`${base}${path}`, { method: "POST", headers: { "content-type": type }, body });
  const answer = async (response: Response) => [response.status, (await response.json()) as Record<string, unknown>] as const;

  it("accepts an event (202), records it, and answers a replay as a duplicate that changes nothing", async () => {
    const first = await answer(await post(`/flagger/events/staging?token=${TOKEN}`, JSON.stringify(payload)));
    expect(first).toEqual([202, { status: "accepted", key: expect.any(String), changed: true, duplicate: false }]);
    const stored = await store.getPromotionRecord({ cluster: "staging", namespace: "test", name: "podinfo" });
    expect(stored?.record.current).toMatchObject({ phase: "Progressing", canaryWeight: 10, at: T0 });
    const replay = await answer(await post(`/flagger/events/staging?token=${TOKEN}`, JSON.stringify(payload)));
    expect(replay).toEqual([202, { status: "accepted", key: first[1].key, changed: false, duplicate: true }]);
    expect((await store.getPromotionRecord({ cluster: "staging", namespace: "test", name: "podinfo" }))?.version).toBe(stored?.version);
    expect(store.events).toHaveLength(1);
  });

  it("refuses a missing or wrong token with 401 and changes nothing", async () => {
    expect(await answer(await post("/flagger/events/staging", JSON.stringify(payload)))).toEqual([401, { error: "missing_token", message: "add ?token=<the cluster's eventToken> to the webhook URL" }]);
    const sameLength = TOKEN.slice(0, -1) + "X";
    for (const token of [sameLength, "short", `${TOKEN}x`]) {
      expect(await answer(await post(`/flagger/events/staging?token=${token}`, JSON.stringify(payload)))).toEqual([401, { error: "wrong_token", message: "the token is not this cluster's eventToken" }]);
    }
    expect([store.records.size, store.events.length]).toEqual([0, 0]);
    expect(logs.map((l) => [l.level, l.fields.code])).toEqual([["warn", "missing_token"], ["warn", "wrong_token"], ["warn", "wrong_token"], ["warn", "wrong_token"]]);
    expect(JSON.stringify(logs)).not.toContain(sameLength);
  });

  it("answers 404 for an unknown cluster or path, 405 for other methods, 415 for other content types", async () => {
    expect(await answer(await post(`/flagger/events/prod?token=${TOKEN}`, JSON.stringify(payload)))).toEqual([404, { error: "unknown_cluster", message: 'no cluster named "prod" is configured (CLUSTERS_FILE)' }]);
    expect((await post(`/flagger/events/staging/x?token=${TOKEN}`, "{}")).status).toBe(404);
    expect((await answer(await post(`/flagger/events/%E0%A4%A?token=${TOKEN}`, "{}")))[1].error).toBe("unknown_cluster");
    const get = await fetch(`${base}/flagger/events/staging?token=${TOKEN}`);
    expect([get.status, get.headers.get("allow"), ((await get.json()) as { error: string }).error]).toEqual([405, "POST", "method_not_allowed"]);
    expect((await answer(await post(`/flagger/events/staging?token=${TOKEN}`, JSON.stringify(payload), "text/plain")))[0]).toBe(415);
    expect(store.records.size).toBe(0);
  });

  it("answers 400 for bad JSON and for a payload that is not a Flagger event, with the reason", async () => {
    expect(await answer(await post(`/flagger/events/staging?token=${TOKEN}`, "{not json"))).toEqual([400, { error: "invalid_json", message: "the request body is not valid JSON" }]);
    const hook = { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "x" };
    expect(await answer(await post(`/flagger/events/staging?token=${TOKEN}`, JSON.stringify(hook)))).toEqual([
      400,
      { error: "invalid_event", message: '"metadata" is missing: only Flagger event webhooks (type: event, or -event-webhook) are accepted here' },
    ]);
    expect(store.records.size).toBe(0);
  });

  it("answers 413 for a declared oversize body", async () => {
    const big = JSON.stringify({ ...payload, pad: "x".repeat(LIMIT) });
    expect(await answer(await post(`/flagger/events/staging?token=${TOKEN}`, big))).toEqual([413, { error: "payload_too_large", message: `the request body is larger than ${LIMIT} bytes` }]);
  });

  it("answers 413 as soon as a chunked body passes the cap, before the upload ends", async () => {
    const port = (server.address() as AddressInfo).port;
    const req = request({ host: "127.0.0.1", port, method: "POST", path: `/flagger/events/staging?token=${TOKEN}`, headers: { "content-type": "application/json", "transfer-encoding": "chunked" } });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
    });
    req.write(`{"pad":"${"x".repeat(1024)}`);
    for (let i = 0; i < 4; i++) req.write("x".repeat(1024));
    // The request is never ended: the answer cannot have waited for the whole body.
    const { status, body } = await response;
    req.destroy();
    expect([status, JSON.parse(body).error]).toEqual([413, "payload_too_large"]);
    expect(store.records.size).toBe(0);
  });

  it("answers 500 and logs when ingestion fails", async () => {
    failIngest = new Error("store down");
    expect(await answer(await post(`/flagger/events/staging?token=${TOKEN}`, JSON.stringify(payload)))).toEqual([500, { error: "internal_error", message: "the event could not be recorded; see the server log" }]);
    expect(logs.map((l) => [l.level, l.message])).toEqual([["error", "flagger event ingestion failed"]]);
  });
});
