/** Metric queries as Flagger sends them (flagger-scheduler.md §6). */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { buildMetricQueries, renderQueryTemplate, selectObserver } from "../../src/timeline/queries.js";
import { canaryYaml, resolveFirstCanary } from "./helpers.js";

const metrics = `    interval: 1m
    threshold: 2
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
      - name: request-duration
        interval: 30s
        thresholdRange: {max: 500}
      - name: errors
        templateRef: {name: errors}
        interval: 2m
        templateVariables: {code: "5.."}
        thresholdRange: {max: 1}
      - name: latency
        templateRef: {name: missing}
`;

const TEMPLATE = `---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: errors
  namespace: test
spec:
  provider:
    type: prometheus
    address: http://prometheus:9090
  query: |
    sum(rate(http_requests_total{namespace="{{ namespace }}", app="{{ target }}", code=~"{{ variables.code }}"}[{{ interval }}]))
      / sum(rate(http_requests_total{namespace="{{ namespace }}", app="{{ target }}"}[{{ interval }}]))
`;

describe("built-in metric queries (§6.1, §6.2)", () => {
  it("renders Istio's queries with namespace, target and interval filled in", () => {
    const queries = buildMetricQueries({ resolved: resolveFirstCanary(canaryYaml({ analysis: metrics }) + TEMPLATE), settings: DEFAULT_CONTROLLER_SETTINGS });
    expect(queries[0]).toEqual({
      name: "request-success-rate",
      source: "builtin",
      provider: "istio",
      interval: "1m",
      query:
        'sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="test", destination_workload=~"app", response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="test", destination_workload=~"app"}[1m])) * 100',
      thresholdRange: { min: 99 },
      notes: ["Value: percentage of non-5xx responses, 0–100."],
    });
    expect(queries[1]!.query).toBe('histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination", destination_workload_namespace="test", destination_workload=~"app"}[30s])) by (le))');
  });

  it("renders a MetricTemplate's query with its variables, and says when a template is missing (§6.3, §6.4)", () => {
    const queries = buildMetricQueries({ resolved: resolveFirstCanary(canaryYaml({ analysis: metrics }) + TEMPLATE), settings: DEFAULT_CONTROLLER_SETTINGS });
    expect(queries[2]).toEqual({
      name: "errors",
      source: "template",
      provider: "prometheus",
      interval: "2m",
      query: 'sum(rate(http_requests_total{namespace="test", app="app", code=~"5.."}[2m])) / sum(rate(http_requests_total{namespace="test", app="app"}[2m]))',
      thresholdRange: { max: 1 },
      notes: [],
    });
    expect(queries[3]).toEqual({
      name: "latency",
      source: "template",
      provider: "unknown",
      notes: [
        "No interval: `{{ interval }}` renders empty (e.g. `[]`), Prometheus rejects the query, and every check fails. Set interval, e.g. 1m (flagger-scheduler.md §2, §3.9).",
        "MetricTemplate missing is not in the repository: its query cannot be shown.",
      ],
    });
  });

  it("picks the observer the way Flagger does (§6.1)", () => {
    const observer = (provider: string | undefined, meshProvider = "istio", kind = "Deployment") =>
      selectObserver({
        resolved: resolveFirstCanary(canaryYaml({ analysis: "    interval: 1m\n    threshold: 1\n    stepWeight: 10", spec: provider ? `  provider: ${provider}\n` : "" }).replace("kind: Deployment", `kind: ${kind}`)),
        settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider },
      });
    expect(observer("nginx")).toBe("nginx");
    expect(observer("gatewayapi:v1")).toBe("http");
    expect(observer("kubernetes")).toBe("http");
    expect(observer("smi:v1alpha3")).toBe("istio");
    expect(observer("nginx", "linkerd")).toBe("linkerd");
    expect(observer(undefined, "appmesh:v1beta2")).toBe("appmesh");
    expect(observer("nginx", "istio", "Service")).toBe("istio");
    expect(observer("gloo", "istio", "Service")).toBe("gloo");
  });

  it("renders the average for NGINX and the ingress name (§6.2)", () => {
    const resolved = resolveFirstCanary(canaryYaml({ analysis: metrics, spec: "  provider: nginx\n  ingressRef:\n    apiVersion: networking.k8s.io/v1\n    kind: Ingress\n    name: web\n" }));
    const [success, duration] = buildMetricQueries({ resolved, settings: DEFAULT_CONTROLLER_SETTINGS });
    expect(success!.query).toContain('ingress="web", canary!=""');
    expect(duration!.notes).toEqual(["Value: the average response time in whole milliseconds (sum ÷ count × 1000), not a percentile."]);
  });
});

describe("template rendering (§6.3)", () => {
  const values = { name: "n", namespace: "ns", target: "t", service: "s", ingress: "i", route: "r", interval: "1m", variables: { a: "x" } };
  it("replaces Flagger's functions and reports everything else", () => {
    expect(renderQueryTemplate("{{ namespace }}/{{target}}/{{ variables.a }}/{{ .namespace }}/{{ variables.b }}/{{ printf \"%s\" name }}", values)).toEqual({
      query: '{ns}/t/x/{{ .namespace }}/{{ variables.b }}/{{ printf "%s" name }}'.replace("{ns}", "ns"),
      problems: [
        "{{ .namespace }}: Flagger's template variables are functions, write {{ namespace }} (flagger-scheduler.md §6.3).",
        "template variable b is not set in templateVariables: Flagger fails the query (missingkey=error).",
        '{{ printf "%s" name }} is not one of Flagger\'s template functions; shown as written.',
      ],
    });
  });
});
