/**
 * The queries Flagger runs for a Canary's metrics, rendered with the Canary's values
 * (docs/flagger-scheduler.md §6): the built-in `request-success-rate` and `request-duration` of the
 * observer its provider selects, inline `query` metrics, and `templateRef` metrics with their
 * MetricTemplate's query when the template is in the repository.
 */
import type { CanaryMetric } from "../canary/crd.js";
import type { ResolvedCanary } from "../canary/resolve.js";
import type { ControllerSettings } from "../canary/settings.js";
import { codeBlock, codeSpan, escapeText } from "../markdown/escape.js";

export type Observer =
  | "istio"
  | "linkerd"
  | "appmesh"
  | "nginx"
  | "contour"
  | "gloo"
  | "kuma"
  | "skipper"
  | "traefik"
  | "apisix"
  | "osm"
  | "knative"
  | "http";

export interface MetricQuery {
  name: string;
  source: "builtin" | "query" | "template";
  /** The observer of a built-in metric, or the provider type of a template ("prometheus", "datadog" …). */
  provider: string;
  interval?: string;
  query?: string;
  thresholdRange?: { min?: number; max?: number };
  notes: string[];
}

export type BuiltinName = "request-success-rate" | "request-duration";

/** §6.2, with the whitespace collapsed as Flagger's trimQuery does. */
export const BUILTIN_QUERIES: Record<Observer, Record<BuiltinName, string>> = {
  istio: {
    "request-success-rate": `sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}", response_code!~"5.*"}[{{ interval }}])) / sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}"}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination", destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}"}[{{ interval }}])) by (le))`,
  },
  linkerd: {
    "request-success-rate": `sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}", classification!="failure", direction="inbound"}[{{ interval }}])) / sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}", direction="inbound"}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="{{ namespace }}", deployment=~"{{ target }}", direction="inbound"}[{{ interval }}])) by (le))`,
  },
  appmesh: {
    "request-success-rate": `sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) by (le))`,
  },
  nginx: {
    "request-success-rate": `sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}", ingress="{{ ingress }}", canary!="", status!~"5.*"}[{{ interval }}])) / sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}", ingress="{{ ingress }}", canary!=""}[{{ interval }}])) * 100`,
    "request-duration": `sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="{{ namespace }}", ingress="{{ ingress }}", canary!=""}[{{ interval }}])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace="{{ namespace }}", ingress="{{ ingress }}", canary!=""}[{{ interval }}])) * 1000`,
  },
  contour: {
    "request-success-rate": `sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+", envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+",}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+",}[{{ interval }}])) by (le))`,
  },
  gloo: {
    "request-success-rate": `sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+",}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+",}[{{ interval }}])) by (le))`,
  },
  kuma: {
    "request-success-rate": `sum(rate(envoy_cluster_upstream_rq{service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+", envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+",}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+",}[{{ interval }}])) by (le))`,
  },
  skipper: {
    "request-success-rate": `sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",code!~"5..",le="+Inf"}[{{ interval }}])) / sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",le="+Inf"}[{{ interval }}])) * 100`,
    "request-duration": `sum(rate(skipper_serve_route_duration_seconds_sum{route=~"{{ $route }}"}[{{ interval }}])) / sum(rate(skipper_serve_route_duration_seconds_count{route=~"{{ $route }}"}[{{ interval }}])) * 1000`,
  },
  traefik: {
    "request-success-rate": `sum(rate(traefik_service_request_duration_seconds_bucket{service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd", code!~"5..", le="+Inf"}[{{ interval }}])) / sum(rate(traefik_service_request_duration_seconds_bucket{service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd", le="+Inf"}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"}[{{ interval }}])) by (le)) * 1000`,
  },
  apisix: {
    "request-success-rate": `sum(rate(apisix_http_status{route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+", code!~"5.."}[{{ interval }}])) / sum(rate(apisix_http_status{route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(apisix_http_latency_bucket{type=~"request", route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"}[{{ interval }}])) by (le))`,
  },
  osm: {
    "request-success-rate": `sum(rate(osm_request_total{destination_namespace="{{ namespace }}", destination_kind="Deployment", destination_name="{{ target }}", response_code!~"5.*"}[{{ interval }}])) / sum(rate(osm_request_total{destination_namespace="{{ namespace }}", destination_kind="Deployment", destination_name="{{ target }}"}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(osm_request_duration_ms_bucket{destination_namespace="{{ namespace }}", destination_kind="Deployment", destination_name="{{ target }}"}[{{ interval }}])) by (le))`,
  },
  knative: {
    "request-success-rate": `sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}/{{ route }}", envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}/{{ route }}",}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"{{ namespace }}/{{ route }}",}[{{ interval }}])) by (le))`,
  },
  http: {
    "request-success-rate": `sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", status!~"5.*"}[{{ interval }}])) / sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100`,
    "request-duration": `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) by (le))`,
  },
};

