/**
 * The Flagger gates route on a real HTTP server on loopback, answering from a real store (PGlite)
 * and the promotion records (the in-memory double of the PromotionStore port).
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRememberingGateInputs } from "../../src/cluster/gate-inputs.js";
import { createFlaggerGatesHandler, type GateAnswerCount } from "../../src/cluster/gates-route.js";
import { insertCommandRecords, listCommandRecords, listGateCalls, upsertPullRequestHead } from "../../src/store/approvals.js";
import { openStore, type Store } from "../../src/store/index.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { applyObservation } from "../../src/gate/promotion.js";
import { runEvents } from "../gate/helpers.js";
import { commandRecord, HEAD_SHA, IMAGES, promotionWithRun } from "../support/approvals.js";
import { createMemoryPromotionStore, type MemoryPromotionStore } from "../support/memory-promotion-store.js";

const TOKEN = "s3cr3t-0123456789abcdef0123456789";
const LIMIT = 4096;
const T_RUN = Date.UTC(2026, 10, 29, 12, 0, 0);
const NOW = Date.UTC(2026, 10, 29, 12, 10, 0);
const RUN_ID = "staging/test/podinfo@2026-11-29T12:00:00.000Z";
const payload = { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "85d557f47b", metadata: { eventMessage: "x" } };

describe("POST /flagger/gates/<cluster>/<hook>", () => {
  let store: Store;
  let promotions: MemoryPromotionStore;
  let server: Server;
  let base: string;
  const logs: Array<{ level: string; message: string }> = [];

  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(async () => {
    await store.query("TRUNCATE command_records, gate_calls, pull_request_heads, pull_request_canaries");
    promotions = createMemoryPromotionStore();
    logs.length = 0;
    const handler = createFlaggerGatesHandler({
      clusters: [{ name: "staging", eventToken: TOKEN }],
      store,
      promotions,
      now: () => NOW,
      log: { warn: (_f, message) => logs.push({ level: "warn", message }), error: (_f, message) => logs.push({ level: "error", message }) },
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

  const post = async (path: string, body: string = JSON.stringify(payload)) => {
    const response = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    return [response.status, (await response.json()) as Record<string, unknown>] as const;
  };
  const gate = (hook = "confirm-promotion", cluster = "staging") => `/flagger/gates/${cluster}/${hook}?token=${TOKEN}`;
  const seedRun = (startedAt = T_RUN) => promotions.records.set("staging/test/podinfo", { record: promotionWithRun({ startedAt }), version: 1 });

  it("keeps the gate closed (403, with the reason) until an approval for the current run exists, then opens it (200) and marks it consumed", async () => {
    seedRun();
    expect(await post(gate())).toEqual([403, { open: false, code: "NOT_APPROVED", reason: `run ${RUN_ID} of test/podinfo in cluster staging waits for /canary promote on its pull request`, run: RUN_ID }]);
    const approval = commandRecord({ runId: RUN_ID });
    await insertCommandRecords(store, [approval]);
    const [status, body] = await post(gate());
    expect([status, body.open, body.code]).toEqual([200, true, "APPROVED"]);
    expect(body.reason).toBe(`opened by alice's /canary promote on #7 (head ec26c3e) for run ${RUN_ID}`);
    // Blue/green asks twice during the run: still open.
    expect((await post(gate()))[0]).toBe(200);
    const [stored] = await listCommandRecords(store, { repository: "acme/gitops", pullRequest: 7 });
    expect(stored?.consumedAt).toBe(new Date(NOW).toISOString());
    const calls = await listGateCalls(store, { cluster: "staging" });
    expect(calls.map((c) => [c.status, c.code, c.approvalKey])).toEqual([
      [403, "NOT_APPROVED", null],
      [200, "APPROVED", approval.key],
      [200, "APPROVED", approval.key],
    ]);
  });

  it("never opens a later run with an approval given for an earlier one", async () => {
    await insertCommandRecords(store, [commandRecord({ runId: RUN_ID })]);
    seedRun(T_RUN + 3_600_000);
    const [status, body] = await post(gate());
    expect([status, body.code]).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN"]);
  });

  it("with a run learnt from Flagger's events: opens for the run's own checksum, and refuses a call carrying another (a newer run not heard of yet)", async () => {
    // The revision merged for podinfo, then Flagger's events of its run (the detection event carries the previous checksum).
    let record = applyObservation(null, { kind: "merge", key: { cluster: "staging", namespace: "test", name: "podinfo" }, merge: { pullRequest: 7, sha: "c".repeat(40), mergedAt: T_RUN - 60_000, images: IMAGES } }).record;
    for (const event of runEvents({ previous: "0a1b2c3d4e", checksum: "85d557f47b", start: T_RUN, outcome: "open" })) record = applyObservation(record, { kind: "event", event }).record;
    promotions.records.set("staging/test/podinfo", { record, version: 1 });
    await insertCommandRecords(store, [commandRecord({ runId: RUN_ID })]);
    const call = (checksum: string) => post(gate(), JSON.stringify({ ...payload, checksum }));
    const [opened, body] = await call("85d557f47b");
    expect([opened, body.code, body.run]).toEqual([200, "APPROVED", RUN_ID]);
    const [refused, why] = await call("7f6e5d4c3b");
    expect([refused, why.code]).toEqual([403, "RUN_UNKNOWN"]);
    expect(why.reason).toContain("Flagger calls with checksum 7f6e5d4c3b, not that of run");
  });

  it("keeps the gate closed when the pull request was pushed to after the approval", async () => {
    seedRun();
    await insertCommandRecords(store, [commandRecord({ runId: RUN_ID })]);
    await upsertPullRequestHead(store, { repository: "acme/gitops", pullRequest: 7, headSha: "b".repeat(40), pushedAt: null });
    const [status, body] = await post(gate());
    expect([status, body.code]).toEqual([403, "APPROVAL_OUTDATED"]);
    await upsertPullRequestHead(store, { repository: "acme/gitops", pullRequest: 7, headSha: HEAD_SHA, pushedAt: null });
    expect((await post(gate()))[0]).toBe(200);
  });

  it("answers rollback 200 only once /canary rollback was given for the run", async () => {
    seedRun();
    expect((await post(gate("rollback")))[1].code).toBe("NOT_APPROVED");
    await insertCommandRecords(store, [commandRecord({ commentId: 2, verb: "rollback", hook: "rollback", runId: RUN_ID })]);
    expect((await post(gate("rollback")))[0]).toBe(200);
    // The promote gate is another hook: still closed.
    expect((await post(gate()))[0]).toBe(403);
  });

  it("refuses a missing or wrong token with 401, stores nothing and logs it", async () => {
    expect(await post("/flagger/gates/staging/confirm-promotion")).toEqual([401, { open: false, error: "missing_token", message: "add ?token=<the cluster's eventToken> to the webhook URL" }]);
    expect((await post(`/flagger/gates/staging/confirm-promotion?token=${TOKEN}x`))[1].error).toBe("wrong_token");
    expect(await listGateCalls(store, { cluster: "staging" })).toEqual([]);
    expect(logs.map((l) => l.message)).toEqual(["flagger gate call refused", "flagger gate call refused"]);
  });

  it("answers an unknown cluster 404, an unknown hook or a body that is not Flagger's 400, and stores each call", async () => {
    const [status404, body404] = await post(`/flagger/gates/prod/confirm-promotion?token=${TOKEN}`);
    expect([status404, body404.code]).toEqual([404, "UNKNOWN_CLUSTER"]);
    const [status, body] = await post(gate("confirm-promotoin"));
    expect([status, body.code]).toEqual([400, "UNKNOWN_HOOK"]);
    expect(body.reason).toContain("did you mean confirm-promotion?");
    expect((await post(gate(), "{not json"))).toEqual([400, { open: false, code: "INVALID_PAYLOAD", reason: "the body is not valid JSON: Flagger sends its webhook payload as JSON" }]);
    expect((await post(gate(), JSON.stringify({ name: "Podinfo!", namespace: "test", phase: "Progressing" })))[0]).toBe(400);
    expect((await listGateCalls(store, { cluster: "prod" })).map((c) => c.code)).toEqual(["UNKNOWN_CLUSTER"]);
    expect((await listGateCalls(store, { cluster: "staging" })).map((c) => [c.status, c.code])).toEqual([
      [403, "UNKNOWN_HOOK"],
      [403, "INVALID_PAYLOAD"],
      [403, "INVALID_PAYLOAD"],
    ]);
  });

  it("as the server mounts it (inputs remembered until a write, calls stored in batches): a new approval or a push is seen at the next call", async () => {
    const records = createStorePromotionStore(store);
    const inputs = await createRememberingGateInputs({ store, promotions: records });
    const gates = createFlaggerGatesHandler({
      clusters: [{ name: "staging", eventToken: TOKEN }],
      store,
      promotions: records,
      now: () => NOW,
      log: { warn: () => {}, error: (_f, message) => logs.push({ level: "error", message }) },
      inputs,
      writeBehind: { flushMs: 60_000, maxBatch: 1_000 },
      answered: (answer) => answers.push(answer),
    });
    const answers: GateAnswerCount[] = [];
    const cached = createServer((req, res) => void gates(req, res));
    await new Promise<void>((resolve) => cached.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(cached.address() as AddressInfo).port}${gate()}`;
    const call = async () => (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) })).status;
    try {
      await store.query("TRUNCATE promotion_records");
      await records.upsertPromotionRecord({ record: promotionWithRun({ startedAt: T_RUN }), expectedVersion: null });
      expect([await call(), await call()]).toEqual([403, 403]);
      await insertCommandRecords(store, [commandRecord({ runId: RUN_ID })]);
      expect([await call(), await call()]).toEqual([200, 200]);
      await upsertPullRequestHead(store, { repository: "acme/gitops", pullRequest: 7, headSha: "b".repeat(40), pushedAt: null });
      expect(await call()).toBe(403);
      expect((await fetch(url.replace("confirm-promotion", "confirm-promotoin"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(400);
      // What decided each answer (the server counts them in canary_bot_flagger_gate_calls_total).
      expect(answers.map((a) => [a.hook, a.status, a.source])).toEqual([
        ["confirm-promotion", 403, "store"],
        ["confirm-promotion", 403, "memory"],
        ["confirm-promotion", 200, "store"],
        ["confirm-promotion", 200, "memory"],
        ["confirm-promotion", 403, "store"],
        ["unknown", 400, "request"],
      ]);
      // Nothing is written until the batch is flushed (the server flushes every 10 ms and on shutdown).
      expect(await listGateCalls(store, { cluster: "staging" })).toEqual([]);
      await gates.flush();
      expect((await listGateCalls(store, { cluster: "staging" })).map((c) => c.status)).toEqual([403, 403, 200, 200, 403, 403]);
      const [stored] = await listCommandRecords(store, { repository: "acme/gitops", pullRequest: 7 });
      expect(stored?.consumedAt).toBe(new Date(NOW).toISOString());
      expect(logs).toEqual([]);
    } finally {
      cached.closeAllConnections();
      await new Promise((resolve) => cached.close(resolve));
      await inputs.close();
    }
  });

  it("writes a full batch at once, and leaves the calls that come in during a write for the next window, not a statement of their own", async () => {
    // Each INSERT waits until the test lets it go: calls keep coming in while a batch is written.
    const inserts: number[] = [];
    let letGo: () => void = () => {};
    const writing = (): Promise<void> => new Promise((resolve) => (letGo = resolve));
    const slow: Store = Object.assign(Object.create(store) as Store, {
      query: async (sql: string, params?: readonly unknown[]) => {
        if (sql.includes("INSERT INTO gate_calls")) {
          inserts.push((params![0] as unknown[]).length);
          await writing();
        }
        return store.query(sql, params);
      },
    });
    const gates = createFlaggerGatesHandler({
      clusters: [{ name: "staging", eventToken: TOKEN }],
      store: slow,
      promotions,
      now: () => NOW,
      log: { warn: () => {}, error: (_f, message) => logs.push({ level: "error", message }) },
      writeBehind: { flushMs: 60_000, maxBatch: 3 },
    });
    const batched = createServer((req, res) => void gates(req, res));
    await new Promise<void>((resolve) => batched.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(batched.address() as AddressInfo).port}${gate()}`;
    const call = async () => (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) })).status;
    const until = async (check: () => boolean) => {
      while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    try {
      for (let i = 0; i < 3; i += 1) expect(await call()).toBe(403); // answered before any write
      await until(() => inserts.length === 1);
      expect(await call()).toBe(403); // comes in while the first batch is written
      letGo();
      let stored = 0;
      while (stored < 3) stored = (await listGateCalls(store, { cluster: "staging" })).length;
      // The window (60 s here) has not passed and the batch is not full: no second statement, now or a little later.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(inserts).toEqual([3]);
      const flushed = gates.flush();
      await until(() => inserts.length === 2);
      letGo();
      await flushed;
      expect(inserts).toEqual([3, 1]);
      expect(await listGateCalls(store, { cluster: "staging" })).toHaveLength(4);
      expect(logs).toEqual([]);
    } finally {
      batched.closeAllConnections();
      await new Promise((resolve) => batched.close(resolve));
    }
  });

  it("answers 413 to a body over the cap, declared or streamed, and 405 to other methods", async () => {
    const big = JSON.stringify({ ...payload, metadata: { x: "y".repeat(LIMIT) } });
    expect((await post(gate(), big))[0]).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}${gate()}`, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 8; i += 1) req.write("x".repeat(1024));
      req.end();
    });
    expect(streamed).toBe(413);
    const get = await fetch(`${base}${gate()}`);
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
    expect(await listGateCalls(store, { cluster: "staging" })).toEqual([]);
  });
});
