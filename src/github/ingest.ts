/**
 * A verified delivery, recorded: its id (de-duplication) and its jobs in one transaction, so that
 * a delivery is either wholly queued or not at all. Answered in milliseconds; the jobs run later.
 */
import { QUEUE_LIMITS } from "../limits.js";
import { enqueueJob } from "../store/queue.js";
import { recordDelivery } from "../store/deliveries.js";
import type { Queryable, Store } from "../store/store.js";
import { buildJobsForEvent, type PlannedJob } from "./events.js";
import type { Metrics } from "./metrics.js";
import type { Log } from "./port.js";

export async function enqueuePlannedJobs(db: Queryable, jobs: readonly PlannedJob[]): Promise<void> {
  for (const job of jobs) await enqueueJob(db, { ...job, maxAttempts: QUEUE_LIMITS.reviewAttempts });
}

export async function acceptDelivery(params: {
  store: Store;
  delivery: { id: string; name: string; payload: unknown };
  metrics: Metrics;
  log: Log;
  /** Tells this process's job runner to look now. */
  wake: () => void;
}): Promise<{ status: number; body: Record<string, unknown> }> {
  const { store, delivery, metrics, log } = params;
  const decision = buildJobsForEvent({ name: delivery.name, payload: delivery.payload });
  const meta = { delivery: delivery.id, event: decision.event };
  if (decision.action === "ignore") {
    metrics.deliveries.inc({ event: decision.event, outcome: "ignored" });
    return { status: 202, body: { status: "ignored", reason: decision.reason } };
  }
  if (decision.action === "reject") {
    metrics.deliveries.inc({ event: decision.event, outcome: "rejected" });
    log.warn({ ...meta, reason: decision.reason }, "signed delivery rejected");
    return { status: 400, body: { error: "unusable_payload", message: decision.reason } };
  }
  const fresh = await store.transaction(async (tx) => {
    if (!(await recordDelivery(tx, { id: delivery.id, event: decision.event }))) return false;
    await enqueuePlannedJobs(tx, decision.jobs);
    return true;
  });
  metrics.deliveries.inc({ event: decision.event, outcome: fresh ? "queued" : "duplicate" });
  if (!fresh) return { status: 200, body: { status: "duplicate", message: "this delivery id was already accepted" } };
  log.info({ ...meta, jobs: decision.jobs.length }, "delivery queued");
  params.wake();
  return { status: 202, body: { status: "queued", jobs: decision.jobs.length } };
}
