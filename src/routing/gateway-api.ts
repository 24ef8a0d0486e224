/**
 * Gateway API: the HTTPRoute Flagger writes for `gatewayapi:v1` (and its `v1beta1` twin),
 * docs/flagger-routing.md §5.
 */
import { parseGoDuration } from "../canary/duration.js";
import type { ResolvedCanary } from "../canary/resolve.js";
import { buildCookie, mergeMatches, placeholderCookieValue } from "./istio.js";
import { buildOwnerReference, buildRoutingMetadata, buildServiceNames, namespaceOf } from "./kubernetes.js";
import type { KubernetesObject, ProviderRouting, RoutingInput } from "./types.js";

type Match = Record<string, unknown>;
type Rule = Record<string, unknown>;

export function generateGatewayApiRoutes(input: RoutingInput): ProviderRouting {
  const { resolved } = input;
  const notes: string[] = [];
  const spec = resolved.canary.spec;
  const service = spec.service ?? {};
  const names = buildServiceNames(resolved);
  const gatewayRefs = service.gatewayRefs ?? [];
  if (gatewayRefs.length === 0) {
    notes.push('service.gatewayRefs is empty: Flagger fails with "GatewayRefs must be specified when using Gateway API as a provider." and writes no HTTPRoute (Flagger v1.44 pkg/router/gateway_api.go).');
    return { resources: [], notes };
  }
  const apiVersion = resolved.provider.startsWith("gatewayapi:v1beta1") ? "gateway.networking.k8s.io/v1beta1" : "gateway.networking.k8s.io/v1";
  const routes = input.routes ?? { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  const port = service.port ?? 0;
  const backend = (name: string, weight: number): Record<string, unknown> => ({ group: "", kind: "Service", name, port, weight });

  const serviceMatches = convertMatches((service.match ?? []) as Match[], notes, "service.match");
  const defaultMatches = serviceMatches.length > 0 ? serviceMatches : [{ path: { type: "PathPrefix", value: "/" } }];
  const filters = buildFilters(resolved, notes);
  const timeouts = service.timeout || service.backendTimeout ? { timeouts: { ...(service.timeout ? { request: service.timeout } : {}), ...(service.backendTimeout ? { backendRequest: service.backendTimeout } : {}) } } : {};
  const rule = (matches: Match[], backendRefs: Array<Record<string, unknown>>, extraFilters: Array<Record<string, unknown>> = []): Rule => {
    const all = [...filters, ...extraFilters];
    return { matches: structuredClone(matches), ...(all.length > 0 ? { filters: structuredClone(all) } : {}), backendRefs, ...structuredClone(timeouts) };
  };

  const analysisMatch = (spec.analysis?.match ?? []) as Match[];
  let rules: Rule[];
  if (analysisMatch.length > 0) {
    // Conversion errors in analysis.match are ignored by Flagger: the rule falls back to the plain
    // service/default match (§5 QUIRK).
    const converted = convertAnalysisMatches(analysisMatch);
    if (converted === undefined) notes.push("An analysis.match header or query parameter uses a match type other than exact or regex: Flagger drops the A/B condition, so once the test starts ALL traffic goes to the canary (Flagger v1.44 pkg/router/gateway_api.go).");
    const abMatches = converted === undefined ? defaultMatches : mergeMatches(converted, defaultMatches, ["headers", "queryParams"]);
    rules = [rule(abMatches, [backend(names.primary, routes.primaryWeight), backend(names.canary, routes.canaryWeight)]), rule(defaultMatches, [backend(names.primary, 100)])];
  } else {
    const weighted = [backend(names.primary, routes.primaryWeight), backend(names.canary, routes.canaryWeight)];
    const mirror = routes.mirrored && (spec.analysis?.iterations ?? 0) > 0 ? [{ type: "RequestMirror", requestMirror: { backendRef: { group: "", kind: "Service", name: names.canary, port } } }] : [];
    if (routes.mirrored && mirror.length === 0) notes.push("The Gateway API router mirrors only for blue/green (iterations > 0): a progressive mirror step is never applied (Flagger v1.44 pkg/router/gateway_api.go).");
    const affinity = spec.analysis?.sessionAffinity;
    if (affinity?.cookieName && input.routes !== undefined) {
      rules = buildStickyRules({ resolved, rule, weighted, serviceMatches, defaultMatches, routes, notes, backend: (n, w) => backend(n, w) });
      if (mirror.length > 0) notes.push("Mirroring with session affinity is not modelled for Gateway API.");
    } else {
      rules = [rule(defaultMatches, weighted, mirror)];
    }
  }

  const metadata = buildRoutingMetadata(resolved);
  const route: KubernetesObject = {
    apiVersion,
    kind: "HTTPRoute",
    metadata: { name: names.apex, ...namespaceOf(resolved), ...metadata, ownerReferences: [buildOwnerReference(resolved)] },
    spec: {
      parentRefs: gatewayRefs.map((ref) => {
        const r = ref as Record<string, unknown>;
        return Object.fromEntries(["group", "kind", "namespace", "name", "sectionName", "port"].filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
      }),
      ...((service.hosts ?? []).length > 0 ? { hostnames: [...service.hosts!] } : {}),
      rules,
    },
  };
  return { resources: [route], notes };
}

function buildStickyRules(params: {
  resolved: ResolvedCanary;
  rule: (matches: Match[], backendRefs: Array<Record<string, unknown>>, extraFilters?: Array<Record<string, unknown>>) => Rule;
  weighted: Array<Record<string, unknown>>;
  serviceMatches: Match[];
  defaultMatches: Match[];
  routes: { primaryWeight: number; canaryWeight: number };
  notes: string[];
  backend: (name: string, weight: number) => Record<string, unknown>;
}): Rule[] {
  const { resolved, rule, weighted, serviceMatches, defaultMatches, routes, notes, backend } = params;
  const analysis = resolved.canary.spec.analysis!;
  const affinity = analysis.sessionAffinity!;
  const names = buildServiceNames(resolved);
  const cookie = `${affinity.cookieName}=${placeholderCookieValue(resolved, "canary")}`;
  notes.push(`Session affinity cookie values are 10 random letters chosen by Flagger at the first step of a run; ${cookie.split("=")[1]} stands for them here.`);
  // Sticky rules merge with the service matches only, never with the default "/" (§5).
  const cookieMatches = (value: string): Match[] => {
    const header = { headers: [{ type: "RegularExpression", name: "Cookie", value: `.*${value.split("=")[0]}.*${value.slice(value.indexOf("=") + 1)}.*` }] };
    return serviceMatches.length === 0 ? [header] : serviceMatches.map((s) => ({ ...structuredClone(s), headers: header.headers }));
  };
  const setCookie = (value: string) => [{ type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "Set-Cookie", value }] } }];
  if (routes.canaryWeight !== 0) {
    const maxAge = affinity.maxAge && affinity.maxAge > 0 ? affinity.maxAge : 86400;
    const canaryBackend = { ...weighted[1]!, filters: setCookie(buildCookie(cookie, maxAge, affinity)) };
    let primaryBackend = weighted[0]!;
    const rules = [rule(cookieMatches(cookie), [backend(names.primary, 0), backend(names.canary, 100)])];
    if (affinity.primaryCookieName) {
      const primaryCookie = `${affinity.primaryCookieName}=${placeholderCookieValue(resolved, "primary")}`;
      const intervalMs = analysis.interval ? parseGoDuration(analysis.interval) : undefined;
      if (intervalMs !== undefined) primaryBackend = { ...primaryBackend, filters: setCookie(buildCookie(primaryCookie, Math.trunc(intervalMs / 1000), affinity)) };
      else notes.push("primaryCookieName needs analysis.interval to parse as a Go duration: Flagger's SetRoutes fails here.");
      rules.push(rule(cookieMatches(primaryCookie), [backend(names.primary, 100), backend(names.canary, 0)]));
    }
    rules.push(rule(defaultMatches, [primaryBackend, canaryBackend]));
    return rules;
  }
  notes.push("At canary weight 0 after a run, Flagger expires the run's cookie with a rule that matches it (Flagger v1.44 pkg/router/gateway_api.go).");
  return [rule(cookieMatches(cookie), weighted, [{ type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "Set-Cookie", value: `${cookie}; Max-Age=-1` }] } }]), rule(defaultMatches, weighted)];
}

