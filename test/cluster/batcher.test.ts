/** Group commit: what arrives while a batch runs goes in the next one; a failed batch fails only its own items. */
import { describe, expect, it } from "vitest";
import { createBatcher } from "../../src/cluster/batcher.js";

/** A batch runner whose batches finish when the test says so. */
function createControlledRun() {
  const batches: Array<{ items: number[]; finish(fail?: Error): void }> = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ items, finish: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `done ${i}`))) });
    });
  return { batches, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("createBatcher", () => {
  it("starts what arrived in one turn together, gathers what arrives meanwhile into the next batch, and answers each item with its own result", async () => {
    const { batches, run } = createControlledRun();
    const submit = createBatcher({ run, maxItems: 100, maxInFlight: 1 });
    const first = [1, 2, 3].map(submit);
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
    const second = [4, 5].map(submit);
    await settle();
    // One batch at a time: 4 and 5 wait for the first to finish.
    expect(batches).toHaveLength(1);
    batches[0]!.finish();
    expect(await Promise.all(first)).toEqual(["done 1", "done 2", "done 3"]);
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3], [4, 5]]);
    batches[1]!.finish();
    expect(await Promise.all(second)).toEqual(["done 4", "done 5"]);
  });

  it("keeps a batch within maxItems and runs up to maxInFlight batches at once", async () => {
    const { batches, run } = createControlledRun();
    const submit = createBatcher({ run, maxItems: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5].map(submit);
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4]]);
    batches[1]!.finish();
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4], [5]]);
    batches[0]!.finish();
    batches[2]!.finish();
    expect(await Promise.all(all)).toEqual(["done 1", "done 2", "done 3", "done 4", "done 5"]);
  });

  it("rejects every item of a failed batch, and goes on with the next", async () => {
    const { batches, run } = createControlledRun();
    const submit = createBatcher({ run, maxItems: 10, maxInFlight: 1 });
    const failed = [1, 2].map(submit);
    await settle();
    const later = submit(3);
    batches[0]!.finish(new Error("connection reset"));
    expect(await Promise.allSettled(failed)).toEqual([
      { status: "rejected", reason: new Error("connection reset") },
      { status: "rejected", reason: new Error("connection reset") },
    ]);
    await settle();
    batches[1]!.finish();
    expect(await later).toBe("done 3");
  });

  it("rejects a batch whose runner returns the wrong number of results", async () => {
    const submit = createBatcher({ run: async () => ["only one"], maxItems: 10, maxInFlight: 1 });
    await expect(Promise.all([submit(1), submit(2)])).rejects.toThrow("a batch of 2 returned 1 results");
  });
});
