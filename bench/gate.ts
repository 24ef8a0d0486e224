/**
 * `npm run bench`, merge gate: Flagger event ingestion through POST /flagger/events/<cluster> on
 * loopback HTTP (token check, parse, the record's read-apply-write with its version check, the event
 * log, and a gate-evaluate job per waiting PR), on PGlite in memory and, with DATABASE_URL, on
 * PostgreSQL. 50 Canaries, 20 events per run, 100 pull requests waiting on them, 16 requests in flight.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createFlaggerEventsHandler } from "../src/cluster/events-route.js";
import { createKeyedSerializer, ingestAndNotify } from "../src/github/gate-jobs.js";
import { replaceWaitingKeys } from "../src/store/gate-store.js";
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
  const records = createStorePromotionStore(store);
  for (let n = 1; n <= 100; n++) {
    await replaceWaitingKeys(store, { owner: "bench", repo: "gitops", number: n, installationId: 1, keys: [{ cluster: "staging", namespace: "bench", name: `app-${n % CANARIES}` }] });
  }
  const quiet = { warn() {}, error: (fields: Record<string, unknown>) => void (failures.push(String((fields.err as Error)?.message ?? fields.err))) };
  const failures: string[] = [];
  // As the server does (merge-gate-wiring.ts): one Canary's events one after the other per process.
  const serialize = createKeyedSerializer();
  const handler = createFlaggerEventsHandler({
    clusters: [{ name: "staging", eventToken: TOKEN }],
    ingest: async (event) => {
      const result = await serialize(`${event.namespace}/${event.name}`, () => ingestAndNotify({ store, records, observation: { kind: "event", event } }));
      return { changed: result.changed, newEvent: result.newEvent };
    },
    now: Date.now,
    log: quiet,
  });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/flagger/events/staging?token=${TOKEN}`;
  const post = async (event: unknown) => {
    const answer = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
    if (answer.status !== 202) throw new Error(`event answered ${answer.status}: ${failures.at(-1) ?? await answer.text()}`);
  };
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
  server.close();
  const jobs = Number((await store.query<{ n: string }>("SELECT count(*) AS n FROM jobs WHERE kind = 'gate-evaluate'"))[0]!.n);
  return { events: events.length, seconds, jobs };
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
  }
}