/** Rule filters in Flagger's order (§5): request/response headers, URL rewrite, mirrors, CORS. */
function buildFilters(resolved: ResolvedCanary, notes: string[]): Array<Record<string, unknown>> {
  const service = resolved.canary.spec.service ?? {};
  const filters: Array<Record<string, unknown>> = [];
  const modifier = (ops: { add?: Record<string, string>; set?: Record<string, string>; remove?: string[] } | undefined) => {
    if (!ops) return undefined;
    const pairs = (map: Record<string, string> | undefined) => Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value }));
    const out: Record<string, unknown> = {};
    if (ops.add && Object.keys(ops.add).length > 0) out.add = pairs(ops.add);
    if (ops.set && Object.keys(ops.set).length > 0) out.set = pairs(ops.set);
    if (ops.remove && ops.remove.length > 0) out.remove = [...ops.remove];
    return out;
  };
  const request = modifier(service.headers?.request as never);
  if (request) filters.push({ type: "RequestHeaderModifier", requestHeaderModifier: request });
  const response = modifier(service.headers?.response as never);
  if (response) filters.push({ type: "ResponseHeaderModifier", responseHeaderModifier: response });
  if (service.rewrite && (service.rewrite.uri || service.rewrite.authority)) {
    const rewrite = service.rewrite;
    filters.push({
      type: "URLRewrite",
      urlRewrite: {
        ...(rewrite.authority ? { hostname: rewrite.authority } : {}),
        ...(rewrite.uri
          ? { path: rewrite.type === "ReplacePrefixMatch" ? { type: "ReplacePrefixMatch", replacePrefixMatch: rewrite.uri } : { type: "ReplaceFullPath", replaceFullPath: rewrite.uri } }
          : {}),
      },
    });
  }
  for (const mirror of service.mirror ?? []) filters.push({ type: "RequestMirror", requestMirror: structuredClone(mirror) });
  const cors = service.corsPolicy;
  if (cors) {
    if ((cors.allowOrigins ?? []).length > 0) notes.push("corsPolicy.allowOrigins patterns are ignored by the Gateway API router (only allowOrigin is used).");
    const maxAgeMs = cors.maxAge ? parseGoDuration(cors.maxAge) : undefined;
    filters.push({
      type: "CORS",
      cors: {
        ...(cors.allowOrigin ? { allowOrigins: [...cors.allowOrigin] } : {}),
        ...(cors.allowMethods ? { allowMethods: [...cors.allowMethods] } : {}),
        ...(cors.allowHeaders ? { allowHeaders: [...cors.allowHeaders] } : {}),
        ...(cors.exposeHeaders ? { exposeHeaders: [...cors.exposeHeaders] } : {}),
        ...(cors.allowCredentials === true ? { allowCredentials: true } : {}),
        ...(maxAgeMs !== undefined ? { maxAge: Math.trunc(maxAgeMs / 1000) } : {}),
      },
    });
  }
  return filters;
}

