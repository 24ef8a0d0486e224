/**
 * The shape of generated routing resources. One generator per provider (one file each) turns a
 * resolved Canary into the Kubernetes objects Flagger creates (docs/flagger-routing.md); index.ts picks
 * the generators for a Canary's provider and puts the results together.
 */
import type { ResolvedCanary } from "../canary/resolve.js";
import type { ControllerSettings } from "../canary/settings.js";

/** A plain Kubernetes object, ready to be printed as YAML or JSON. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: unknown[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/**
 * The routes of a SetRoutes call (docs/flagger-routing.md §8). Absent: the objects as Reconcile
 * creates them on initialization (primary 100, canary 0, no mirror).
 */
export interface RouteWeights {
  primaryWeight: number;
  canaryWeight: number;
  mirrored: boolean;
}

export interface RoutingInput {
  resolved: ResolvedCanary;
  settings: ControllerSettings;
  routes?: RouteWeights;
}

/** What one provider file produces. */
export interface ProviderRouting {
  resources: KubernetesObject[];
  /** Assumptions and gaps, for people ("target Deployment not in the repository: ports unknown" …). */
  notes: string[];
}

/** Everything Flagger creates for one Canary. */
export interface GeneratedRouting {
  name: string;
  namespace?: string;
  provider: string;
  resources: KubernetesObject[];
  notes: string[];
}
