/**
 * What a gate decision weighs (decideGateCall, src/gate/gate-call.ts): the Canary's current run,
 * from its promotion record, the accepted approvals of the hook, and the heads of their pull
 * requests. Read from the store, or from this process's memory when that is safe (issue 13: a
 * gate call then costs no store round trip).
 *
 * The memory forgets a Canary when the store notifies that its approvals, its promotion record or
 * the head of a pull request of its approvals changed (migrations/004_gate_notify.sql: triggers
 * notify in the writer's transaction, from whichever process wrote). It is trusted only while
 * notifications are delivered (Store.listen): when they stop it is emptied and not used until they
 * are delivered again, and a read that a notification (or the start of delivery) overlapped is not
 * kept. A notification still on its way can make a remembered answer late, so:
 *
 * - a 403 from memory may be late to turn 200 by the time a notification takes (a gate opened a
 *   little late is what Flagger's polling expects anyway);
 * - a 200 from memory must not be late to turn 403 by more than GATE_LIMITS.openFromMemoryMs.
 *   On PGlite it never is: the one process owns the store and a notification is handed over with
 *   the COMMIT's result, before any code sees the change. On PostgreSQL the memory proves how late
 *   it may be: StoreSubscription.sync sends a notification of its own and waits for it to come
 *   back, and since PostgreSQL delivers notifications in commit order, every write committed before
 *   the sync was sent has by then been heard. A 200 is answered from memory while the newest such
 *   proof is younger than the bound; syncs are renewed in the background while gate calls keep
 *   coming (one round trip per quarter of the bound, whatever the number of calls), and when the
 *   proof is older (the connection is slow or cut) the 200 waits for `confirm`, one query that
 *   compares the remembered inputs with the store (getGateFingerprint).
 *
 * Why a bound rather than a confirmation per call: the store itself learns of a new run, a push or
 * a voided approval from Flagger's events, the watcher and GitHub's webhooks, seconds after they
 * happened, and Flagger calls a gate once per tick of its analysis interval (at least 10 s,
 * docs/flagger-scheduler.md §1). A confirmation per call made each open gate wait for a round trip
 * to PostgreSQL (21–25 % of a bare server's throughput, docs/performance.md); the bound adds a
 * quarter of a second at most to delays that are already seconds long.
 */
import type { CanaryRun, CommandRecord } from "../commands/records.js";
import type { GateHook } from "../commands/verbs.js";
import { findCurrentRun } from "../gate/current-run.js";
import { buildPullRequestKey } from "../gate/gate-call.js";
import { GATE_LIMITS } from "../limits.js";
import { getPullRequestHeads, listApprovals } from "../store/approvals.js";
import { getGateFingerprint, type GateFingerprint } from "../store/gate-fingerprint.js";
import type { Queryable, Store } from "../store/store.js";
import type { PromotionStore } from "./ports.js";

export interface GateInputs {
  run: CanaryRun | null;
  /** The version of the promotion record the run came from; null when there is none. */
  promotionVersion: number | null;
  /** Accepted approvals of the hook for the Canary that no push voided (listApprovals). */
  records: CommandRecord[];
  /** Heads of the approvals' pull requests, by buildPullRequestKey. */
  heads: Map<string, string>;
}

export interface GateInputsKey {
  cluster: string;
  namespace: string;
  name: string;
  hook: GateHook;
}

