/**
 * Everything Flagger creates for one Canary: the Kubernetes objects (Services, primary workload
 * and autoscaler) and the routing objects of its provider (docs/flagger-routing.md §0). A provider
 * canary-bot does not render gets a note, never silence.
 */
import { routerFamily } from "../canary/settings.js";
import { generateContourRoutes } from "./contour.js";
import { generateGatewayApiRoutes } from "./gateway-api.js";
import { generateIstioRoutes } from "./istio.js";
import { generateKubernetesResources } from "./kubernetes.js";
import { generateNginxRoutes } from "./nginx.js";
import { generateSmiRoutes } from "./smi.js";
import type { GeneratedRouting, ProviderRouting, RoutingInput } from "./types.js";

export type { GeneratedRouting, KubernetesObject, RouteWeights, RoutingInput } from "./types.js";

const GENERATORS: Partial<Record<ReturnType<typeof routerFamily>, (input: RoutingInput) => ProviderRouting>> = {
  istio: generateIstioRoutes,
  gatewayapi: generateGatewayApiRoutes,
  nginx: generateNginxRoutes,
  smi: generateSmiRoutes,
  linkerd: generateSmiRoutes,
  osm: generateSmiRoutes,
  contour: generateContourRoutes,
};

export function generateRoutingResources(input: RoutingInput): GeneratedRouting {
  const { resolved } = input;
  const kubernetes = generateKubernetesResources(input);
  const family = routerFamily(resolved.provider);
  const notes = [...kubernetes.notes];
  const resources = [...kubernetes.resources];
  if (family === "istio" && resolved.provider !== "istio") {
    notes.push(`Provider ${resolved.provider} is not one Flagger knows: its router factory falls back to Istio, shown here.`);
  }
  // The mesh router reconciles for every target kind, Service targets included (scheduler.go:advanceCanary).
  if (family !== "kubernetes") {
    const generate = GENERATORS[family];
    if (generate) {
      const routing = generate(input);
      resources.push(...routing.resources);
      notes.push(...routing.notes);
    } else {
      notes.push(`The ${resolved.provider} routing objects are not rendered yet: only the Services and the primary workload are shown.`);
    }
  }
  return {
    name: resolved.canary.name ?? "",
    ...(resolved.canary.namespace !== undefined ? { namespace: resolved.canary.namespace } : {}),
    provider: resolved.provider,
    resources,
    notes,
  };
}
