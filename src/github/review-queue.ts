/**
 * One review at a time per pull request, in this process. Deliveries for the same pull request
 * arrive close together (a burst of pushes, a redelivery, a re-run); running them one after the
 * other is what keeps the sticky comment single, and letting a newer event replace one still
 * waiting is what makes a burst end with the newest head reviewed, once.
 *
 * Several replicas each have their own queue: docs/github-app.md, "Running more than one replica".
 */

export type QueueResult<R> = { status: "done"; value: R } | { status: "superseded" };

export interface CoalescingQueue<J, R> {
  /**
   * Runs `job` once the running job of the same key (if any) is done. A job still waiting is
   * replaced by a newer one for its key; the replaced job's caller gets `superseded`.
   */
  push(key: string, job: J): Promise<QueueResult<R>>;
  /** Whether a newer job waits behind the running one for this key. */
  hasWaiting(key: string): boolean;
  /** Resolves when nothing runs or waits (graceful shutdown). */
  drain(): Promise<void>;
  /** Keys with a running job. */
  readonly active: number;
}

interface Waiting<J, R> {
  job: J;
  settle: (result: Promise<QueueResult<R>>) => void;
}

interface KeyState<J, R> {
  waiting?: Waiting<J, R>;
}

export function createCoalescingQueue<J, R>(params: {
  run: (job: J, key: string) => Promise<R>;
  /** Combines a waiting job with the newer one that replaces it (default: the newer one). */
  merge?: (waiting: J, next: J) => J;
}): CoalescingQueue<J, R> {
  const keys = new Map<string, KeyState<J, R>>();
  const idle: Array<() => void> = [];

  const start = (key: string, state: KeyState<J, R>, job: J): Promise<QueueResult<R>> => {
    const result = (async (): Promise<QueueResult<R>> => ({ status: "done", value: await params.run(job, key) }))();
    // Whatever the outcome, the next waiting job of this key starts afterwards.
    void result.then(next, next);
    function next() {
      const waiting = state.waiting;
      if (waiting) {
        state.waiting = undefined;
        waiting.settle(start(key, state, waiting.job));
        return;
      }
      keys.delete(key);
      if (keys.size === 0) for (const resolve of idle.splice(0)) resolve();
    }
    return result;
  };

  return {
    push(key, job) {
      const state = keys.get(key);
      if (!state) {
        const fresh: KeyState<J, R> = {};
        keys.set(key, fresh);
        return start(key, fresh, job);
      }
      return new Promise<QueueResult<R>>((resolve, reject) => {
        const replaced = state.waiting;
        state.waiting = {
          job: replaced && params.merge ? params.merge(replaced.job, job) : job,
          settle: (result) => result.then(resolve, reject),
        };
        replaced?.settle(Promise.resolve({ status: "superseded" }));
      });
    },
    hasWaiting(key) {
      return keys.get(key)?.waiting !== undefined;
    },
    drain() {
      return keys.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    },
    get active() {
      return keys.size;
    },
  };
}
