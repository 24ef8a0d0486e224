/**
 * The one use case behind both cluster sources: apply an observation (a Flagger event, a watched
 * Canary status, a merged revision) to its promotion record in the store. Idempotent: a replayed or
 * stale observation leaves the record as it was and reports `changed: false`, so callers enqueue
 * the re-evaluation of waiting pull requests only for real changes.
 */
import { formatCanaryKey, type CanaryKey } from "../gate/flagger-event.js";
import { applyObservation, type PromotionObservation, type PromotionRecord } from "../gate/promotion.js";
import type { PromotionStore, RecordWrite, VersionedRecord } from "./ports.js";

/** Writers racing on one Canary retry this many times before giving up (each retry re-reads). */
const CONFLICT_ATTEMPTS = 8;

export interface IngestResult {
  key: CanaryKey;
  changed: boolean;
  /** False for an event whose key was already in the log (a replay). */
  newEvent: boolean;
  record: PromotionRecord;
}

export class IngestConflictError extends Error {
  constructor(readonly key: CanaryKey) {
    super(`promotion record ${key.cluster}/${key.namespace}/${key.name} kept changing under us; gave up after ${CONFLICT_ATTEMPTS} attempts`);
  }
}

export async function ingestObservation(store: PromotionStore, observation: PromotionObservation): Promise<IngestResult> {
  const ref = getObservationKey(observation);
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const stored = await store.getPromotionRecord(ref);
    const { record, changed } = applyObservation(stored?.record ?? null, observation);
    if (changed) {
      const written = await store.upsertPromotionRecord({ record, expectedVersion: stored?.version ?? null });
      if (!written.ok) continue;
    }
    // After the record: a crash in between loses nothing, since re-applying is a no-op.
    const newEvent = observation.kind === "event" ? await store.appendFlaggerEvent(observation.event) : false;
    return { key: ref, changed, newEvent, record };
  }
  throw new IngestConflictError(ref);
}

/** The Canary an observation is about (cluster, namespace, name only). */
export function getObservationKey(observation: PromotionObservation): CanaryKey {
  const key = observation.kind === "event" ? observation.event : observation.kind === "status" ? observation.status : observation.key;
  return { cluster: key.cluster, namespace: key.namespace, name: key.name };
}

export interface ObservationBatch {
  /** Per observation, in order: what applying it did, as ingestObservation reports it. */
  results: Array<{ key: CanaryKey; changed: boolean; record: PromotionRecord }>;
  /** One write per record that changed, with the version read: the batch's only writes. */
  writes: RecordWrite[];
}

/**
 * Pure: applies `observations` in order to the records read for them (keyed by formatCanaryKey;
 * a missing entry is a record never written), exactly as ingesting them one by one would: each
 * observation sees the record the previous ones of its Canary left. Several observations of one
 * Canary become one write.
 */
export function applyObservationBatch(params: { stored: ReadonlyMap<string, VersionedRecord>; observations: readonly PromotionObservation[] }): ObservationBatch {
  const current = new Map<string, { record: PromotionRecord | null; changed: boolean; expectedVersion: number | null }>();
  const results: ObservationBatch["results"] = [];
  for (const observation of params.observations) {
    const key = getObservationKey(observation);
    const id = formatCanaryKey(key);
    let entry = current.get(id);
    if (!entry) {
      const stored = params.stored.get(id);
      entry = { record: stored?.record ?? null, changed: false, expectedVersion: stored?.version ?? null };
      current.set(id, entry);
    }
    const { record, changed } = applyObservation(entry.record, observation);
    if (changed) {
      entry.record = record;
      entry.changed = true;
    }
    results.push({ key, changed, record });
  }
  const writes = [...current.values()].flatMap((e) => (e.changed && e.record ? [{ record: e.record, expectedVersion: e.expectedVersion }] : []));
  return { results, writes };
}
