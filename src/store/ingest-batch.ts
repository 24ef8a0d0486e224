/**
 * The statements of one ingestion batch (src/github/gate-jobs.ts ingestAndNotifyBatch), in its
 * transaction: lock the batch's Canaries, read their records and the pull requests waiting on
 * them in one query, then write the changed records (version-checked), the event log rows and the
 * gate jobs in one statement. Five round trips with BEGIN and COMMIT, whatever the batch's size.
 */
import type { RecordWrite, VersionedRecord } from "../cluster/ports.js";
import { formatCanaryKey, type CanaryKey, type FlaggerEvent } from "../gate/flagger-event.js";
import { listRecordImages, toVersioned } from "./promotion-store.js";
import { buildEnqueueJobsInput, buildEnqueueJobsSql, type EnqueueParams } from "./queue.js";
import type { Queryable } from "./store.js";

/**
 * The advisory lock of a record key (`cluster/namespace/name`), per schema (tests share one
 * PostgreSQL between schemas). Ingestion holds it exclusively for its transaction; a pull request
 * starting to wait on the record (gate-store.ts replaceWaitingKeys) takes it shared. Both take
 * their keys in the order of this hash, so no two transactions wait on each other in a cycle.
 */
export function buildRecordLockSql(recordKey: string): string {
  return `hashtextextended(current_schema() || '/' || ${recordKey}, 0)`;
}

/**
 * Locks the records of `keys` against every other ingestion (any process) and against pull
 * requests starting to wait on them, until the transaction ends; records not written yet included
 * (a row lock could not hold those). Runs before the read, which then sees the last committed state.
 */
