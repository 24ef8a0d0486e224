import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyObservationBatch, getObservationKey, IngestConflictError, ingestObservation } from "../../src/cluster/ingest.js";
import type { VersionedRecord } from "../../src/cluster/ports.js";
import { formatCanaryKey } from "../../src/gate/flagger-event.js";
import type { PromotionObservation } from "../../src/gate/promotion.js";
import { flaggerEvent, runEvents, T0 } from "../gate/helpers.js";
import { createMemoryPromotionStore } from "../support/memory-promotion-store.js";

const event = flaggerEvent({ phase: "Progressing", checksum: "c1", message: "Advance podinfo.test canary weight 10", at: T0 });

describe("ingestObservation", () => {
  it("re-reads and re-applies when another writer came first", async () => {
    const store = createMemoryPromotionStore();
    store.failNextUpserts(3);
    const result = await ingestObservation(store, { kind: "event", event });
    expect([result.changed, result.newEvent]).toEqual([true, true]);
    expect((await store.getPromotionRecord(event))?.record.current?.canaryWeight).toBe(10);
  });

  it("keeps both of two racing writers' events", async () => {
    const store = createMemoryPromotionStore();
    const later = flaggerEvent({ phase: "Progressing", checksum: "c1", message: "Advance podinfo.test canary weight 20", at: T0 + 1000 });
    await Promise.all([ingestObservation(store, { kind: "event", event: later }), ingestObservation(store, { kind: "event", event })]);
    const stored = await store.getPromotionRecord(event);
    expect([stored?.record.current?.canaryWeight, store.events.length]).toEqual([20, 2]);
  });

  it("gives up with a clear error when the record keeps changing", async () => {
    const store = createMemoryPromotionStore();
    store.failNextUpserts(100);
    await expect(ingestObservation(store, { kind: "event", event })).rejects.toBeInstanceOf(IngestConflictError);
  });
});

describe("ingestObservation under concurrency", () => {
  it("ends with the same records as one writer when four writers share 1,000 shuffled events for 50 Canaries", async () => {
    const all = Array.from({ length: 50 }, (_, i) => runEvents({ name: `app-${i}`, previous: "a", checksum: `c${i}`, start: T0 + i * 1000, outcome: i % 5 === 0 ? "failed" : "succeeded" }))
      .flat()
      .concat(Array.from({ length: 50 }, (_, i) => runEvents({ name: `app-${i}`, previous: `c${i}`, checksum: `d${i}`, start: T0 + 3_600_000, outcome: "succeeded" })).flat())
      .concat(Array.from({ length: 50 }, (_, i) => runEvents({ name: `app-${i}`, previous: `d${i}`, checksum: `e${i}`, start: T0 + 7_200_000, outcome: "open" })).flat());
    const reference = createMemoryPromotionStore();
    for (const event of all) await ingestObservation(reference, { kind: "event", event });

    // A fixed shuffle (no randomness in the verdict), then round-robin over four writers.
    const shuffled = all.map((event, i) => ({ event, order: (i * 7919) % all.length })).sort((a, b) => a.order - b.order).map((x) => x.event);
    const shared = createMemoryPromotionStore();
    let conflicts = 0;
    const upsert = shared.upsertPromotionRecord.bind(shared);
    shared.upsertPromotionRecord = async (params) => {
      const result = await upsert(params);
      if (!result.ok) conflicts += 1;
      return result;
    };
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let i = w; i < shuffled.length; i += 4) await ingestObservation(shared, { kind: "event", event: shuffled[i]! });
    });
    await Promise.all(writers);

    expect(all.length).toBeGreaterThan(1000);
    // The writers did race on the same records (the memory store interleaves at every await).
    expect(conflicts).toBeGreaterThan(0);
    const strip = (store: typeof shared) => new Map([...store.records].map(([k, v]) => [k, v.record]));
    expect(strip(shared)).toEqual(strip(reference));
    expect(shared.events).toHaveLength(all.length);
  });
});

describe("applyObservationBatch", () => {
  // Three Canaries, each with two runs and merged revisions; any delivery order, any replays.
  const names = ["app-0", "app-1", "app-2"];
  const all: PromotionObservation[] = names.flatMap((name, i) => [
    { kind: "merge" as const, key: { cluster: "staging", namespace: "test", name }, merge: { pullRequest: 10 + i, sha: `${i}`.repeat(40), mergedAt: T0 - 1000, images: [`${name}:1`] } },
    ...runEvents({ name, previous: "a", checksum: `b${i}`, start: T0 + i * 1000, outcome: i === 1 ? "failed" : "succeeded" }).map((event) => ({ kind: "event" as const, event })),
    ...runEvents({ name, previous: `b${i}`, checksum: `c${i}`, start: T0 + 3_600_000, outcome: "open" }).map((event) => ({ kind: "event" as const, event })),
  ]);
  const keyOf = (o: PromotionObservation) => formatCanaryKey(getObservationKey(o));

  it("gives the records, results and one write per changed Canary that one-by-one ingestion gives, for any split into batches", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        fc.array(fc.nat(all.length - 1), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
        async (order, replays, sizes) => {
          const delivered = [...order, ...replays.map((i) => all[i]!)];
          const reference = createMemoryPromotionStore();
          const expected = [];
          for (const observation of delivered) expected.push(await ingestObservation(reference, observation));

          // Batches of the given sizes (cycled) over a versioned map standing in for the store.
          const stored = new Map<string, VersionedRecord>();
          const results = [];
          for (let start = 0, n = 0; start < delivered.length; n++) {
            const batch = delivered.slice(start, start + sizes[n % sizes.length]!);
            start += batch.length;
            const applied = applyObservationBatch({ stored, observations: batch });
            expect(new Set(applied.writes.map((w) => formatCanaryKey(w.record))).size).toBe(applied.writes.length);
            for (const write of applied.writes) {
              const id = formatCanaryKey(write.record);
              expect(write.expectedVersion).toBe(stored.get(id)?.version ?? null);
              stored.set(id, { record: write.record, version: (write.expectedVersion ?? 0) + 1 });
            }
            // Every Canary whose observations changed something is written; no other.
            expect(applied.writes.map((w) => formatCanaryKey(w.record)).sort()).toEqual([...new Set(batch.filter((_, i) => applied.results[i]!.changed).map(keyOf))].sort());
            results.push(...applied.results);
          }
          expect(results.map((r) => [formatCanaryKey(r.key), r.changed])).toEqual(expected.map((r) => [formatCanaryKey(r.key), r.changed]));
          expect(new Map([...stored].map(([k, v]) => [k, v.record]))).toEqual(new Map([...reference.records].map(([k, v]) => [k, v.record])));
        },
      ),
      { numRuns: 60 },
    );
  });
});
