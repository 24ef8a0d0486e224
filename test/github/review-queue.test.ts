import { describe, expect, it } from "vitest";
import { createCoalescingQueue } from "../../src/github/review-queue.js";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

describe("createCoalescingQueue", () => {
  it("runs one job per key at a time, keys independently, and a burst ends with the newest job", async () => {
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const ran: string[] = [];
    const queue = createCoalescingQueue<string, string>({
      run: async (job) => {
        ran.push(job);
        const gate = deferred<void>();
        gates.set(job, gate);
        await gate.promise;
        return `done ${job}`;
      },
    });
    const a1 = queue.push("pr-1", "a1");
    const b1 = queue.push("pr-2", "b1");
    const a2 = queue.push("pr-1", "a2");
    const a3 = queue.push("pr-1", "a3");
    await Promise.resolve();
    expect(ran).toEqual(["a1", "b1"]);
    expect(queue.hasWaiting("pr-1")).toBe(true);
    expect(await a2).toEqual({ status: "superseded" });
    gates.get("a1")!.resolve();
    expect(await a1).toEqual({ status: "done", value: "done a1" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual(["a1", "b1", "a3"]);
    gates.get("a3")!.resolve();
    gates.get("b1")!.resolve();
    expect(await a3).toEqual({ status: "done", value: "done a3" });
    expect(await b1).toEqual({ status: "done", value: "done b1" });
    await queue.drain();
    expect(queue.active).toBe(0);
  });

  it("merges a replaced job into the newer one, passes errors to their caller, and goes on", async () => {
    const gate = deferred<void>();
    const queue = createCoalescingQueue<{ n: number; flag: boolean }, number>({
      run: async (job) => {
        if (job.n === 1) {
          await gate.promise;
          throw new Error("first failed");
        }
        return job.flag ? job.n * 10 : job.n;
      },
      merge: (waiting, next) => ({ n: next.n, flag: waiting.flag || next.flag }),
    });
    const first = queue.push("k", { n: 1, flag: false });
    const second = queue.push("k", { n: 2, flag: true });
    const third = queue.push("k", { n: 3, flag: false });
    gate.resolve();
    await expect(first).rejects.toThrow("first failed");
    expect(await second).toEqual({ status: "superseded" });
    expect(await third).toEqual({ status: "done", value: 30 });
  });

  it("drains: resolves when the last job of every key is done", async () => {
    const gate = deferred<void>();
    const queue = createCoalescingQueue<number, number>({ run: async (n) => (await gate.promise, n) });
    void queue.push("a", 1);
    let drained = false;
    void queue.drain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    gate.resolve();
    await queue.drain();
    expect(drained).toBe(true);
  });
});
