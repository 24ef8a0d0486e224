/**
 * What storing Flagger's gate calls costs PGlite, which writes on the server's own thread (the
 * reason the gates bench on PGlite stays under half of a bare server: docs/performance.md). Each
 * line is the median per-row time of 200-row statements on a PGlite in memory, against a bare
 * table of 5 columns measured in the same run: the real insert (gate_calls with its index and the
 * gate_latest trigger of migration 006), the same without the trigger, and the table's 12 columns
 * with no index or trigger.
 */
import { insertGateCalls } from "../src/store/approvals.js";
import { openStore, type Store } from "../src/store/index.js";
import { gateCallRecord } from "../test/support/approvals.js";
import type { BenchSection } from "./measure.js";
import { timeAsync } from "./measure.js";

const ROWS = 200;

async function perRowMicroseconds(write: () => Promise<unknown>): Promise<number> {
  const timing = await timeAsync(
    async () => {
      for (let k = 0; k < 20; k += 1) await write();
    },
    { runs: 5, warmup: 1 },
  );
  return (timing.medianMs * 1000) / (20 * ROWS);
}

export const benchGateWrites: BenchSection = async (print) => {
  const store: Store = await openStore({ dataDir: "memory://" });
  let n = 0;
  const batch = () => Array.from({ length: ROWS }, () => gateCallRecord({ at: new Date(Date.UTC(2026, 10, 29, 12) + n++).toISOString() }));
  await store.query("CREATE TABLE bare5 (id bigserial PRIMARY KEY, at timestamptz, cluster text, hook text, status int, code text)");
  await store.query(
    "CREATE TABLE bare12 (id bigserial PRIMARY KEY, at timestamptz, cluster text, hook text, namespace text, name text, phase text, checksum text, run_id text, status int, code text, reason text, approval_key text)",
  );
  const same = <T>(v: T) => Array.from({ length: ROWS }, () => v);
  const sample = gateCallRecord();
  const bare5 = () =>
    store.query("INSERT INTO bare5 (at, cluster, hook, status, code) SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::int[], $5::text[])", [
      batch().map((r) => r.at),
      same(sample.cluster),
      same(sample.hook),
      same(sample.status),
      same(sample.code),
    ]);
  const bare12 = () =>
    store.query(
      `INSERT INTO bare12 (at, cluster, hook, namespace, name, phase, checksum, run_id, status, code, reason, approval_key)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[], $12::text[])`,
      [batch().map((r) => r.at), same(sample.cluster), same(sample.hook), same(sample.namespace), same(sample.name), same(sample.phase), same(sample.checksum), same(sample.runId), same(sample.status), same(sample.code), same(sample.reason), same(sample.approvalKey)],
    );
  const baseline = await perRowMicroseconds(bare5);
  const line = (label: string, us: number) => print(`${label}: ${us.toFixed(1)} µs a row (${(us / baseline).toFixed(2)}x a bare 5-column row, ${baseline.toFixed(1)} µs)`);
  line("gate_calls as stored (index, gate_latest trigger, previous answers returned)", await perRowMicroseconds(() => insertGateCalls(store, batch())));
  await store.query("ALTER TABLE gate_calls DISABLE TRIGGER gate_calls_latest");
  line("  the same without the gate_latest trigger", await perRowMicroseconds(() => insertGateCalls(store, batch())));
  await store.query("ALTER TABLE gate_calls ENABLE TRIGGER gate_calls_latest");
  line("a bare table of gate_calls' 12 columns (no index, no trigger)", await perRowMicroseconds(bare12));
  await store.close();
};