export async function lockPromotionRecordKeys(tx: Queryable, keys: readonly CanaryKey[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(
    `SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT ${buildRecordLockSql("k")} AS h FROM unnest($1::text[]) AS k ORDER BY h) AS locks`,
    [keys.map(formatCanaryKey)],
  );
}

export interface WaitingPullRequest {
  /** formatCanaryKey of the record it waits on. */
  recordKey: string;
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

/**
 * Records this process read or wrote last, each with the row version it came from (`version` and
 * PostgreSQL's `xmin`, which a re-created row does not share): a batch reads a record's JSON only
 * when its row changed since, so a process that ingests most of a Canary's events reads back
 * nothing but versions. Least recently used first out, at most `size` records.
 */
export interface RecordCache {
  get(id: string): CachedRecord | undefined;
  set(id: string, entry: CachedRecord): void;
}

export interface CachedRecord extends VersionedRecord {
  xmin: string;
}

export function createRecordCache(size: number): RecordCache {
  const entries = new Map<string, CachedRecord>();
  return {
    get(id) {
      const entry = entries.get(id);
      if (entry) {
        entries.delete(id);
        entries.set(id, entry);
      }
      return entry;
    },
    set(id, entry) {
      entries.delete(id);
      entries.set(id, entry);
      if (entries.size > size) entries.delete(entries.keys().next().value!);
    },
  };
}

/**
 * The stored records of `keys` with their versions (a key never written is absent) and the pull
 * requests waiting on them. Under the batch's locks nobody can start waiting meanwhile. A record
 * whose row is the one in `cache` is taken from there (records are never changed in place).
 */
export async function readIngestBatch(tx: Queryable, keys: readonly CanaryKey[], cache?: RecordCache): Promise<{ records: Map<string, CachedRecord>; waiting: WaitingPullRequest[] }> {
  if (keys.length === 0) return { records: new Map(), waiting: [] };
  const ids = keys.map(formatCanaryKey);
  const cached = ids.map((id) => cache?.get(id));
  const rows = await tx.query<{ record_key: string; record: unknown; version: string | number | null; xmin: string | null; waiting: unknown }>(
    `SELECT r.cluster || '/' || r.namespace || '/' || r.name AS record_key, r.version, r.xmin::text AS xmin,
       CASE WHEN r.version = k.version AND r.xmin::text = k.xmin THEN NULL ELSE r.record END AS record, NULL::jsonb AS waiting
       FROM promotion_records r
       JOIN unnest($1::text[], $2::text[], $3::text[], $5::bigint[], $6::text[]) AS k(cluster, namespace, name, version, xmin) USING (cluster, namespace, name)
     UNION ALL
     SELECT w.record_key, NULL, NULL, NULL, jsonb_build_object('installationId', w.installation_id, 'owner', w.owner, 'repo', w.repo, 'number', w.pull_number)
       FROM gate_waiting w WHERE w.record_key = ANY($4::text[])`,
    [keys.map((k) => k.cluster), keys.map((k) => k.namespace), keys.map((k) => k.name), ids, cached.map((c) => c?.version ?? null), cached.map((c) => c?.xmin ?? null)],
  );
  const records = new Map<string, CachedRecord>();
  const waiting: WaitingPullRequest[] = [];
  for (const row of rows) {
    if (row.waiting !== null) {
      waiting.push({ recordKey: row.record_key, ...((typeof row.waiting === "string" ? JSON.parse(row.waiting) : row.waiting) as Omit<WaitingPullRequest, "recordKey">) });
      continue;
    }
    const entry = row.record === null ? cached[ids.indexOf(row.record_key)]! : { ...toVersioned({ record: row.record, version: row.version! }), xmin: row.xmin! };
    records.set(row.record_key, entry);
    cache?.set(row.record_key, entry);
  }
  waiting.sort((a, b) => compare(a.owner, b.owner) || compare(a.repo, b.repo) || a.number - b.number || compare(a.recordKey, b.recordKey));
  return { records, waiting };
}

/**
 * Writes each changed record over the version it was read at (null: a new record), appends the
 * events to the log (each unless its key is there), and queues the jobs (as enqueueJobs), in one
 * statement (PostgreSQL runs every data-modifying WITH to completion, read or not). Returns the keys
 * another writer changed first (the caller rolls back: nothing of the batch may stay), the event
 * keys that were new, and the rows written (for the cache, once the transaction committed).
 */
export async function commitIngestBatch(
  tx: Queryable,
  params: { writes: readonly RecordWrite[]; events: readonly FlaggerEvent[]; jobs: readonly EnqueueParams[] },
): Promise<{ conflicts: CanaryKey[]; newEvents: Set<string>; written: Map<string, CachedRecord> }> {
  const { writes, events, jobs } = params;
  if (writes.length === 0 && events.length === 0 && jobs.length === 0) return { conflicts: [], newEvents: new Set(), written: new Map() };
  const input = writes.map(({ record, expectedVersion }) => ({ cluster: record.cluster, namespace: record.namespace, name: record.name, record, expected: expectedVersion, images: listRecordImages(record) }));
  const rows = await tx.query<{ what: "written" | "event"; key: string; version: string | null; xmin: string | null }>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, namespace text, name text, record jsonb, expected bigint, images jsonb)
     ), updated AS (
       UPDATE promotion_records r SET record = i.record, images = ARRAY(SELECT jsonb_array_elements_text(i.images)), version = r.version + 1, updated_at = now()
       FROM input i WHERE i.expected IS NOT NULL AND r.cluster = i.cluster AND r.namespace = i.namespace AND r.name = i.name AND r.version = i.expected
       RETURNING r.cluster, r.namespace, r.name, r.version, r.xmin
     ), inserted AS (
       INSERT INTO promotion_records (cluster, namespace, name, record, version, images)
       SELECT cluster, namespace, name, record, 1, ARRAY(SELECT jsonb_array_elements_text(images)) FROM input WHERE expected IS NULL
       ON CONFLICT (cluster, namespace, name) DO NOTHING
       RETURNING cluster, namespace, name, version, xmin
     ), events AS (
       INSERT INTO flagger_events (key, cluster, namespace, name, event)
       SELECT e->>'key', e->>'cluster', e->>'namespace', e->>'name', e FROM jsonb_array_elements($2::jsonb) AS e
       ON CONFLICT (key) DO NOTHING RETURNING key
     ), queued AS (
       ${buildEnqueueJobsSql("$3")}
     )
     SELECT 'written' AS what, cluster || '/' || namespace || '/' || name AS key, version::text, xmin::text FROM updated
     UNION ALL SELECT 'written', cluster || '/' || namespace || '/' || name, version::text, xmin::text FROM inserted
     UNION ALL SELECT 'event', key, NULL, NULL FROM events`,
    [JSON.stringify(input), JSON.stringify(events), buildEnqueueJobsInput(jobs).json],
  );
  const rowOf = new Map(rows.filter((r) => r.what === "written").map((r) => [r.key, r] as const));
  const written = new Map<string, CachedRecord>();
  const conflicts: CanaryKey[] = [];
  for (const { record } of writes) {
    const id = formatCanaryKey(record);
    const row = rowOf.get(id);
    if (row) written.set(id, { record, version: Number(row.version), xmin: row.xmin! });
    else conflicts.push({ cluster: record.cluster, namespace: record.namespace, name: record.name });
  }
  return { conflicts, newEvents: new Set(rows.filter((r) => r.what === "event").map((r) => r.key)), written };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
