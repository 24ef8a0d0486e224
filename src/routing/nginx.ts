/**
 * NGINX: the canary Ingress `<ingressRef.name>-canary`, cloned from the user's Ingress with its
 * backends pointed at the canary Service and the canary annotations (docs/flagger-routing.md §6).
 */
import { readStringMap } from "../canary/model.js";
import { list, record } from "../canary/resolve.js";
import { buildOwnerReference, buildServiceNames, FLUX_MARKERS, namespaceOf } from "./kubernetes.js";
import type { KubernetesObject, ProviderRouting, RoutingInput } from "./types.js";

export function generateNginxRoutes(input: RoutingInput): ProviderRouting {
  const { resolved, settings } = input;
  const notes: string[] = [];
  const ref = resolved.canary.spec.ingressRef;
  if (!ref?.name) {
    notes.push("Provider nginx needs spec.ingressRef: Flagger cannot create the canary Ingress without it.");
    return { resources: [], notes };
  }
  if (!resolved.ingress) {
    notes.push(`The Ingress ${ref.name} is not in the repository: the canary Ingress ${ref.name}-canary (a copy of it pointing at the canary Service) is not shown.`);
    return { resources: [], notes };
  }
  const names = buildServiceNames(resolved);
  const prefix = settings.ingressAnnotationsPrefix;
  const value = record(resolved.ingress.value);
  const metadata = record(value.metadata);
  const spec = structuredClone(record(value.spec));
  let found = false;
  for (const rule of list(spec.rules)) {
    for (const path of list(record(record(rule).http).paths)) {
      const service = record(record(record(path).backend).service);
      if (service.name === names.apex) {
        service.name = names.canary;
        found = true;
      }
    }
  }
  if (!found) {
    notes.push(`No backend of Ingress ${ref.name} uses the Service ${names.apex}: Flagger fails with "backend ${names.apex} not found in ingress ${ref.name}".`);
    return { resources: [], notes };
  }
  const routes = input.routes ?? { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  if (routes.mirrored) notes.push("The NGINX router cannot mirror traffic.");
  const annotations = buildCanaryAnnotations({ userAnnotations: readStringMap(metadata.annotations), prefix, routes, analysisMatch: (resolved.canary.spec.analysis?.match ?? []) as Array<Record<string, unknown>>, setRoutes: input.routes !== undefined });
  const labels = readStringMap(metadata.labels);
  const ingress: KubernetesObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: `${ref.name}-canary`,
      ...namespaceOf(resolved),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      annotations,
      ownerReferences: [buildOwnerReference(resolved)],
    },
    spec,
  };
  return { resources: [ingress], notes };
}

function buildCanaryAnnotations(params: {
  userAnnotations: Record<string, string>;
  prefix: string;
  routes: { canaryWeight: number };
  analysisMatch: Array<Record<string, unknown>>;
  setRoutes: boolean;
}): Record<string, string> {
  const { prefix } = params;
  // At creation (and whenever the canary weight is 0): user annotations and the markers, minus
  // every canary annotation and kubectl's last-applied, plus canary true / weight 0 (§6).
  const created = Object.fromEntries(
    Object.entries({ ...params.userAnnotations, ...FLUX_MARKERS }).filter(([k]) => !k.includes(`${prefix}/canary`) && k !== "kubectl.kubernetes.io/last-applied-configuration"),
  );
  const initial = { ...created, [`${prefix}/canary`]: "true", [`${prefix}/canary-weight`]: "0" };
  if (!params.setRoutes || params.routes.canaryWeight === 0) return initial;
  if (params.analysisMatch.length === 0) return { ...initial, [`${prefix}/canary-weight`]: String(params.routes.canaryWeight) };
  // A/B: the existing annotations survive (the filter tests values, not keys: §6 QUIRK), plus the
  // cookie/header annotations; the last header wins.
  let cookie = "";
  let header = "";
  let headerValue = "";
  let headerPattern = "";
  for (const match of params.analysisMatch) {
    for (const [name, condition] of Object.entries(record(match.headers))) {
      const c = record(condition);
      if (name === "cookie") cookie = typeof c.exact === "string" ? c.exact : "";
      else {
        header = name;
        headerValue = typeof c.exact === "string" ? c.exact : "";
        headerPattern = typeof c.regex === "string" ? c.regex : "";
      }
    }
  }
  return {
    ...initial,
    [`${prefix}/canary`]: "true",
    ...(cookie ? { [`${prefix}/canary-by-cookie`]: cookie } : {}),
    ...(header ? { [`${prefix}/canary-by-header`]: header } : {}),
    ...(headerValue ? { [`${prefix}/canary-by-header-value`]: headerValue } : {}),
    ...(headerPattern ? { [`${prefix}/canary-by-header-pattern`]: headerPattern } : {}),
  };
}
