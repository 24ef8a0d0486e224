/**
 * `npm run bench`, merge gate: Flagger event ingestion through POST /flagger/events/<cluster> on
 * loopback HTTP, as the App mounts it (createFlaggerEventsRoute over createGateIngest: token check,
 * parse, group commit of the events in flight — lock, read, apply, one statement writing records,
 * event log and gate-evaluate jobs), on PGlite in memory and, with DATABASE_URL, on PostgreSQL.
 * 50 Canaries, 20 events per run, 100 pull requests waiting on them, 16 requests in flight from a
 * node:http keep-alive client in the same process. And the time from a `Succeeded` event to the
 * updates of the check runs of the PRs waiting on it, through the whole App (main.ts: server,
 * queue, runner, GitHub port) against the GitHub-like server.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Probot } from "probot";
import { ingestObservation } from "../src/cluster/ingest.js";
import type { ChangedCanary } from "../src/gate/merge-gate.js";
import { listGateRecordKeys } from "../src/gate/merge-gate.js";
import { createMetrics } from "../src/github/metrics.js";
import { createCanaryBotOctokit } from "../src/github/octokit.js";
import type { Log } from "../src/github/port.js";
import { startCanaryBot } from "../src/main.js";
import { getQueueStats } from "../src/store/queue.js";
import { startGitHubServer } from "../test/support/github-server.js";
import { createGateIngest } from "../src/github/gate-jobs.js";
import { createFlaggerEventsRoute } from "../src/github/merge-gate-wiring.js";
import { replaceWaitingKeys, upsertGatedPullRequest } from "../src/store/gate-store.js";
import { openStore, type Store } from "../src/store/index.js";
import { createStorePromotionStore } from "../src/store/promotion-store.js";

const TOKEN = "bench-token-0123456789abcdef012345";
const CANARIES = 50;
const ROUNDS = 3;
const IN_FLIGHT = 16;

interface Payload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  metadata: { eventMessage: string; eventType: string; timestamp: string };
}

function buildEvents(round: number): Payload[] {
  const events: Payload[] = [];
  for (let k = 0; k < CANARIES; k++) {
    const start = Date.UTC(2026, 0, 1) + round * 3_600_000 + k * 1000;
    const e = (phase: string, message: string, minutes: number, checksum = `r${round}-${k}`): Payload => ({
      name: `app-${k}`,
      namespace: "bench",
      phase,
      checksum,
      metadata: { eventMessage: message, eventType: "Normal", timestamp: String(start + minutes * 60_000) },
    });
    events.push(e("Progressing", `New revision detected! Scaling up app-${k}.bench`, 0, `r${round - 1}-${k}`), e("Progressing", `Starting canary analysis for app-${k}.bench`, 1));
    for (let step = 1; step <= 16; step++) events.push(e("Progressing", `Advance app-${k}.bench canary weight ${step * 5}`, 1 + step));
    events.push(e("Progressing", `Copying app-${k}.bench template spec to app-${k}-primary.bench`, 18), e("Succeeded", `Promotion completed! Scaling down app-${k}.bench`, 19));
  }
  // As Flagger sends them: every Canary ticking, in time order.
  return events.sort((a, b) => Number(a.metadata.timestamp) - Number(b.metadata.timestamp));
}

async function measure(store: Store): Promise<{ events: number; seconds: number; jobs: number }> {
  for (let n = 1; n <= 100; n++) {
    await replaceWaitingKeys(store, { owner: "bench", repo: "gitops", number: n, installationId: 1, keys: [{ cluster: "staging", namespace: "bench", name: `app-${n % CANARIES}` }] });
  }
  const failures: string[] = [];
  const quiet = { warn() {}, error: (fields: Record<string, unknown>) => void failures.push(String((fields.err as Error)?.message ?? fields.err)) };
  // The route and the ingestion exactly as the App mounts them (merge-gate-wiring.ts).
  const handler = createFlaggerEventsRoute({ clusters: [{ name: "staging", eventToken: TOKEN }], ingest: createGateIngest({ store }), now: Date.now, log: quiet });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // The client shares the CPU with the server: node:http over kept-alive connections costs it far
  // less than fetch, so more of the machine goes to the path measured.
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const post = (event: unknown) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify(event);
      const req = request(
        { agent, host: "127.0.0.1", port, method: "POST", path: `/flagger/events/staging?token=${TOKEN}`, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => (res.statusCode === 202 ? resolve() : reject(new Error(`event answered ${res.statusCode}: ${failures.at(-1) ?? Buffer.concat(chunks).toString()}`))));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  // Warm-up: one round, not measured.
  const warm = buildEvents(0);
  for (let i = 0; i < warm.length; i += IN_FLIGHT) await Promise.all(warm.slice(i, i + IN_FLIGHT).map(post));
  const events = Array.from({ length: ROUNDS }, (_, r) => buildEvents(r + 1)).flat();
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < events.length) await post(events[next++]);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  server.close();
  const jobs = Number((await store.query<{ n: string }>("SELECT count(*) AS n FROM jobs WHERE kind = 'gate-evaluate'"))[0]!.n);
  return { events: events.length, seconds, jobs };
}

async function waitIdle(store: Store): Promise<void> {
  for (;;) {
    const stats = await getQueueStats(store);
    if (Object.keys(stats.queued).length === 0 && Object.keys(stats.running).length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Milliseconds from posting a Succeeded event to the last check update of the two PRs waiting on its Canary. */
