/**
 * Group commit for ingestion: an item submitted while a batch is running waits, and the items that
 * gathered meanwhile run together as the next batch, so the cost of one transaction is shared by
 * every event that arrived during the previous one. Nothing waits on a timer: the first items of a
 * quiet period run after the current turn of the event loop. Each item's promise settles when its
 * batch does (an HTTP answer is sent only after its event committed); a failing batch rejects
 * every item in it.
 */
export interface BatcherParams<I, O> {
  /** Runs one batch; returns one output per item, in order. */
  run(items: I[]): Promise<O[]>;
  /** Items per batch (limits.ts CLUSTER_LIMITS.ingestBatchObservations). */
  maxItems: number;
  /** Batches running at once (limits.ts CLUSTER_LIMITS.ingestBatchesInFlight). */
  maxInFlight: number;
}

interface Pending<I, O> {
  item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export function createBatcher<I, O>(params: BatcherParams<I, O>): (item: I) => Promise<O> {
  const waiting: Array<Pending<I, O>> = [];
  let inFlight = 0;
  let scheduled = false;

  const runNext = () => {
    while (inFlight < params.maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, params.maxItems);
      inFlight += 1;
      void settle(batch).finally(() => {
        inFlight -= 1;
        runNext();
      });
    }
  };

  const settle = async (batch: Array<Pending<I, O>>) => {
    try {
      const outputs = await params.run(batch.map((p) => p.item));
      if (outputs.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${outputs.length} results`);
      batch.forEach((p, i) => p.resolve(outputs[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // Requests that arrived in the same turn of the event loop start together (no timer).
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          runNext();
        });
      }
    });
}
