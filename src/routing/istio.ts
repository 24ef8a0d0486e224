/**
 * Istio: the two DestinationRules and the VirtualService Flagger writes (docs/flagger-routing.md §4),
 * as Reconcile creates them, or after a SetRoutes with given weights (§8): weighted canary and
 * blue/green, A/B matches, mirroring, session affinity cookies, delegation, TCP.
 */
import { parseGoDuration } from "../canary/duration.js";
import type { ResolvedCanary } from "../canary/resolve.js";
import { buildOwnerReference, buildRoutingMetadata, buildServiceNames, namespaceOf, type ServiceNames } from "./kubernetes.js";
import type { KubernetesObject, ProviderRouting, RouteWeights, RoutingInput } from "./types.js";

const API_VERSION = "networking.istio.io/v1beta1";

type Match = Record<string, unknown>;
type Destination = Record<string, unknown>;
type HttpRoute = Record<string, unknown>;

export function generateIstioRoutes(input: RoutingInput): ProviderRouting {
  const { resolved } = input;
  const notes: string[] = [];
  const names = buildServiceNames(resolved);
  const service = resolved.canary.spec.service ?? {};
  const resources: KubernetesObject[] = [buildDestinationRule(resolved, names.canary), buildDestinationRule(resolved, names.primary)];

  const delegation = service.delegation === true;
  if (delegation && ((service.hosts ?? []).length > 0 || (service.gateways ?? []).length > 0)) {
    // §4.2: Reconcile fails after the DestinationRules were written.
    notes.push(`delegation is on while service.hosts or service.gateways is set: Flagger fails with "VirtualService ${names.apex}.${resolved.canary.namespace ?? "<namespace>"} cannot have hosts and gateways when delegation enabled" and writes no VirtualService.`);
    return { resources, notes };
  }
  const gateways = service.gateways ?? [];
  const hosts = delegation ? [] : buildHosts(service.hosts ?? [], names.apex);
  const withPort = service.portDiscovery === true && ((gateways.length > 0 && gateways[0] !== "mesh") || delegation);
  const destination = (host: string): Destination => (withPort ? { host, port: { number: service.port ?? 0 } } : { host });
  const routes: RouteWeights = input.routes ?? { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  const tcp = (service.appProtocol ?? "").toLowerCase() === "tcp";

  const spec: Record<string, unknown> = { hosts };
  if (!delegation) spec.gateways = gateways.length > 0 ? [...gateways] : ["mesh"];
  if (tcp) {
    const matches = (service.match ?? []).map((m) => ({ port: (m as Match).port }));
    spec.tcp = [
      {
        ...(matches.length > 0 ? { match: matches } : {}),
        route: [
          { destination: destination(names.primary), weight: routes.primaryWeight },
          { destination: destination(names.canary), weight: routes.canaryWeight },
        ],
      },
    ];
    if (routes.mirrored) notes.push("Istio does not mirror TCP traffic: the mirror flag has no effect (Flagger v1.44 pkg/router/istio.go).");
  } else {
    spec.http = buildHttpRoutes({ resolved, names, routes, destination, setRoutes: input.routes !== undefined, notes });
  }
  const metadata = buildRoutingMetadata(resolved);
  resources.push({
    apiVersion: API_VERSION,
    kind: "VirtualService",
    metadata: { name: names.apex, ...namespaceOf(resolved), ...metadata, ownerReferences: [buildOwnerReference(resolved)] },
    spec,
  });
  return { resources, notes };
}

function buildDestinationRule(resolved: ResolvedCanary, name: string): KubernetesObject {
  const trafficPolicy = resolved.canary.spec.service?.trafficPolicy;
  return {
    apiVersion: API_VERSION,
    kind: "DestinationRule",
    metadata: { name, ...namespaceOf(resolved), ownerReferences: [buildOwnerReference(resolved)] },
    spec: { host: name, ...(trafficPolicy !== undefined ? { trafficPolicy: structuredClone(trafficPolicy) } : {}) },
  };
}

/** `service.hosts`, with the apex name appended unless it (or `*`) is there (§4.2). */
function buildHosts(hosts: readonly string[], apex: string): string[] {
  return hosts.includes(apex) || hosts.includes("*") ? [...hosts] : [...hosts, apex];
}

function buildHttpRoutes(params: {
  resolved: ResolvedCanary;
  names: ServiceNames;
  routes: RouteWeights;
  destination: (host: string) => Destination;
  setRoutes: boolean;
  notes: string[];
}): HttpRoute[] {
  const { resolved, names, routes, destination, notes } = params;
  const spec = resolved.canary.spec;
  const service = spec.service ?? {};
  const serviceMatch = (service.match ?? []) as Match[];
  const analysisMatch = (spec.analysis?.match ?? []) as Match[];
  // Route-level fields shared by every HTTP route Flagger writes (§4.2), in Istio's field order.
  const common = (match: Match[] | undefined, route: Destination[]): HttpRoute => ({
    ...(match && match.length > 0 ? { match: structuredClone(match) } : {}),
    route,
    // GetIstioRewrite returns a non-nil rewrite whenever service.rewrite is set: `rewrite: {}` when it has only `type` (§4.2).
    ...(service.rewrite ? { rewrite: { ...(service.rewrite.uri ? { uri: service.rewrite.uri } : {}), ...(service.rewrite.authority ? { authority: service.rewrite.authority } : {}) } } : {}),
    ...(service.timeout ? { timeout: service.timeout } : {}),
    ...(service.retries
      ? { retries: { attempts: service.retries.attempts ?? 0, ...(service.retries.perTryTimeout ? { perTryTimeout: service.retries.perTryTimeout } : {}), ...(service.retries.retryOn ? { retryOn: service.retries.retryOn } : {}) } }
      : {}),
    ...(service.corsPolicy ? { corsPolicy: structuredClone(service.corsPolicy) } : {}),
    ...(service.headers ? { headers: structuredClone(service.headers) } : {}),
  });
  const weighted = (p: number, c: number): Destination[] => [
    { destination: destination(names.primary), weight: p },
    { destination: destination(names.canary), weight: c },
  ];

  // A/B (§4.4): the router looks only at analysis.match, whatever the strategy (§1.6 QUIRK).
  if (analysisMatch.length > 0) {
    if (routes.mirrored) notes.push("With analysis.match the A/B layout replaces everything: no mirror is written (Flagger v1.44 pkg/router/istio.go).");
    return [
      common(mergeMatches(analysisMatch, serviceMatch), weighted(routes.primaryWeight, routes.canaryWeight)),
      // The fallback's single primary destination carries the primary weight (§4.4 QUIRK).
      common(serviceMatch, [{ destination: destination(names.primary), weight: routes.primaryWeight }]),
    ];
  }

  const affinity = spec.analysis?.sessionAffinity;
  let http: HttpRoute[];
  // SetRoutes tests only that sessionAffinity is set (§4.6); Reconcile never writes sticky routes.
  const stickyNotes: string[] = [];
  const sticky = affinity && params.setRoutes ? buildStickyRoutes({ resolved, common, weighted, routes, serviceMatch, notes: stickyNotes }) : undefined;
  if (sticky === "failed") {
    notes.push(
      `analysis.sessionAffinity.primaryCookieName is set but analysis.interval (${JSON.stringify(spec.analysis?.interval ?? "")}) is not a Go duration: Flagger's SetRoutes fails with "failed to parse canary interval" and leaves the VirtualService as it was, shown here as on initialization (Flagger v1.44 pkg/router/istio.go). Set analysis.interval, e.g. 1m.`,
    );
    return [common(serviceMatch, weighted(100, 0))];
  }
  if (sticky) {
    notes.push(...stickyNotes);
    http = sticky;
  } else {
    http = [common(serviceMatch, weighted(routes.primaryWeight, routes.canaryWeight))];
  }
  if (routes.mirrored) {
    // §4.5: on http[0], the sticky route when session affinity is active (QUIRK).
    const mirrorWeight = spec.analysis?.mirrorWeight ?? 0;
    http[0] = withMirror(http[0]!, { host: names.canary }, mirrorWeight > 0 ? { value: mirrorWeight } : undefined);
  }
  return http;
}

/**
 * Session affinity in SetRoutes (§4.6): while the canary has traffic, cookie-matching routes pin
 * sessions and the weighted route sets the cookies; at weight 0 the previous cookie is expired.
 */
function buildStickyRoutes(params: {
  resolved: ResolvedCanary;
  common: (match: Match[] | undefined, route: Destination[]) => HttpRoute;
  weighted: (p: number, c: number) => Destination[];
  routes: RouteWeights;
  serviceMatch: Match[];
  notes: string[];
}): HttpRoute[] | "failed" {
  const { resolved, common, weighted, routes, serviceMatch, notes } = params;
  const analysis = resolved.canary.spec.analysis!;
  const affinity = analysis.sessionAffinity!;
  const cookie = `${affinity.cookieName ?? ""}=${placeholderCookieValue(resolved, "canary")}`;
  notes.push(
    `Session affinity cookie values are 10 random letters Flagger chooses at the first step of a run (status.sessionAffinityCookie); ${cookie.slice(cookie.indexOf("=") + 1)}, derived from the Canary's namespace and name, stands for them here.`,
  );
  const cookieMatch = (value: string): Match[] => mergeMatches([{ headers: { Cookie: { regex: `.*${value.split("=")[0]}.*${value.slice(value.indexOf("=") + 1)}.*` } } }], serviceMatch);

  if (routes.canaryWeight !== 0) {
    const maxAge = affinity.maxAge && affinity.maxAge > 0 ? affinity.maxAge : 86400;
    const route = weighted(routes.primaryWeight, routes.canaryWeight);
    (route[1] as Destination).headers = { response: { add: { "Set-Cookie": buildCookie(cookie, maxAge, affinity) } } };
    const http = [common(cookieMatch(cookie), weighted(0, 100))];
    if (affinity.primaryCookieName) {
      const primaryCookie = `${affinity.primaryCookieName}=${placeholderCookieValue(resolved, "primary")}`;
      // The primary cookie lives one analysis interval, parsed with time.ParseDuration (§4.6).
      const intervalMs = analysis.interval ? parseGoDuration(analysis.interval) : undefined;
      if (intervalMs === undefined) return "failed";
      (route[0] as Destination).headers = { response: { add: { "Set-Cookie": buildCookie(primaryCookie, Math.trunc(intervalMs / 1000), affinity) } } };
      http.push(common(cookieMatch(primaryCookie), weighted(100, 0)));
    }
    http.push(common(params.serviceMatch, route));
    return http;
  }
  // Weight 0 after a run: the previous cookie is expired by a route-level Set-Cookie (§4.6).
  notes.push("At canary weight 0 after a run, Flagger expires the run's cookie with a route that matches it; before any run the two routes are identical (Flagger v1.44 pkg/router/istio.go).");
  const weightedRoute = common(serviceMatch, weighted(routes.primaryWeight, routes.canaryWeight));
  const expire = common(cookieMatch(cookie), weighted(routes.primaryWeight, routes.canaryWeight));
  const expiry = `${cookie}; Max-Age=-1`;
  const service = resolved.canary.spec.service ?? {};
  if (service.headers) {
    // Pointer aliasing in Flagger: the expire route shares service.headers with the weighted
    // route, so both show the Set-Cookie (§4.6 QUIRK).
    for (const route of [expire, weightedRoute]) addSetCookie(route, expiry);
  } else {
    expire.headers = { response: { add: { "Set-Cookie": expiry } } };
  }
  return [expire, weightedRoute];
}

/** Istio's HTTPRoute field order (match, route, rewrite, timeout, retries, mirror, mirrorPercentage, corsPolicy, headers). */
function withMirror(route: HttpRoute, mirror: Destination, percentage: { value: number } | undefined): HttpRoute {
  const { corsPolicy, headers, ...rest } = route;
  return {
    ...rest,
    mirror,
    ...(percentage ? { mirrorPercentage: percentage } : {}),
    ...(corsPolicy !== undefined ? { corsPolicy } : {}),
    ...(headers !== undefined ? { headers } : {}),
  };
}

function addSetCookie(route: HttpRoute, value: string): void {
  const headers = (route.headers ?? {}) as Record<string, Record<string, unknown>>;
  const response = (headers.response ?? {}) as Record<string, unknown>;
  response.add = { ...((response.add as Record<string, string>) ?? {}), "Set-Cookie": value };
  headers.response = response;
  route.headers = headers;
}

/** `SessionAffinity.BuildCookie`: attributes in Flagger's fixed order (§4.6). */
export function buildCookie(
  cookie: string,
  maxAge: number,
  affinity: { domain?: string; httpOnly?: boolean; partitioned?: boolean; path?: string; sameSite?: string; secure?: boolean },
): string {
  return [
    `${cookie}; Max-Age=${maxAge}`,
    affinity.domain ? `; Domain=${affinity.domain}` : "",
    affinity.httpOnly ? "; HttpOnly" : "",
    affinity.partitioned ? "; Partitioned" : "",
    affinity.path ? `; Path=${affinity.path}` : "",
    affinity.sameSite ? `; SameSite=${affinity.sameSite}` : "",
    affinity.secure ? "; Secure" : "",
  ].join("");
}

/** Ten letters derived from the Canary's name: stable across reviews, unlike Flagger's random ones. */
export function placeholderCookieValue(resolved: ResolvedCanary, which: "canary" | "primary"): string {
  let hash = 2166136261;
  for (const char of `${resolved.canary.namespace ?? ""}/${resolved.canary.name ?? ""}/${which}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  }
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += letters[hash % letters.length];
    hash = Math.imul(hash ^ (i + 1), 16777619) >>> 0;
  }
  return out;
}

/**
 * `mergeMatchConditions` (§4.4): with no service match, the analysis matches verbatim; otherwise one
 * copy of each service match per analysis match (analysis-major), with only the `replaced` fields
 * taken from the analysis match — headers and sourceLabels for Istio, headers and queryParams for
 * Gateway API (§5).
 */
export function mergeMatches(analysis: readonly Match[], service: readonly Match[], replaced: readonly string[] = ["headers", "sourceLabels"]): Match[] {
  if (service.length === 0) return analysis.map((m) => structuredClone(m));
  const out: Match[] = [];
  for (const a of analysis) {
    for (const s of service) {
      const merged = structuredClone(s);
      for (const field of replaced) if (a[field] !== undefined) merged[field] = structuredClone(a[field]);
      out.push(merged);
    }
  }
  return out;
}