async function measureLatency(store: Store): Promise<number[]> {
  const environments = [
    { name: "staging", paths: ["staging/**"], cluster: "staging" },
    { name: "production", paths: ["production/**"], cluster: "production", promotedIn: "staging" },
  ];
  const github = await startGitHubServer({ checkOpenApi: false });
  const repository = github.addRepository({ owner: "bench", repo: "latency", installationId: 77 });
  const dir = mkdtempSync(join(tmpdir(), "canary-bot-bench-gate-"));
  writeFileSync(join(dir, "clusters.yaml"), `clusters:\n  - name: staging\n    eventToken: ${TOKEN}\n`);
  const records = createStorePromotionStore(store);
  const heads = new Map<number, string[]>();
  for (let k = 0; k < CANARIES; k++) {
    const key = { cluster: "staging", namespace: "bench", name: `app-${k}` };
    await ingestObservation(records, { kind: "merge", key, merge: { pullRequest: 5000 + k, sha: String(k).padStart(40, "0"), mergedAt: Date.UTC(2026, 0, 1) + 90 * 60_000, images: [`registry/app-${k}:9`] } });
    for (const n of [k + 1, k + 1 + CANARIES]) {
      const canaries: ChangedCanary[] = [{ environment: "production", namespace: "bench", name: `app-${k}`, change: "changed", newRevision: true, images: [`registry/app-${k}:9`] }];
      const headSha = n.toString(16).padStart(40, "b");
      heads.set(k, [...(heads.get(k) ?? []), headSha]);
      await upsertGatedPullRequest(store, { owner: "bench", repo: "latency", number: n, installationId: 77, headSha, state: "open", environments, canaries });
      await replaceWaitingKeys(store, { owner: "bench", repo: "latency", number: n, installationId: 77, keys: listGateRecordKeys({ environments, canaries }) });
    }
  }
  const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };
  const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  const probot = new Probot({ appId: github.appId, privateKey, secret: "bench", baseUrl: github.baseUrl, Octokit: createCanaryBotOctokit({ throttle: false, retries: 0 }), logLevel: "fatal" });
  const bot = await startCanaryBot({
    probot,
    metrics: createMetrics({ defaultMetrics: false }),
    log: silent,
    config: { port: 0, host: "127.0.0.1", webhookPath: "/api/github/webhooks", webhookSecret: "bench", store, reviewThreads: 0, jobConcurrency: 8, clustersFile: join(dir, "clusters.yaml"), queue: { pollMs: 50 } },
  });
  const url = `http://127.0.0.1:${bot.address.port}/flagger/events/staging?token=${TOKEN}`;
  const post = (event: Payload) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
  // Round 2 of every Canary up to its last event: each PR's check is pending.
  const events = buildEvents(2);
  const last = new Map<string, Payload>();
  for (const event of events) if (event.phase === "Succeeded") last.set(event.name, event);
  for (const event of events) if (event.phase !== "Succeeded") await post(event);
  await waitIdle(store);
  const latencies: number[] = [];
  const updatesOf = (sha: string) => {
    const ids = new Set(repository.checkRuns.filter((r) => r.head_sha === sha).map((r) => `/check-runs/${r.id}`));
    return github.requests.filter((r) => r.method === "PATCH" && [...ids].some((id) => r.path.endsWith(id))).length;
  };
  for (let k = 0; k < CANARIES; k++) {
    const shas = heads.get(k)!;
    const before = shas.map(updatesOf);
    const start = process.hrtime.bigint();
    await post(last.get(`app-${k}`)!);
    while (shas.some((sha, i) => updatesOf(sha) === before[i])) await new Promise((resolve) => setImmediate(resolve));
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await bot.stop();
  await github.close();
  rmSync(dir, { recursive: true, force: true });
  return latencies.sort((a, b) => a - b);
}

export async function benchGate(print: (line: string) => void): Promise<void> {
  const backends: Array<{ name: string; open: () => Promise<Store> }> = [{ name: "PGlite (memory)", open: () => openStore({ dataDir: "memory://" }) }];
  const url = process.env.DATABASE_URL;
  if (url) backends.push({ name: "PostgreSQL", open: () => openStore({ databaseUrl: url, schema: `bench_gate_${randomBytes(4).toString("hex")}`, poolSize: IN_FLIGHT }) });
  else print("(set DATABASE_URL to measure PostgreSQL too)");
  for (const backend of backends) {
    const store = await backend.open();
    try {
      const { events, seconds, jobs } = await measure(store);
      print(
        `event ingestion, ${backend.name}: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds)} events/s ` +
          `(HTTP on loopback, ${IN_FLIGHT} in flight, ${CANARIES} Canaries, 100 waiting PRs → ${jobs} gate-evaluate jobs queued, one per PR)`,
      );
    } finally {
      await store.close();
    }
    const latencyStore = await backend.open();
    try {
      const latencies = await measureLatency(latencyStore);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(0);
      print(`Succeeded event → both waiting PRs' check runs updated, ${backend.name}: median ${at(0.5)} ms, p95 ${at(0.95)} ms over ${latencies.length} Canaries (whole App, GitHub-like server on loopback)`);
    } finally {
      await latencyStore.close();
    }
  }
}
