/**
 * The one use case behind both cluster sources: apply an observation (a Flagger event, a watched
 * Canary status, a merged revision) to its promotion record in the store. Idempotent: a replayed or
 * stale observation leaves the record as it was and reports `changed: false`, so callers enqueue
 * the re-evaluation of waiting pull requests only for real changes.
 */
import type { CanaryKey } from "../gate/flagger-event.js";
import { applyObservation, type PromotionObservation, type PromotionRecord } from "../gate/promotion.js";
import type { PromotionStore } from "./ports.js";

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
  const key = observation.kind === "event" ? observation.event : observation.kind === "status" ? observation.status : observation.key;
  const ref = { cluster: key.cluster, namespace: key.namespace, name: key.name };
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
