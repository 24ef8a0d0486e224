/**
 * Flagger's event webhook payload (docs/flagger-scheduler.md §4.4), parsed and validated: the same
 * envelope for per-Canary `type: event` hooks and for the controller-wide `-event-webhook`
 * (`pkg/controller/webhook.go: CallEventWebhook`). Pure: the receiving time is an argument.
 *
 * `{"name","namespace","phase","checksum","metadata":{"eventMessage","eventType","timestamp",…}}`
 */
import { createHash } from "node:crypto";
import { CLUSTER_LIMITS } from "../limits.js";

/** `status.phase` values of the Canary CRD (docs/flagger-scheduler.md §1.4); "" before the first status. */
export const CANARY_PHASES = [
  "",
  "Initializing",
  "Initialized",
  "Waiting",
  "Progressing",
  "WaitingPromotion",
  "Promoting",
  "Finalising",
  "Succeeded",
  "Failed",
  "Terminating",
  "Terminated",
] as const;
export type CanaryPhase = (typeof CANARY_PHASES)[number];

/** Phases of an analysis run in flight: a new revision was detected and not yet concluded. */
export const ACTIVE_PHASES: ReadonlySet<CanaryPhase> = new Set(["Progressing", "WaitingPromotion", "Promoting", "Finalising"]);
/** Phases that end a run. `Initialized` is not among them: it is not a promotion (DESIGN.md). */
export const TERMINAL_PHASES: ReadonlySet<CanaryPhase> = new Set(["Succeeded", "Failed"]);

/** A Canary's identity in a cluster (never the name alone). */
export interface CanaryKey {
  cluster: string;
  namespace: string;
  name: string;
}

/** What the event says about the run's progress, read from Flagger's own messages (scheduler.go). */
export type EventProgress =
  | { kind: "new-revision" }
  | { kind: "restart" }
  | { kind: "canary-weight"; weight: number }
  | { kind: "primary-weight"; weight: number }
  | { kind: "iteration"; iteration: number; of: number }
  | { kind: "promotion-completed" }
  | { kind: "failed" }
  | { kind: "other" };

export interface FlaggerEvent extends CanaryKey {
  phase: CanaryPhase;
  /** Flagger's hash of {trackedConfigs, lastAppliedSpec}: one value per run, except confirm-rollout's trap (§4.3). */
  checksum: string;
  eventType: "Normal" | "Warning";
  /** `metadata.eventMessage`, cut to CLUSTER_LIMITS.eventMessageChars. */
  message: string;
  /** `metadata.timestamp`: Unix milliseconds on Flagger's clock when the event was recorded. */
  at: number;
  receivedAt: number;
  progress: EventProgress;
  /** Idempotency key: the same delivery replayed has the same key. */
  key: string;
}

export type ParsedFlaggerEvent = { ok: true; event: FlaggerEvent } | { ok: false; reason: string };

/** Kubernetes object names (DNS subdomain) and namespaces (DNS label). */
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** Earliest accepted timestamp (2019, before Flagger's event webhooks existed): catches seconds sent as milliseconds. */
const EARLIEST_MS = Date.UTC(2019, 0, 1);

/**
 * Validates a JSON value as a Flagger event for `cluster`. Never throws: a payload that is not
 * an event comes back with the reason, for a 400 answer.
 */
export function parseFlaggerEvent(params: { body: unknown; cluster: string; receivedAt: number }): ParsedFlaggerEvent {
  const { body, cluster, receivedAt } = params;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return reject("the payload is not a JSON object");
  const b = body as Record<string, unknown>;
  for (const field of ["name", "namespace", "phase", "checksum"] as const) {
    if (typeof b[field] !== "string") return reject(`"${field}" is missing or not a string`);
  }
  const name = b.name as string;
  const namespace = b.namespace as string;
  const phase = b.phase as string;
  const checksum = b.checksum as string;
  if (!NAME.test(name)) return reject(`"name" is not a Kubernetes object name`);
  if (!NAMESPACE.test(namespace)) return reject(`"namespace" is not a Kubernetes namespace`);
  if (!(CANARY_PHASES as readonly string[]).includes(phase)) return reject(`"phase" is not a Canary phase (one of ${CANARY_PHASES.filter(Boolean).join(", ")})`);
  if (checksum.length > CLUSTER_LIMITS.checksumChars) return reject(`"checksum" is longer than ${CLUSTER_LIMITS.checksumChars} characters`);
  const metadata = b.metadata;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    // Other hook types (pre-rollout, post-rollout …) send the same envelope without these keys.
    return reject(`"metadata" is missing: only Flagger event webhooks (type: event, or -event-webhook) are accepted here`);
  }
  const m = metadata as Record<string, unknown>;
  for (const field of ["eventMessage", "eventType", "timestamp"] as const) {
    if (typeof m[field] !== "string") return reject(`"metadata.${field}" is missing or not a string: only Flagger event webhooks are accepted here`);
  }
  const eventType = m.eventType as string;
  if (eventType !== "Normal" && eventType !== "Warning") return reject(`"metadata.eventType" is neither Normal nor Warning`);
  const timestamp = m.timestamp as string;
  const at = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isSafeInteger(at) || at < EARLIEST_MS) return reject(`"metadata.timestamp" is not Unix milliseconds`);
  const fullMessage = m.eventMessage as string;
  const message = fullMessage.length > CLUSTER_LIMITS.eventMessageChars ? `${fullMessage.slice(0, CLUSTER_LIMITS.eventMessageChars - 1)}…` : fullMessage;
  const key = createHash("sha256")
    .update(JSON.stringify([cluster, namespace, name, phase, checksum, eventType, timestamp, fullMessage]))
    .digest("hex")
    .slice(0, 40);
  return {
    ok: true,
    event: {
      cluster,
      namespace,
      name,
      phase: phase as CanaryPhase,
      checksum,
      eventType,
      message,
      at,
      receivedAt,
      progress: parseEventProgress(fullMessage),
      key,
    },
  };
}

function reject(reason: string): ParsedFlaggerEvent {
  return { ok: false, reason };
}

/**
 * Flagger's messages are the only place an event says what happened (there is no reason code:
 * every event has reason "Synced", §4.4). These are the templates of pkg/controller/scheduler.go.
 */
export function parseEventProgress(message: string): EventProgress {
  if (message.startsWith("New revision detected! Restarting analysis")) return { kind: "restart" };
  if (message.startsWith("New revision detected!")) return { kind: "new-revision" };
  if (message.startsWith("Promotion completed!")) return { kind: "promotion-completed" };
  if (message.startsWith("Canary failed!") || /^Promotion of \S+ failed, primary not ready/.test(message)) return { kind: "failed" };
  let match = /^Advance \S+ canary weight (\d{1,3})$/.exec(message);
  if (match) return { kind: "canary-weight", weight: Number(match[1]) };
  match = /^Advance \S+ primary weight (\d{1,3})$/.exec(message);
  if (match) return { kind: "primary-weight", weight: Number(match[1]) };
  match = /^Advance \S+ canary iteration (\d+)\/(\d+)$/.exec(message);
  if (match) return { kind: "iteration", iteration: Number(match[1]), of: Number(match[2]) };
  return { kind: "other" };
}

/** `cluster/namespace/name`: the record key in logs and stores. */
export function formatCanaryKey(key: CanaryKey): string {
  return `${key.cluster}/${key.namespace}/${key.name}`;
}
