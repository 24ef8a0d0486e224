/**
 * A Canary's current run as slash commands and gate calls see it (CanaryRun), read from its
 * promotion record: the newest run, active or ended. Pure.
 *
 * The run's id is its Canary and start time, stable while the record keeps the run (an index
 * would shift when old runs are dropped, CLUSTER_LIMITS.runsPerRecord). Its revision is the run's
 * images, normalised and joined (`buildRevision`); a pull request's declared revision is built the
 * same way, so the two compare as strings.
 */
import type { CanaryRun } from "../commands/records.js";
import { normalizeImages, type PromotionRecord } from "./promotion.js";

/** `name:tag,other@sha256:…`: the images of a workload as one comparable string. */
export function buildRevision(images: readonly string[]): string {
  return normalizeImages(images).join(",");
}

export function buildRunId(params: { cluster: string; namespace: string; name: string; startedAt: number }): string {
  return `${params.cluster}/${params.namespace}/${params.name}@${new Date(params.startedAt).toISOString()}`;
}

/** The newest run of the record, or null when it has none. */
export function findCurrentRun(record: PromotionRecord | null): CanaryRun | null {
  const run = record?.runs[record.runs.length - 1];
  if (!record || !run) return null;
  return {
    id: buildRunId({ cluster: record.cluster, namespace: record.namespace, name: record.name, startedAt: run.startedAt }),
    cluster: record.cluster,
    namespace: record.namespace,
    name: record.name,
    revision: run.images && run.images.length > 0 ? buildRevision(run.images) : null,
    revisionAmbiguous: run.attribution.kind === "ambiguous",
    checksum: run.source === "event" ? (run.checksum ?? null) : null,
    phase: run.phase,
    startedAt: new Date(run.startedAt).toISOString(),
    endedAt: run.endedAt === null ? null : new Date(run.endedAt).toISOString(),
  };
}
