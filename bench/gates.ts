/**
 * Flagger's gate route (issue 13): requests per second and p99 latency of
 * `POST /flagger/gates/<cluster>/confirm-promotion` on the real server (src/server.ts with the
 * gates handler, the approvals in the store, the promotion record in the in-memory port double),
 * as a ratio to a bare node:http server that reads the same request bodies and answers the same
 * JSON, measured in the same run, alternating, with the same keep-alive client. Targets: ≥ 50 % of
 * the bare server's throughput, p99 ≤ 10 ms.
 *
 * Then the same while a 1,000-Canary review runs in the worker pool (the App as deployed, against
 * the GitHub-like server on loopback, in a thread of its own as a remote GitHub would not share the
 * App's event loop: bench/github-thread.ts). Also, idle: a closed gate (403), what Flagger polls
 * most (the rollback hook every tick, a confirm hook until someone approves).
 *
 * The store is PGlite in memory, or PostgreSQL when DATABASE_URL is set, and holds everything the
 * route reads: the promotion record (the run), the approval and the head. The route is mounted as
 * src/main.ts mounts it: decisions from remembered inputs (src/cluster/gate-inputs.ts; on
 * PostgreSQL a 200 from memory while a sync proves the memory recent, else confirmed by one query)
 * and gate calls stored in batches.
 */
import { startGitHubThread } from "./github-thread-client.js";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRememberingGateInputs } from "../src/cluster/gate-inputs.js";
import { createFlaggerGatesHandler, GATE_WRITE_BEHIND } from "../src/cluster/gates-route.js";
import { createMetrics, type Metrics } from "../src/github/metrics.js";
import { queueCommentRedrawsForGateCalls } from "../src/github/comment-job.js";
import { createCanaryBotServer } from "../src/server.js";
import { insertCommandRecords } from "../src/store/approvals.js";
import { openStore, type Store } from "../src/store/index.js";
import { createStorePromotionStore } from "../src/store/promotion-store.js";
import { commandRecord, promotionWithRun } from "../test/support/approvals.js";
import type { BenchSection } from "./measure.js";
import { BENCH_WEBHOOK_SECRET, silentLog, startBenchApp } from "./start-app.js";

const TOKEN = "bench-gate-token-0123456789abcdef";
const SECRET = BENCH_WEBHOOK_SECRET;
const CONCURRENCY = 8;
const BODY = JSON.stringify({ name: "podinfo", namespace: "test", phase: "Progressing", checksum: "85d557f47b", metadata: { eventMessage: "bench" } });
const OPEN_PATH = `/flagger/gates/staging/confirm-promotion?token=${TOKEN}`;
/** No /canary rollback was given: the rollback hook stays closed (403). */
const CLOSED_PATH = `/flagger/gates/staging/rollback?token=${TOKEN}`;

interface Load {
  perSecond: number;
  p50: number;
  p99: number;
}

/** `total` POSTs from CONCURRENCY keep-alive clients; each latency from send to the last byte. */
async function load(port: number, total: number, expectStatus: number, path = OPEN_PATH): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let sent = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) } }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== expectStatus) reject(new Error(`answered ${res.statusCode}`));
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
          resolve();
        });
      });
      req.on("error", reject);
      req.end(BODY);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < total) {
        sent += 1;
        await one();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  return { perSecond: total / seconds, p50: at(50), p99: at(99) };
}

