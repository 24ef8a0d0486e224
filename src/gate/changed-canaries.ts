/**
 * The gate's view of a review (issue 12): each changed Canary with its environment, namespace,
 * name, rendered images and whether Flagger will start an analysis — read from the review model
 * (src/review/review.ts), which follows Flagger's trigger (a changed pod template or tracked
 * ConfigMap/Secret) and takes images from the rendered workload. Pure.
 *
 * A built input (src/build: kustomize/Flux, or raw files grouped by `environments[].paths`) carries
 * each Canary's environment already. A raw input without scopes (the App reading a repository that
 * has no kustomization) is split by environment here — the first of `environments[].paths` matching
 * a file wins — and each part reviewed on its own, so the same Canary in staging and in production
 * stays two Canaries.
 */
import { buildPathMatcher } from "../config/glob.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { buildReviewModel, type CanaryChange, type ReviewInput, type ReviewModel } from "../review/review.js";
import type { ChangedCanary } from "./merge-gate.js";

export function buildChangedCanaries(params: { input: ReviewInput; environments: readonly EnvironmentConfig[]; model?: ReviewModel }): ChangedCanary[] {
  const { input } = params;
  // A built input knows each Canary's environment: the review's own model says it all (no second build).
  if (input.scopes) return (params.model ?? buildReviewModel(input)).canaries.flatMap((canary) => toChangedCanary(canary, canary.environment));
  const matchers = params.environments.map((e) => ({ name: e.name, matches: buildPathMatcher({ include: e.paths, exclude: [] }) }));
  const environmentOf = (path: string) => matchers.find((m) => m.matches(path))?.name ?? null;
  const parts = [...params.environments.map((e) => e.name), null];
  return parts.flatMap((environment) => {
    const mine = (path: string) => environmentOf(path) === environment;
    const changedPaths = input.changedPaths.filter(mine);
    if (changedPaths.length === 0) return [];
    const model = buildReviewModel({ ...input, base: input.base.filter((f) => mine(f.path)), head: input.head.filter((f) => mine(f.path)), changedPaths });
    return model.canaries.flatMap((canary) => toChangedCanary(canary, environment));
  });
}

function toChangedCanary(canary: CanaryChange, environment: string | null): ChangedCanary[] {
  if (canary.status === "unreadable") return [];
  // A new Canary is initialized (the first deployment, no analysis): review.ts gives it no new revision.
  const change: ChangedCanary["change"] = canary.change === "unchanged" ? "changed" : canary.change;
  return [{ environment, namespace: canary.namespace ?? "default", name: canary.name, change, newRevision: canary.newRevision, images: canary.images.head }];
}
