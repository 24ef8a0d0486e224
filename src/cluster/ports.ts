/**
 * What the cluster side needs from the store, as a narrow port: the integrator implements it on
 * the store (PGlite/PostgreSQL); tests use an in-memory double (test/support/memory-promotion-store.ts).
 *
 * Several server processes may ingest events for the same Canary at once, so a record is written
 * with an optimistic version check: `upsert` with the version that `get` returned succeeds only
 * if nobody wrote in between (SQL: `UPDATE … WHERE version = $expected`, or `INSERT … ON CONFLICT
 * DO NOTHING` for a new record), and the caller re-reads and re-applies on a conflict.
 *
 * The App's own ingestion does not go record by record through this port: it applies batches in
 * one transaction under per-Canary locks (src/github/gate-jobs.ts ingestAndNotifyBatch), writing
 * with the same version check, so a writer through this port (ingestObservation) stays safe beside it.
 */
import type { CanaryKey, FlaggerEvent } from "../gate/flagger-event.js";
import type { PromotionRecord } from "../gate/promotion.js";

export interface VersionedRecord {
  record: PromotionRecord;
  /** Opaque to callers; increases with every successful upsert. */
  version: number;
}

/** A record to write over the version it was read at (null: it did not exist). */
export interface RecordWrite {
  record: PromotionRecord;
  expectedVersion: number | null;
}

export interface PromotionStore {
  /** The record of one Canary in one cluster, or null when none was ever written. */
  getPromotionRecord(key: CanaryKey): Promise<VersionedRecord | null>;
  /**
   * Writes the record if its stored version still is `expectedVersion` (null: no record yet).
   * Returns the new version, or `conflict` when another writer came first.
   */
  upsertPromotionRecord(params: RecordWrite): Promise<{ ok: true; version: number } | { ok: false; conflict: true }>;
  /**
   * Records of `cluster` with a run carrying every one of `images` (any run, any outcome): how
   * the gate finds a revision in another environment when namespaces differ.
   */
  listPromotionRecordsByImages(params: { cluster: string; images: readonly string[] }): Promise<PromotionRecord[]>;
  /** Appends an event to the audit log unless one with the same key exists; true when it was new. */
  appendFlaggerEvent(event: FlaggerEvent): Promise<boolean>;
}
