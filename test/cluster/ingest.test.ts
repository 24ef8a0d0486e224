import { describe, expect, it } from "vitest";
import { IngestConflictError, ingestObservation } from "../../src/cluster/ingest.js";
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
