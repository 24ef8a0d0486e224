/**
 * Reading what the watcher needs from Kubernetes objects: a Canary's identity, target and status,
 * and a workload's images. Pure; objects come from the API server and are not trusted to have any
 * field (a Canary that Flagger has not initialised has no status at all).
 */
import { CANARY_PHASES, type CanaryPhase } from "../gate/flagger-event.js";
import { CLUSTER_LIMITS } from "../limits.js";

export interface WatchedCanary {
  namespace: string;
  name: string;
  resourceVersion: string;
  /** spec.targetRef: the workload Flagger copies to `<name>-primary`. */
  target: { kind: string; name: string } | null;
  phase: CanaryPhase;
  canaryWeight: number;
  iterations: number;
  lastAppliedSpec: string | null;
  lastPromotedSpec: string | null;
}

export function parseCanaryObject(object: unknown): WatchedCanary | null {
  const o = asRecord(object);
  const metadata = asRecord(o?.metadata);
  const namespace = metadata?.namespace;
  const name = metadata?.name;
  const resourceVersion = metadata?.resourceVersion;
  if (typeof namespace !== "string" || typeof name !== "string" || typeof resourceVersion !== "string") return null;
  const targetRef = asRecord(asRecord(o?.spec)?.targetRef);
  const status = asRecord(o?.status);
  const phase = typeof status?.phase === "string" && (CANARY_PHASES as readonly string[]).includes(status.phase) ? (status.phase as CanaryPhase) : "";
  return {
    namespace,
    name,
    resourceVersion,
    target: typeof targetRef?.kind === "string" && typeof targetRef.name === "string" ? { kind: targetRef.kind, name: targetRef.name } : null,
    phase,
    canaryWeight: typeof status?.canaryWeight === "number" ? status.canaryWeight : 0,
    iterations: typeof status?.iterations === "number" ? status.iterations : 0,
    lastAppliedSpec: typeof status?.lastAppliedSpec === "string" && status.lastAppliedSpec ? status.lastAppliedSpec : null,
    lastPromotedSpec: typeof status?.lastPromotedSpec === "string" && status.lastPromotedSpec ? status.lastPromotedSpec : null,
  };
}

/** The images of a workload's pod template: containers and init containers. */
export function readPodTemplateImages(workload: unknown): string[] {
  const podSpec = asRecord(asRecord(asRecord(asRecord(workload)?.spec)?.template)?.spec);
  const images: string[] = [];
  for (const list of [podSpec?.initContainers, podSpec?.containers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) {
      const image = asRecord(container)?.image;
      if (typeof image === "string" && image && images.length < CLUSTER_LIMITS.imagesPerWorkload) images.push(image);
    }
  }
  return images;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