/** The baseline: reads the body, parses it, answers the same JSON. */
async function startBareServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(`${JSON.stringify({ open: true, code: "APPROVED", reason: "bare" })}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The Canary's run (its promotion record) and an approval for it, in the store. */
async function seed(store: Store) {
  const promotions = createStorePromotionStore(store);
  const startedAt = Date.UTC(2026, 10, 29, 12, 0, 0);
  const key = { cluster: "staging", namespace: "test", name: "podinfo" };
  const stored = await promotions.getPromotionRecord(key);
  const written = await promotions.upsertPromotionRecord({ record: promotionWithRun({ startedAt }), expectedVersion: stored?.version ?? null });
  if (!written.ok) throw new Error("the bench's promotion record could not be written");
  await insertCommandRecords(store, [commandRecord({ runId: "staging/test/podinfo@2026-11-29T12:00:00.000Z", repository: "bench/gitops", commentId: Math.floor(Math.random() * 1e9) })]);
  return promotions;
}

/** What decided the 200s (canary_bot_flagger_gate_calls_total): memory, a confirming query, or a read. */
async function describeSources(metrics: Metrics): Promise<string> {
  const counts = { memory: 0, confirmed: 0, store: 0, request: 0 };
  for (const { labels, value } of (await metrics.gateCalls.get()).values) {
    if (Number(labels.status) === 200) counts[labels.source as keyof typeof counts] += value;
  }
  return `200s answered from memory ${counts.memory}, confirmed by a query ${counts.confirmed}, after a read ${counts.store}`;
}

function ratioLine(label: string, gate: Load, bare: Load): string {
  const ratio = (100 * gate.perSecond) / bare.perSecond;
  return (
    `${label}: ${gate.perSecond.toFixed(0)} req/s vs bare node:http ${bare.perSecond.toFixed(0)} req/s = ${ratio.toFixed(0)} % (target >= 50 %); ` +
    `p50 ${gate.p50.toFixed(2)} ms, p99 ${gate.p99.toFixed(2)} ms (target <= 10 ms; bare p99 ${bare.p99.toFixed(2)} ms)`
  );
}

/** Alternates bare and gate runs `rounds` times and keeps each side's median round (by throughput). */
/**
 * Alternates bare and gate runs `rounds` times and keeps each side's median round (by throughput);
 * with `closed`, each round also measures a closed gate, so that both gates meet the same
 * conditions (the store grows with every call, and the machine's load changes).
 */
async function compare(params: { gatePort: number; barePort: number; perRound: number; rounds: number; until?: () => boolean; closed?: boolean }): Promise<{ gate: Load; closed: Load | undefined; bare: Load; rounds: number }> {
  const gate: Load[] = [];
  const closed: Load[] = [];
  const bare: Load[] = [];
  for (let round = 0; round < params.rounds; round += 1) {
    bare.push(await load(params.barePort, params.perRound, 200));
    gate.push(await load(params.gatePort, params.perRound, 200));
    if (params.closed) closed.push(await load(params.gatePort, params.perRound, 403, CLOSED_PATH));
    if (params.until?.()) break;
  }
  const median = (xs: Load[]) => [...xs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(xs.length / 2)]!;
  // p99 over the rounds: the worst round's p99 would punish one GC pause; the median round's is what a poll sees.
  return { gate: median(gate), closed: params.closed ? median(closed) : undefined, bare: median(bare), rounds: gate.length };
}

export const benchGates: BenchSection = async (print) => {
  const store = await openStore(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: "memory://" });
  print(`store: ${store.kind}; ${CONCURRENCY} keep-alive clients; each request an open confirm-promotion gate (200)`);
  const bare = await startBareServer();

  // 1. The gate route alone.
  {
    const promotions = await seed(store);
    const metrics = createMetrics({ defaultMetrics: false });
    // As src/main.ts mounts it.
    const inputs = await createRememberingGateInputs({ store, promotions });
    const gates = createFlaggerGatesHandler({
      clusters: [{ name: "staging", eventToken: TOKEN }],
      store,
      promotions,
      now: Date.now,
      log: silentLog,
      inputs,
      writeBehind: GATE_WRITE_BEHIND,
      afterStore: (batch) => queueCommentRedrawsForGateCalls(store, batch),
      answered: ({ hook, status, source }) => metrics.gateCalls.inc({ hook, status, source }),
    });
    const server = createCanaryBotServer({
      webhooks: { secret: SECRET, accept: async () => ({ status: 202, body: {} }) },
      webhookPath: "/api/github/webhooks",
      metrics,
      log: silentLog,
      flaggerGates: gates,
    });
    const { port } = await server.listen({ port: 0, host: "127.0.0.1" });
    await load(port, 300, 200); // warm-up
    await load(bare.port, 300, 200);
    await load(port, 300, 403, CLOSED_PATH);
    const result = await compare({ gatePort: port, barePort: bare.port, perRound: 2_000, rounds: 5, closed: true });
    print(ratioLine(`gate route, idle server (${result.rounds} alternating rounds of 2,000)`, result.gate, result.bare));
    print(ratioLine(`  a closed gate (rollback, 403), the same rounds`, result.closed!, result.bare));
    await server.close({ graceMs: 1_000 });
    await gates.flush();
    await inputs.close();
    const [{ n }] = (await store.query("SELECT count(*)::int AS n FROM gate_calls")) as [{ n: number }];
    print(`  gate calls stored: ${n} (every call answered, warm-up included, earlier runs on the same database too)`);
    print(`  ${await describeSources(metrics)}`);
  }

  // 2. The same while a 1,000-Canary review runs in the worker pool.
  {
    const thread = await startGitHubThread();
    const ask = thread.ask;
    const github = await ask<{ baseUrl: string; appId: number }>({ type: "setup", canaries: 1_000, tag: "gates" });
    await seed(store);
    // The promotion records are the store's (main.ts then remembers gate inputs).
    const { app, metrics, threads } = await startBenchApp({ github, store, throttle: false, jobConcurrency: 4, gates: { clusters: [{ name: "staging", eventToken: TOKEN }] } });
    let reviewed: { seconds: number } | undefined;
    const review = ask<{ seconds: number }>({ type: "review", url: `http://127.0.0.1:${app.address.port}`, secret: SECRET }).then((r) => (reviewed = r));
    const result = await compare({ gatePort: app.address.port, barePort: bare.port, perRound: 500, rounds: 1_000, until: () => reviewed !== undefined });
    const { seconds } = await review;
    print(ratioLine(`gate route during a 1,000-Canary review in ${threads} worker threads (${seconds.toFixed(1)} s, ${result.rounds} rounds of 500)`, result.gate, result.bare));
    print(`  ${await describeSources(metrics)}`);
    await app.stop();
    await ask({ type: "close" });
    await thread.terminate();
  }

  bare.server.close();
  await store.close();
};
