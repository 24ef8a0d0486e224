/**
 * Contour HTTPProxy (docs/flagger-routing.md §7; `contour.go`): one weighted route, or a header route
 * before it for A/B, each service carrying Linkerd's `l5d-dst-override` header.
 */
import { record } from "../canary/resolve.js";
import { buildOwnerReference, buildRoutingMetadata, buildServiceNames, namespaceOf } from "./kubernetes.js";
import type { KubernetesObject, ProviderRouting, RoutingInput } from "./types.js";

export function generateContourRoutes(input: RoutingInput): ProviderRouting {
  const { resolved, settings } = input;
  const notes: string[] = [];
  const names = buildServiceNames(resolved);
  const service = resolved.canary.spec.service ?? {};
  const namespace = resolved.canary.namespace ?? "default";
  const port = service.port ?? 0;
  const routes = input.routes ?? { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  if (routes.mirrored) notes.push("The Contour router cannot mirror traffic.");
  // The first service match's uri prefix, else "/" (makePrefix).
  const firstUri = record(record((service.match ?? [])[0]).uri);
  const prefix = typeof firstUri.prefix === "string" && firstUri.prefix !== "" ? firstUri.prefix : "/";
  const backend = (name: string, weight: number) => ({
    name,
    port,
    weight,
    requestHeadersPolicy: { set: [{ name: "l5d-dst-override", value: `${name}.${namespace}.svc.cluster.local:${port}` }] },
  });
  const policies = {
    ...(service.timeout ? { timeoutPolicy: { response: service.timeout, idle: "5m" } } : {}),
    ...(service.retries
      ? { retryPolicy: { count: service.retries.attempts ?? 0, ...(service.retries.perTryTimeout ? { perTryTimeout: service.retries.perTryTimeout } : {}), retryOn: (service.retries.retryOn ?? "").split(",") } }
      : {}),
  };
  const route = (conditions: Array<Record<string, unknown>>, p: number, c: number) => ({ conditions, ...structuredClone(policies), services: [backend(names.primary, p), backend(names.canary, c)] });
  const analysisMatch = (resolved.canary.spec.analysis?.match ?? []) as Array<Record<string, unknown>>;
  let proxyRoutes;
  if (analysisMatch.length > 0) {
    // makeConditions: one condition per analysis header; prefix and suffix become `contains`.
    const conditions: Array<Record<string, unknown>> = [];
    for (const match of analysisMatch) {
      for (const [name, condition] of Object.entries(record(match.headers)).sort(([a], [b]) => a.localeCompare(b))) {
        const c = record(condition);
        const header = typeof c.prefix === "string" && c.prefix !== "" ? { name, contains: c.prefix } : typeof c.suffix === "string" && c.suffix !== "" ? { name, contains: c.suffix } : { name, exact: c.exact ?? "" };
        conditions.push({ prefix, header });
      }
    }
    proxyRoutes = [route(conditions, routes.primaryWeight, routes.canaryWeight), route([{ prefix }], 100, 0)];
  } else {
    proxyRoutes = [route([{ prefix }], routes.primaryWeight, routes.canaryWeight)];
  }
  const metadata = buildRoutingMetadata(resolved);
  const proxy: KubernetesObject = {
    apiVersion: "projectcontour.io/v1",
    kind: "HTTPProxy",
    metadata: { name: names.apex, ...namespaceOf(resolved), ...metadata, ownerReferences: [buildOwnerReference(resolved)] },
    spec: { ...(settings.ingressClass ? { ingressClassName: settings.ingressClass } : {}), routes: proxyRoutes },
  };
  return { resources: [proxy], notes };
}