export interface GateInputsReader {
  /** The remembered inputs of a decision, when there are some that may be trusted (no I/O). */
  recall(key: GateInputsKey): GateInputs | undefined;
  /** Reads the inputs from the store (and remembers them when that is safe). */
  read(key: GateInputsKey): Promise<GateInputs>;
  /**
   * True when a 200 decided on remembered inputs may be answered without `confirm`: on PGlite
   * always, on PostgreSQL while the memory is proven no older than GATE_LIMITS.openFromMemoryMs
   * (asking also renews the proof in the background when it is getting old).
   */
  mayOpenFromMemory(): boolean;
  /**
   * Whether the store still holds what `inputs` say, checked by a query that starts after this
   * call (concurrent calls for one Canary and hook share the next such query).
   */
  confirm(key: GateInputsKey, inputs: GateInputs): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Confirmation queries at once per Canary and hook: two let a caller start one while another is
 * under way (a wait of one round trip, not up to two) and still share each query among the
 * callers that queue meanwhile.
 */
const CONFIRMS_IN_FLIGHT = 2;

/** The channel the triggers of migrations/004_gate_notify.sql notify on. */
export const GATE_NOTIFY_CHANNEL = "canary_bot_gates";

type Promotions = Pick<PromotionStore, "getPromotionRecord">;

async function readInputs(db: Queryable, promotions: Promotions, key: GateInputsKey): Promise<GateInputs> {
  const promotion = await promotions.getPromotionRecord({ cluster: key.cluster, namespace: key.namespace, name: key.name });
  const records = await listApprovals(db, key);
  const pulls = records.map((r) => ({ repository: r.repository, pullRequest: r.pullRequest }));
  const heads = await getPullRequestHeads(db, pulls);
  return { run: findCurrentRun(promotion?.record ?? null), promotionVersion: promotion?.version ?? null, records, heads };
}

/** True when `fingerprint` (the store now) describes exactly `inputs`. */
export function matchesFingerprint(inputs: GateInputs, fingerprint: GateFingerprint): boolean {
  if (inputs.promotionVersion !== fingerprint.promotionVersion) return false;
  if (inputs.records.length !== fingerprint.approvals.size) return false;
  return inputs.records.every((r) => {
    const head = fingerprint.approvals.get(r.key);
    return head !== undefined && head === (inputs.heads.get(buildPullRequestKey(r.repository, r.pullRequest)) ?? null);
  });
}

/** Reads every time: for promotion records that do not come from the store (tests' doubles). */
export function createStoreGateInputs(params: { store: Queryable; promotions: Promotions }): GateInputsReader {
  return {
    recall: () => undefined,
    read: (key) => readInputs(params.store, params.promotions, key),
    mayOpenFromMemory: () => false,
    confirm: async () => false,
    close: async () => {},
  };
}

interface Fill {
  canary: string;
  spoiled: boolean;
}

interface Entry {
  inputs: GateInputs;
  /** buildPullRequestKey of each approval's pull request. */
  pulls: Set<string>;
}

/**
 * Remembers inputs per Canary and hook, forgotten on the store's notifications. `promotions`
 * must be the store's own records (createStorePromotionStore): their writes are what notifies.
 */
export async function createRememberingGateInputs(params: {
  store: Pick<Store, "query" | "listen" | "kind">;
  promotions: Promotions;
  log?: { warn(fields: Record<string, unknown>, message: string): void };
  maxEntries?: number;
  /** How late a 200 from memory may be, in ms (GATE_LIMITS.openFromMemoryMs). */
  openFromMemoryMs?: number;
  /** A monotonic clock in ms (performance.now); tests pass their own. */
  clock?: () => number;
}): Promise<GateInputsReader> {
  const { store } = params;
  const maxEntries = params.maxEntries ?? GATE_LIMITS.rememberedGateInputs;
  const boundMs = params.openFromMemoryMs ?? GATE_LIMITS.openFromMemoryMs;
  const clock = params.clock ?? (() => performance.now());
  /** canary (cluster/namespace/name) → hook → entry */
  const memory = new Map<string, Map<GateHook, Entry>>();
  let size = 0;
  const fills = new Set<Fill>();
  let listening = false;
  /** When the newest sync that came back was sent: the memory holds every write committed before. */
  let provenAt = Number.NEGATIVE_INFINITY;
  let proving = false;
  /** Bumped when delivery starts or stops: a sync sent before that proves nothing after. */
  let delivery = 0;

  const forgetCanary = (canary: string) => {
    const hooks = memory.get(canary);
    if (hooks) {
      size -= hooks.size;
      memory.delete(canary);
    }
    for (const fill of fills) if (fill.canary === canary) fill.spoiled = true;
  };
  const forgetAll = () => {
    memory.clear();
    size = 0;
    for (const fill of fills) fill.spoiled = true;
  };
  const forgetPull = (pull: string) => {
    for (const [canary, hooks] of memory) {
      for (const [hook, entry] of hooks) {
        if (!entry.pulls.has(pull)) continue;
        hooks.delete(hook);
        size -= 1;
      }
      if (hooks.size === 0) memory.delete(canary);
    }
    // A fill does not know its pull requests before it ends.
    for (const fill of fills) fill.spoiled = true;
  };

  const subscription = await store.listen(GATE_NOTIFY_CHANNEL, {
    onNotify(payload) {
      const colon = payload.indexOf(":");
      const kind = payload.slice(0, colon);
      const what = payload.slice(colon + 1);
      if (kind === "canary") forgetCanary(what);
      else if (kind === "pull") forgetPull(what);
      else forgetAll();
    },
    onState(now) {
      // Whatever was remembered may have missed a notification; a read under way too.
      forgetAll();
      delivery += 1;
      provenAt = Number.NEGATIVE_INFINITY;
      if (!now && listening) {
        params.log?.warn({ channel: GATE_NOTIFY_CHANNEL }, "gate notifications stopped: gate calls read the store until they resume");
      }
      listening = now;
    },
  });

  const recall = (key: GateInputsKey): GateInputs | undefined => {
    if (!listening) return undefined;
    return memory.get(`${key.cluster}/${key.namespace}/${key.name}`)?.get(key.hook)?.inputs;
  };

  const read = async (key: GateInputsKey): Promise<GateInputs> => {
    const canary = `${key.cluster}/${key.namespace}/${key.name}`;
    const fill: Fill = { canary, spoiled: !listening };
    fills.add(fill);
    try {
      const inputs = await readInputs(store, params.promotions, key);
      if (!fill.spoiled && listening) {
        if (size >= maxEntries) forgetAll();
        let hooks = memory.get(canary);
        if (!hooks) memory.set(canary, (hooks = new Map()));
        if (!hooks.has(key.hook)) size += 1;
        const pulls = new Set(inputs.records.map((r) => buildPullRequestKey(r.repository, r.pullRequest)));
        hooks.set(key.hook, { inputs, pulls });
      }
      return inputs;
    } finally {
      fills.delete(fill);
    }
  };

  // Per Canary and hook, at most CONFIRMS_IN_FLIGHT queries at once; a caller that finds them all
  // busy waits for the next one, which starts after it arrived (a query that started before a
  // caller arrived may predate a write the caller must see).
  interface Waiter {
    resolve: (f: GateFingerprint) => void;
    reject: (e: unknown) => void;
  }
  const confirming = new Map<string, { inFlight: number; waiting: Waiter[] }>();
  const startConfirm = (id: string, key: GateInputsKey, slot: { inFlight: number; waiting: Waiter[] }) => {
    const round = slot.waiting.splice(0);
    slot.inFlight += 1;
    getGateFingerprint(store, key).then(
      (fingerprint) => round.forEach((w) => w.resolve(fingerprint)),
      (error: unknown) => round.forEach((w) => w.reject(error)),
    ).finally(() => {
      slot.inFlight -= 1;
      if (slot.waiting.length > 0) startConfirm(id, key, slot);
      else if (slot.inFlight === 0) confirming.delete(id);
    });
  };
  const fingerprintAfterNow = (key: GateInputsKey): Promise<GateFingerprint> =>
    new Promise((resolve, reject) => {
      const id = `${key.cluster}/${key.namespace}/${key.name}/${key.hook}`;
      let slot = confirming.get(id);
      if (!slot) confirming.set(id, (slot = { inFlight: 0, waiting: [] }));
      slot.waiting.push({ resolve, reject });
      if (slot.inFlight < CONFIRMS_IN_FLIGHT) startConfirm(id, key, slot);
    });

  /** Sends a sync unless one is under way; when it comes back, the memory is proven as of its sending. */
  const prove = () => {
    if (proving || !listening) return;
    proving = true;
    const sentAt = clock();
    const during = delivery;
    subscription.sync().then(
      () => {
        if (during === delivery) provenAt = Math.max(provenAt, sentAt);
      },
      () => {}, // delivery stopped: onState already forgot everything
    ).finally(() => {
      proving = false;
    });
  };
  const mayOpenFromMemory = (): boolean => {
    if (store.kind === "pglite") return true;
    if (!listening) return false;
    const age = clock() - provenAt;
    if (age > boundMs / 4) prove();
    return age <= boundMs;
  };

  return {
    recall,
    read,
    mayOpenFromMemory,
    async confirm(key, inputs) {
      return matchesFingerprint(inputs, await fingerprintAfterNow(key));
    },
    async close() {
      await subscription.close();
      forgetAll();
    },
  };
}
