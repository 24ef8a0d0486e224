/**
 * The gate's view of a review (issue 12): each changed Canary with its environment, namespace,
 * name, images and whether Flagger will start an analysis. Pure.
 *
 * Until the review model carries each Canary's identity and rendered images from the Flux/kustomize
 * build (issue "Review GitOps repositories as Flux and kustomize build them"), they are derived
 * from the manifests as written: the files are split by environment (the first of
 * `environments[].paths` matching a file wins) and each part is reviewed on its own, so the same
 * Canary in staging and in production stays two Canaries (the review model alone keys them by
 * namespace and name); the namespace is the manifest's (`default` when unset), the images are the
 * target workload's pod template images, and a new revision is a changed pod template or a changed
 * ConfigMap/Secret the Canary tracks (Flagger's checksum covers both, docs/flagger-scheduler.md §4.3).
 */
import { buildPathMatcher } from "../config/glob.js";
import type { EnvironmentConfig } from "../config/schema.js";
import type { ChangedCanary } from "./merge-gate.js";
import type { CanaryReport } from "../validate/validate.js";
import { buildReviewModel, type ReviewInput } from "../review/review.js";

export function buildChangedCanaries(params: { input: ReviewInput; environments: readonly EnvironmentConfig[] }): ChangedCanary[] {
  const { input } = params;
  const matchers = params.environments.map((e) => ({ name: e.name, matches: buildPathMatcher({ include: e.paths, exclude: [] }) }));
  const environmentOf = (path: string) => matchers.find((m) => m.matches(path))?.name ?? null;
  const parts = [...params.environments.map((e) => e.name), null];
  return parts.flatMap((environment) => {
    const mine = (path: string) => environmentOf(path) === environment;
    const changedPaths = input.changedPaths.filter(mine);
    if (changedPaths.length === 0) return [];
    const model = buildReviewModel({ ...input, base: input.base.filter((f) => mine(f.path)), head: input.head.filter((f) => mine(f.path)), changedPaths });
    return model.canaries.flatMap((canary): ChangedCanary[] => {
      if (canary.status === "unreadable") return [];
      const change: ChangedCanary["change"] = canary.status === "added" ? "added" : canary.status === "removed" ? "removed" : "changed";
      // A new Canary is initialized (the first deployment, no analysis): no new revision to gate on.
      const newRevision = change === "changed" && canary.head !== undefined && canary.base !== undefined && revisionOf(canary.head) !== revisionOf(canary.base);
      return [{ environment, namespace: canary.namespace ?? "default", name: canary.name, change, newRevision, images: canary.head ? readImages(canary.head) : [] }];
    });
  });
}

function readImages(report: CanaryReport): string[] {
  const target = report.resolved.target;
  if (!target) return [];
  return [...target.initContainers, ...target.containers].flatMap((c) => (typeof c.image === "string" && c.image !== "" ? [c.image] : []));
}

/** What Flagger's checksum covers: the target's pod template and the tracked configs. */
function revisionOf(report: CanaryReport): string {
  const raw = report.resolved.target?.raw as { spec?: { template?: unknown } } | undefined;
  const configs = [...report.resolved.configs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, d]) => [k, d.value]);
  return JSON.stringify([raw?.spec?.template ?? null, configs]);
}
