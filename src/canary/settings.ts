/**
 * Flagger controller flags that change what a Canary means. They are not in the Canary; the
 * repository config (`.github/canary-bot.yml`, `controller:`) states them. Defaults are Flagger's
 * own (cmd/flagger/main.go, v1.44).
 */
export interface ControllerSettings {
  /** `-mesh-provider`: the provider of Canaries without `spec.provider`. */
  meshProvider: string;
  /** `-selector-labels`: the label keys Flagger looks for in the target's selector, in order. */
  selectorLabels: string[];
  /** `-ingress-annotations-prefix` (NGINX). */
  ingressAnnotationsPrefix: string;
  /** `-include-label-prefix`: label prefixes copied to the primary workload. */
  includeLabelPrefix: string[];
  /** `-ingress-class` (Contour HTTPProxy `ingressClassName`). */
  ingressClass: string;
  /** `-no-cross-namespace-refs`. */
  noCrossNamespaceRefs: boolean;
  /** `-enable-config-tracking`. */
  enableConfigTracking: boolean;
  /** `-metrics-server`: Prometheus for built-in metrics and inline queries. */
  metricsServer: string;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
  meshProvider: "istio",
  selectorLabels: ["app", "name", "app.kubernetes.io/name"],
  ingressAnnotationsPrefix: "nginx.ingress.kubernetes.io",
  includeLabelPrefix: [],
  ingressClass: "",
  noCrossNamespaceRefs: false,
  enableConfigTracking: true,
  metricsServer: "http://prometheus:9090",
};

/** The provider a Canary runs with: `spec.provider`, else the controller's `-mesh-provider`. */
export function resolveProvider(spec: { provider?: string } | undefined, settings: ControllerSettings): string {
  const provider = spec?.provider?.trim();
  return provider ? provider : settings.meshProvider;
}

/**
 * The router family of a provider string, matched the way Flagger's router factory does
 * (docs/flagger-routing.md §0): exact names, prefixes for appmesh:v1beta2, smi:*, gloo*, gatewayapi:*,
 * and Istio for anything unknown.
 */
export type RouterFamily =
  | "istio"
  | "gatewayapi"
  | "nginx"
  | "smi"
  | "linkerd"
  | "osm"
  | "contour"
  | "gloo"
  | "appmesh"
  | "kuma"
  | "skipper"
  | "traefik"
  | "apisix"
  | "knative"
  | "kubernetes";

export function routerFamily(provider: string): RouterFamily {
  // A bare `gatewayapi` matches no router case and falls back to Istio (docs/flagger-scheduler.md §1.1).
  if (provider.startsWith("gatewayapi:")) return "gatewayapi";
  if (provider.startsWith("smi:")) return "smi";
  if (provider.startsWith("gloo")) return "gloo";
  if (provider.startsWith("appmesh")) return "appmesh";
  switch (provider) {
    case "istio":
    case "nginx":
    case "linkerd":
    case "osm":
    case "contour":
    case "kuma":
    case "skipper":
    case "traefik":
    case "apisix":
    case "knative":
    case "kubernetes":
      return provider;
    default:
      return "istio";
  }
}
