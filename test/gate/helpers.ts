/** Flagger event payloads as Flagger's CallEventWebhook builds them (pkg/controller/webhook.go). */
import { parseFlaggerEvent, type CanaryPhase, type FlaggerEvent } from "../../src/gate/flagger-event.js";

export const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
export const MINUTE = 60_000;

export interface PayloadParams {
  name?: string;
  namespace?: string;
  phase: CanaryPhase;
  checksum: string;
  message: string;
  at: number;
  eventType?: "Normal" | "Warning";
}

export function eventPayload(p: PayloadParams) {
  return {
    name: p.name ?? "podinfo",
    namespace: p.namespace ?? "test",
    phase: p.phase,
    checksum: p.checksum,
    metadata: { eventMessage: p.message, eventType: p.eventType ?? "Normal", timestamp: String(p.at) },
  };
}

export function flaggerEvent(p: PayloadParams & { cluster?: string }): FlaggerEvent {
  const parsed = parseFlaggerEvent({ body: eventPayload(p), cluster: p.cluster ?? "staging", receivedAt: p.at + 50 });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

/**
 * One run of the podinfo Canary (interval 1m, stepWeight 10, maxWeight 30) as Flagger reports it:
 * the detection event carries the previous revision's checksum (it is recorded before SyncStatus).
 */
export function runEvents(params: { previous: string; checksum: string; start: number; outcome: "succeeded" | "failed" | "open"; name?: string; namespace?: string; cluster?: string }): FlaggerEvent[] {
  const { previous, checksum, start } = params;
  const id = `${params.name ?? "podinfo"}.${params.namespace ?? "test"}`;
  const e = (phase: CanaryPhase, message: string, minutes: number, eventType: "Normal" | "Warning" = "Normal", sum = checksum) =>
    flaggerEvent({ phase, message, checksum: sum, at: start + minutes * MINUTE, eventType, name: params.name, namespace: params.namespace, cluster: params.cluster });
  const events = [
    e("Progressing", `New revision detected! Scaling up ${id}`, 0, "Normal", previous),
    e("Progressing", `Starting canary analysis for ${id}`, 1),
    e("Progressing", "Pre-rollout check acceptance-test passed", 1),
    e("Progressing", `Advance ${id} canary weight 10`, 1),
    e("Progressing", `Advance ${id} canary weight 20`, 2),
  ];
  if (params.outcome === "succeeded") {
    events.push(
      e("Progressing", `Advance ${id} canary weight 30`, 3),
      e("Progressing", `Copying ${id} template spec to podinfo-primary.test`, 4),
      e("Promoting", "Routing all traffic to primary", 5),
      e("Succeeded", `Promotion completed! Scaling down ${id}`, 6),
    );
  } else if (params.outcome === "failed") {
    events.push(
      e("Progressing", `Halt ${id} advancement success rate 50.00% < 99%`, 3, "Warning"),
      e("Progressing", `Rolling back ${id} failed checks threshold reached 1`, 4, "Warning"),
      e("Failed", `Canary failed! Scaling down ${id}`, 4, "Warning"),
    );
  }
  return events;
}