/** What each built-in value means, per observer (§6.1 units). */
function unitNote(observer: Observer, name: BuiltinName): string {
  if (name === "request-success-rate") return "Value: percentage of non-5xx responses, 0–100.";
  if (observer === "nginx" || observer === "skipper") return "Value: the average response time in whole milliseconds (sum ÷ count × 1000), not a percentile.";
  return "Value: the 99th percentile response time, truncated to whole milliseconds.";
}

/**
 * The observer of built-in metrics (§6.1): the global mesh provider's crossover/linkerd overrides,
 * spec.provider, then the `:service` suffix for Service targets.
 */
export function selectObserver(params: { resolved: ResolvedCanary; settings: ControllerSettings }): Observer {
  const spec = params.resolved.canary.spec;
  const global = params.settings.meshProvider;
  let p = global.includes("crossover") ? "crossover" : global;
  if (spec.provider) p = global.includes("linkerd") ? "linkerd" : spec.provider;
  // Flagger's IsKnativeService: exactly this apiVersion (canary.go), so a Knative Service keeps its provider.
  if (spec.targetRef?.kind === "Service" && spec.targetRef.apiVersion !== "serving.knative.dev/v1") p = `${p}:service`;
  if (p.startsWith("appmesh")) return "appmesh";
  if (p.startsWith("gloo")) return "gloo";
  if (p === "kubernetes" || p.startsWith("gatewayapi")) return "http";
  const exact: Record<string, Observer> = {
    linkerd: "linkerd",
    istio: "istio",
    contour: "contour",
    nginx: "nginx",
    skipper: "skipper",
    traefik: "traefik",
    osm: "osm",
    kuma: "kuma",
    apisix: "apisix",
    knative: "knative",
  };
  return exact[p] ?? "istio";
}

