import { describe, expect, it } from "vitest";
import { IngestConflictError, ingestObservation } from "../../src/cluster/ingest.js";
import { flaggerEvent, T0 } from "../gate/helpers.js";
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
