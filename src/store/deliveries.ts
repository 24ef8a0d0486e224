/**
 * Webhook delivery ids (X-GitHub-Delivery) already accepted. GitHub's "Redeliver" button and a
 * load balancer's retry send the same id again; it is answered, and not queued twice.
 */
import type { Queryable } from "./store.js";

/** Records the delivery; false when its id was already recorded. */
export async function recordDelivery(db: Queryable, params: { id: string; event: string }): Promise<boolean> {
  const rows = await db.query("INSERT INTO deliveries (id, event) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id", [params.id, params.event]);
  return rows.length > 0;
}

/** Forgets deliveries older than `maxAgeMs` (GitHub keeps redeliverable deliveries for 3 days). */
export async function pruneDeliveries(db: Queryable, params: { maxAgeMs: number }): Promise<number> {
  const rows = await db.query("DELETE FROM deliveries WHERE received_at < now() - ($1::double precision * interval '1 millisecond') RETURNING id", [params.maxAgeMs]);
  return rows.length;
}
