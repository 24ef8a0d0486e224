/**
 * The PromotionStore port (src/cluster/ports.ts) on the store: promotion records as JSON rows
 * written with an optimistic version check, and the Flagger event log, once per event key. Several
 * processes sharing one PostgreSQL ingest events for the same Canary safely: a writer that lost
 * the race gets `conflict`, and ingestObservation re-reads and re-applies.
 */
import type { PromotionStore, VersionedRecord } from "../cluster/ports.js";
import type { CanaryKey } from "../gate/flagger-event.js";
import { normalizeImages, runCarriesImages, type PromotionRecord } from "../gate/promotion.js";
import type { Queryable } from "./store.js";

export interface RecordRow {
  record: unknown;
  version: string | number;
}

export function createStorePromotionStore(db: Queryable): PromotionStore {
  return {
    async getPromotionRecord(key) {
      const rows = await db.query<RecordRow>("SELECT record, version FROM promotion_records WHERE cluster = $1 AND namespace = $2 AND name = $3", [key.cluster, key.namespace, key.name]);
      return rows[0] ? toVersioned(rows[0]) : null;
    },

    async upsertPromotionRecord({ record, expectedVersion }) {
      const images = listRecordImages(record);
      const json = JSON.stringify(record);
      const rows =
        expectedVersion === null
          ? await db.query<{ version: string }>(
              `INSERT INTO promotion_records (cluster, namespace, name, record, version, images) VALUES ($1, $2, $3, $4::jsonb, 1, $5::text[])
               ON CONFLICT (cluster, namespace, name) DO NOTHING RETURNING version`,
              [record.cluster, record.namespace, record.name, json, images],
            )
          : await db.query<{ version: string }>(
              `UPDATE promotion_records SET record = $4::jsonb, images = $5::text[], version = version + 1, updated_at = now()
               WHERE cluster = $1 AND namespace = $2 AND name = $3 AND version = $6 RETURNING version`,
              [record.cluster, record.namespace, record.name, json, images, expectedVersion],
            );
      return rows[0] ? { ok: true, version: Number(rows[0].version) } : { ok: false, conflict: true };
    },

    async listPromotionRecordsByImages({ cluster, images }) {
      const wanted = normalizeImages(images);
      if (wanted.length === 0) return [];
      const rows = await db.query<RecordRow>("SELECT record, version FROM promotion_records WHERE cluster = $1 AND images @> $2::text[] ORDER BY namespace, name", [cluster, wanted]);
      // The index finds records whose runs together hold the images; one run must hold them all.
      return rows.map((row) => toVersioned(row).record).filter((record) => record.runs.some((run) => runCarriesImages(run, wanted)));
    },

    async appendFlaggerEvent(event) {
      const rows = await db.query(
        `INSERT INTO flagger_events (key, cluster, namespace, name, event) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        [event.key, event.cluster, event.namespace, event.name, JSON.stringify(event)],
      );
      return rows.length > 0;
    },
  };
}

/** Several records in one query (the gate reads every record a pull request waits on). */
export async function getPromotionRecords(db: Queryable, keys: readonly CanaryKey[]): Promise<PromotionRecord[]> {
  if (keys.length === 0) return [];
  const rows = await db.query<RecordRow>(
    `SELECT r.record, r.version FROM promotion_records r
     JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(cluster, namespace, name) USING (cluster, namespace, name)`,
    [keys.map((k) => k.cluster), keys.map((k) => k.namespace), keys.map((k) => k.name)],
  );
  return rows.map((row) => toVersioned(row).record);
}

export async function countFlaggerEvents(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: string }>("SELECT count(*) AS n FROM flagger_events");
  return Number(rows[0]!.n);
}

export function toVersioned(row: RecordRow): VersionedRecord {
  const record = (typeof row.record === "string" ? JSON.parse(row.record) : row.record) as PromotionRecord;
  return { record, version: Number(row.version) };
}

export function listRecordImages(record: PromotionRecord): string[] {
  return normalizeImages([...record.runs, ...record.watchRuns].flatMap((run) => run.images ?? []));
}
