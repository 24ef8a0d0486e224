/**
 * A test double of the PromotionStore port (src/cluster/ports.ts) and nothing more: records in a
 * Map with the port's version check, events in a Set of keys. The real store lives in src/store.
 */
import type { PromotionStore, VersionedRecord } from "../../src/cluster/ports.js";
import type { CanaryKey, FlaggerEvent } from "../../src/gate/flagger-event.js";
import { runCarriesImages, type PromotionRecord } from "../../src/gate/promotion.js";

export interface MemoryPromotionStore extends PromotionStore {
  readonly records: Map<string, VersionedRecord>;
  readonly events: FlaggerEvent[];
  /** Makes the next `n` upserts fail with a conflict, as if another process wrote first. */
  failNextUpserts(n: number): void;
}

export function createMemoryPromotionStore(): MemoryPromotionStore {
  const records = new Map<string, VersionedRecord>();
  const events: FlaggerEvent[] = [];
  const keys = new Set<string>();
  let conflicts = 0;
  const id = (key: CanaryKey) => `${key.cluster}/${key.namespace}/${key.name}`;
  return {
    records,
    events,
    failNextUpserts(n) {
      conflicts = n;
    },
    async getPromotionRecord(key) {
      const stored = records.get(id(key));
      return stored ? structuredClone(stored) : null;
    },
    async upsertPromotionRecord({ record, expectedVersion }) {
      const current = records.get(id(record));
      if (conflicts > 0) {
        conflicts -= 1;
        return { ok: false, conflict: true };
      }
      if ((current?.version ?? null) !== expectedVersion) return { ok: false, conflict: true };
      const version = (current?.version ?? 0) + 1;
      records.set(id(record), { record: structuredClone(record), version });
      return { ok: true, version };
    },
    async listPromotionRecordsByImages({ cluster, images }) {
      return [...records.values()]
        .map((v) => v.record)
        .filter((r: PromotionRecord) => r.cluster === cluster && r.runs.some((run) => runCarriesImages(run, images)))
        .map((r) => structuredClone(r));
    },
    async appendFlaggerEvent(event) {
      if (keys.has(event.key)) return false;
      keys.add(event.key);
      events.push(event);
      return true;
    },
  };
}