const STRING_MATCH_TYPES: Array<[string, string]> = [
  ["exact", "Exact"],
  ["regex", "RegularExpression"],
];

/** `service.match` (Istio-style) to HTTPRoute matches (§5); unsupported forms are reported. */
function convertMatches(matches: readonly Match[], notes: string[], where: string): Match[] {
  const out: Match[] = [];
  for (const match of matches) {
    const converted: Match = {};
    const uri = match.uri as Record<string, string> | undefined;
    if (uri) {
      if (uri.regex) converted.path = { type: "RegularExpression", value: uri.regex };
      else if (uri.exact) converted.path = { type: "Exact", value: uri.exact };
      else if (uri.prefix) converted.path = { type: "PathPrefix", value: uri.prefix };
      else notes.push(`${where}: a uri match other than exact, prefix or regex makes Flagger's Gateway API router fail.`);
    }
    const method = match.method as Record<string, string> | undefined;
    if (method?.exact) converted.method = method.exact;
    const headers = convertStringMatches(match.headers);
    if (headers === undefined) notes.push(`${where}: a header match other than exact or regex makes Flagger's Gateway API router fail.`);
    else if (headers.length > 0) converted.headers = headers;
    const query = convertStringMatches(match.queryParams);
    if (query === undefined) notes.push(`${where}: a query parameter match other than exact or regex makes Flagger's Gateway API router fail.`);
    else if (query.length > 0) converted.queryParams = query;
    if (Object.keys(converted).length > 0) out.push(converted);
  }
  return out;
}

/** Analysis matches keep only headers and query parameters; undefined when one cannot convert. */
function convertAnalysisMatches(matches: readonly Match[]): Match[] | undefined {
  const out: Match[] = [];
  for (const match of matches) {
    const headers = convertStringMatches(match.headers);
    const query = convertStringMatches(match.queryParams);
    if (headers === undefined || query === undefined) return undefined;
    out.push({ ...(headers.length > 0 ? { headers } : {}), ...(query.length > 0 ? { queryParams: query } : {}) });
  }
  return out;
}

/** Header or query matches sorted by name (Flagger iterates a Go map: the order is random). */
function convertStringMatches(value: unknown): Array<Record<string, string>> | undefined {
  if (value === undefined || value === null) return [];
  const out: Array<Record<string, string>> = [];
  for (const [name, condition] of Object.entries(value as Record<string, Record<string, string>>).sort(([a], [b]) => a.localeCompare(b))) {
    const found = STRING_MATCH_TYPES.find(([key]) => condition?.[key] !== undefined);
    if (!found) return undefined;
    out.push({ type: found[1], name, value: condition[found[0]]! });
  }
  return out;
}
