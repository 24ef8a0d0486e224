/**
 * SMI TrafficSplit for linkerd, osm and smi:* providers (docs/flagger-routing.md §7; `smi.go`,
 * `smi_v1alpha2.go`, `smi_v1alpha3.go`): canary backend first, weights rewritten by SetRoutes.
 */
import { buildOwnerReference, buildServiceNames, namespaceOf } from "./kubernetes.js";
import type { KubernetesObject, ProviderRouting, RoutingInput } from "./types.js";

/** The TrafficSplit apiVersion and target mesh of a provider (`factory.go: MeshRouter`). */
export function describeSmiProvider(provider: string): { apiVersion: string; version: "v1alpha1" | "v1alpha2" | "v1alpha3"; mesh: string } {
  if (provider === "linkerd") return { apiVersion: "split.smi-spec.io/v1alpha1", version: "v1alpha1", mesh: "linkerd" };
  if (provider === "osm") return { apiVersion: "split.smi-spec.io/v1alpha2", version: "v1alpha2", mesh: "osm" };
  for (const version of ["v1alpha1", "v1alpha2", "v1alpha3"] as const) {
    const prefix = `smi:${version}`;
    if (provider.startsWith(prefix)) {
      // strings.TrimPrefix(provider, "smi:vX:"): without a mesh suffix the whole string remains.
      const mesh = provider.startsWith(`${prefix}:`) ? provider.slice(prefix.length + 1) : provider;
      return { apiVersion: `split.smi-spec.io/${version}`, version, mesh };
    }
  }
  return { apiVersion: "split.smi-spec.io/v1alpha1", version: "v1alpha1", mesh: provider };
}

export function generateSmiRoutes(input: RoutingInput): ProviderRouting {
  const { resolved } = input;
  const notes: string[] = [];
  const names = buildServiceNames(resolved);
  const service = resolved.canary.spec.service ?? {};
  const { apiVersion, version, mesh } = describeSmiProvider(resolved.provider);
  const routes = input.routes ?? { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  if (routes.mirrored) notes.push("SMI TrafficSplits cannot mirror traffic.");
  if ((resolved.canary.spec.analysis?.match ?? []).length > 0) notes.push("SMI TrafficSplits have no A/B routing: analysis.match is ignored by the router.");
  // v1alpha1 weights are resource.Quantity values, serialized as strings (§7).
  const weight = (w: number) => (version === "v1alpha1" ? String(w) : w);
  const gateways = service.gateways ?? [];
  const annotations = mesh === "istio" && gateways.length > 0 ? { "VirtualService.v1alpha3.networking.istio.io/spec.gateways": JSON.stringify(gateways) } : undefined;
  const split: KubernetesObject = {
    apiVersion,
    kind: "TrafficSplit",
    metadata: { name: names.apex, ...namespaceOf(resolved), ...(annotations ? { annotations } : {}), ownerReferences: [buildOwnerReference(resolved)] },
    spec: {
      service: (service.hosts ?? [])[0] ?? names.apex,
      backends: [
        { service: names.canary, weight: weight(routes.canaryWeight) },
        { service: names.primary, weight: weight(routes.primaryWeight) },
      ],
    },
  };
  return { resources: [split], notes };
}