/** Go text/template's predefined functions: valid in a query, but not evaluated here. */
const GO_TEMPLATE_BUILTINS = new Set(["and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "call", "eq", "ne", "lt", "le", "gt", "ge", "end", "else"]);

interface TemplateValues {
  name: string;
  namespace: string;
  target: string;
  service: string;
  ingress: string;
  route: string;
  interval: string;
  variables: Record<string, string>;
}

/**
 * Go text/template rendering of Flagger's query functions (§6.3). Only the forms Flagger's
 * functions allow are replaced: `{{ name }}`, `{{ variables.key }}` …; anything else (pipelines,
 * other functions) is left as written and reported.
 */
export function renderQueryTemplate(template: string, values: TemplateValues): { query: string; problems: string[] } {
  const problems: string[] = [];
  const query = template.replace(/\{\{-?\s*([^{}]*?)\s*-?\}\}/g, (whole, expression: string) => {
    const variable = /^variables\.([A-Za-z0-9_]+)$/.exec(expression);
    if (variable) {
      const value = values.variables[variable[1]!];
      if (value === undefined) problems.push(`template variable ${variable[1]} is not set in templateVariables: Flagger fails the query (missingkey=error).`);
      return value ?? whole;
    }
    switch (expression) {
      case "name":
      case "namespace":
      case "target":
      case "service":
      case "ingress":
      case "route":
      case "interval":
        return values[expression];
      default:
        // Flagger executes the template with nil data and missingkey=error (§6.3): a field
        // reference is a render error, an undefined function a parse error — both a failed check.
        if (/^\.[A-Za-z_]\w*$/.test(expression)) problems.push(`${whole}: Flagger's template variables are functions and the template data is nil, so this is a render error and every check fails; write {{ ${expression.slice(1)} }} (Flagger v1.44 pkg/metrics/observers/render.go).`);
        else if (/^[A-Za-z_]\w*$/.test(expression) && !GO_TEMPLATE_BUILTINS.has(expression)) problems.push(`${whole}: ${expression} is not one of Flagger's template functions (name, namespace, target, service, ingress, route, interval, variables), so the template does not parse and every check fails (Flagger v1.44 pkg/metrics/observers/render.go).`);
        else problems.push(`${whole}: canary-bot does not evaluate this template expression; shown as written.`);
        return whole;
    }
  });
  return { query: query.replace(/\s+/g, " ").trim(), problems };
}

function valuesFor(resolved: ResolvedCanary, metric: CanaryMetric, interval: string): TemplateValues {
  const spec = resolved.canary.spec;
  const target = spec.targetRef?.name ?? "";
  const routeName = spec.routeRef?.name ?? target;
  return {
    name: resolved.canary.name ?? "",
    namespace: resolved.canary.namespace ?? "default",
    target,
    service: spec.service?.name || target,
    ingress: spec.ingressRef?.name ?? target,
    route: resolved.provider === "knative" ? `${target}-<latest revision>` : routeName,
    interval,
    variables: metric.templateVariables ?? {},
  };
}

/**
 * One entry per query Flagger runs, in Flagger's order (§3.2 step 14): a first loop over the
 * metrics runs the built-in query of a metric named like one and any inline `query`; a second loop
 * runs the `templateRef`s and fails metrics that have none of these. One metric can do several (§2).
 */
export function buildMetricQueries(params: { resolved: ResolvedCanary; settings: ControllerSettings }): MetricQuery[] {
  const { resolved } = params;
  const metrics = resolved.canary.spec.analysis?.metrics ?? [];
  const observer = selectObserver(params);
  const namespaceNote = resolved.canary.namespace === undefined ? ["The Canary has no metadata.namespace: `default` is shown; Flagger uses the namespace it is applied to."] : [];
  const out: MetricQuery[] = [];
  const later: MetricQuery[] = [];
  metrics.forEach((metric, index) => {
    const name = metric.name ?? "(unnamed)";
    const range = metric.thresholdRange ? { thresholdRange: { ...metric.thresholdRange } } : {};
    const builtin = name === "request-success-rate" || name === "request-duration" ? name : undefined;
    // Built-in and inline-query metrics default to 1m (GetMetricInterval); templates do not (§3.9).
    const interval = metric.interval || "1m";
    if (builtin) {
      const values = valuesFor(resolved, metric, interval);
      let template = BUILTIN_QUERIES[observer][builtin];
      if (observer === "skipper") {
        // encodeModelForSkipper: non-word characters become `_` before rendering (§6.2).
        const enc = (s: string) => s.replace(/\W/g, "_");
        const route = `kube(ew)?_${enc(values.namespace)}__${enc(values.ingress)}_canary__.*__${enc(values.service)}_canary(_[0-9]+)?`;
        template = template.replaceAll("{{ $route }}", route);
      }
      const rendered = renderQueryTemplate(template, values);
      const notes = [unitNote(observer, builtin), ...legacyThresholdNote(metric, builtin), ...namespaceNote, ...knativeNote(resolved, observer)];
      if (metric.query || metric.templateRef) notes.push(`Named like a built-in metric and also has a ${metric.query ? "query" : "templateRef"}: Flagger runs both the built-in ${builtin} check and that query, and each can fail the tick (Flagger v1.44 pkg/controller/scheduler.go). Rename the metric to run only the query.`);
      out.push({ name, source: "builtin", provider: observer, interval, query: rendered.query, ...range, notes });
    }
    if (metric.query) {
      const rendered = renderQueryTemplate(metric.query, valuesFor(resolved, metric, interval));
      out.push({
        name,
        source: "query",
        provider: "prometheus",
        interval,
        query: rendered.query,
        ...range,
        notes: ["Inline queries are deprecated: move it to a MetricTemplate.", ...legacyThresholdNote(metric, undefined), ...namespaceNote, ...rendered.problems],
      });
    }
    if (metric.templateRef) {
      const template = resolved.metricTemplates[index];
      const notes: string[] = [];
      if (!metric.interval) notes.push("No interval: `{{ interval }}` renders empty (e.g. `[]`), Prometheus rejects the query (other providers cannot parse the empty look-back), and every check fails. Set interval, e.g. 1m (Flagger v1.44 pkg/controller/scheduler.go, pkg/controller/scheduler_metrics.go).");
      notes.push(...legacyThresholdNote(metric, undefined), ...namespaceNote);
      if (!template) {
        notes.push(`MetricTemplate ${metric.templateRef.namespace ? `${metric.templateRef.namespace}/` : ""}${metric.templateRef.name ?? ""} is not in the repository: its query cannot be shown.`);
        later.push({ name, source: "template", provider: "unknown", ...(metric.interval ? { interval: metric.interval } : {}), ...range, notes });
        return;
      }
      const rendered = renderQueryTemplate(template.object.spec?.query ?? "", valuesFor(resolved, metric, metric.interval ?? ""));
      later.push({
        name,
        source: "template",
        provider: template.object.spec?.provider?.type ?? "prometheus",
        ...(metric.interval ? { interval: metric.interval } : {}),
        query: rendered.query,
        ...range,
        notes: [...notes, ...rendered.problems],
      });
    }
    if (!builtin && !metric.query && !metric.templateRef) {
      later.push({
        name,
        source: "query",
        provider: "none",
        ...range,
        notes: [
          `Not a built-in metric (request-success-rate, request-duration) and no query or templateRef: Flagger reports "no usable metrics template and query were configured" and counts a failed check on every tick (Flagger v1.44 pkg/controller/scheduler.go). Add a templateRef or use a built-in name.`,
        ],
      });
    }
  });
  return [...out, ...later];
}

/** §6.5: without thresholdRange the legacy `threshold` (default 0) applies, and its direction depends on the metric. */
function legacyThresholdNote(metric: CanaryMetric, builtin: BuiltinName | undefined): string[] {
  if (metric.thresholdRange) return [];
  const value = metric.threshold ?? 0;
  if (builtin === "request-success-rate") return [`No thresholdRange: the legacy threshold ${value} is a minimum (fails when the rate is below ${value}%) (Flagger v1.44 pkg/controller/scheduler_metrics.go).`];
  const unit = builtin === "request-duration" ? " ms" : "";
  const always = value === 0 ? `, so it fails whenever the value is above 0${unit}` : "";
  return [`No thresholdRange: the legacy threshold ${value}${unit} is a maximum${always} (Flagger v1.44 pkg/controller/scheduler.go, pkg/controller/scheduler_metrics.go). Set thresholdRange.`];
}

/** §6.2: Knative's `route` is the Service's latest created revision, known only in the cluster. */
function knativeNote(resolved: ResolvedCanary, observer: Observer): string[] {
  return observer === "knative" ? [`\`{{ route }}\` is the Knative Service's status.latestCreatedRevisionName, shown as ${resolved.canary.spec.targetRef?.name ?? ""}-<latest revision>.`] : [];
}

export function renderMetricQueriesMarkdown(queries: readonly MetricQuery[]): string {
  return queries
    .map((q) => {
      const range = q.thresholdRange
        ? ` · passes when ${[q.thresholdRange.min !== undefined ? `≥ ${q.thresholdRange.min}` : "", q.thresholdRange.max !== undefined ? `≤ ${q.thresholdRange.max}` : ""].filter(Boolean).join(" and ") || "always (empty range)"}`
        : "";
      const kind = q.source === "builtin" ? `built-in, ${escapeText(q.provider)} queries` : q.source === "template" ? `MetricTemplate, ${escapeText(q.provider)}` : q.provider === "none" ? "no query" : "inline query";
      const head = `**${escapeText(q.name)}** (${kind}, window ${codeSpan(q.interval ?? "(none)")})${range}`;
      const body = q.query !== undefined ? codeBlock(q.provider === "prometheus" || q.source === "builtin" ? "promql" : "text", q.query) : "";
      const notes = q.notes.map((n) => `- ${escapeText(n)}`).join("\n");
      return [head, body, notes].filter(Boolean).join("\n\n");
    })
    .join("\n\n");
}
