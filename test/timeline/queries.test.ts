/** Metric queries as Flagger sends them (docs/flagger-scheduler.md §6). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROVIDERS } from "../../src/canary/crd.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { BUILTIN_QUERIES, buildMetricQueries, renderMetricQueriesMarkdown, renderQueryTemplate, selectObserver } from "../../src/timeline/queries.js";
import { findMarkdownProblems } from "../support/gfm.js";
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
        "No interval: `{{ interval }}` renders empty (e.g. `[]`), Prometheus rejects the query (other providers cannot parse the empty look-back), and every check fails. Set interval, e.g. 1m (Flagger v1.44 pkg/controller/scheduler.go, pkg/controller/scheduler_metrics.go).",
        "No thresholdRange: the legacy threshold 0 is a maximum, so it fails whenever the value is above 0 (Flagger v1.44 pkg/controller/scheduler.go, pkg/controller/scheduler_metrics.go). Set thresholdRange.",
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
        "{{ .namespace }}: Flagger's template variables are functions and the template data is nil, so this is a render error and every check fails; write {{ namespace }} (Flagger v1.44 pkg/metrics/observers/render.go).",
        "template variable b is not set in templateVariables: Flagger fails the query (missingkey=error).",
        '{{ printf "%s" name }}: canary-bot does not evaluate this template expression; shown as written.',
      ],
    });
  });
});

describe("observer selection for every provider (§6.1)", () => {
  const observer = (params: { provider?: string; meshProvider?: string; target?: string }) =>
    selectObserver({
      resolved: resolveFirstCanary(
        canaryYaml({ analysis: "    interval: 1m\n    threshold: 1\n    stepWeight: 10", spec: params.provider ? `  provider: ${params.provider}\n` : "" }).replace(
          "    apiVersion: apps/v1\n    kind: Deployment",
          params.target ?? "    apiVersion: apps/v1\n    kind: Deployment",
        ),
      ),
      settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: params.meshProvider ?? "istio" },
    });
  const service = "    apiVersion: v1\n    kind: Service";
  const knative = "    apiVersion: serving.knative.dev/v1\n    kind: Service";

  it.each([
    ["istio", "istio"],
    ["linkerd", "linkerd"],
    ["appmesh", "appmesh"],
    ["appmesh:v1beta2", "appmesh"],
    ["nginx", "nginx"],
    ["contour", "contour"],
    ["gloo", "gloo"],
    ["gloo:v1", "gloo"],
    ["kuma", "kuma"],
    ["skipper", "skipper"],
    ["traefik", "traefik"],
    ["apisix", "apisix"],
    ["osm", "osm"],
    ["knative", "knative"],
    ["kubernetes", "http"],
    ["gatewayapi", "http"],
    ["gatewayapi:v1beta1", "http"],
    ["smi:v1alpha3", "istio"],
    ["crossover", "istio"],
  ])("provider %s uses the %s queries", (provider, expected) => {
    // Values outside the CRD's enum can only come from the controller's -mesh-provider flag.
    const fromSpec = (PROVIDERS as readonly string[]).includes(provider);
    expect(observer(fromSpec ? { provider, meshProvider: "nginx" } : { meshProvider: provider })).toBe(expected);
  });

  it("falls back to the global mesh provider, and crossover anywhere in it means crossover (Istio queries)", () => {
    expect(observer({ meshProvider: "nginx" })).toBe("nginx");
    expect(observer({ meshProvider: "smi:crossover" })).toBe("istio");
    expect(observer({ meshProvider: "smi:crossover", provider: "contour" })).toBe("contour");
  });

  it("uses linkerd's queries whenever the global mesh provider contains linkerd and spec.provider is set (§2 COERCE)", () => {
    expect(observer({ meshProvider: "linkerd", provider: "nginx" })).toBe("linkerd");
    expect(observer({ meshProvider: "smi:linkerd", provider: "gloo" })).toBe("linkerd");
    // Without spec.provider the global provider itself decides: "smi:linkerd" is no exact name.
    expect(observer({ meshProvider: "smi:linkerd" })).toBe("istio");
  });

  it("appends :service for Service targets, which leaves Istio unless the prefix matches (§2, §6.1)", () => {
    expect(observer({ provider: "nginx", target: service })).toBe("istio");
    expect(observer({ provider: "linkerd", target: service })).toBe("istio");
    expect(observer({ provider: "kubernetes", target: service })).toBe("istio");
    expect(observer({ provider: "gatewayapi:v1", target: service })).toBe("http");
    expect(observer({ provider: "appmesh", target: service })).toBe("appmesh");
    expect(observer({ provider: "gloo", target: service })).toBe("gloo");
    // A Knative Service is no `:service` target (IsKnativeService).
    expect(observer({ provider: "knative", target: knative })).toBe("knative");
  });
});

describe("every built-in query is filled in (§6.2)", () => {
  const spec = (provider: string) =>
    `  provider: ${provider}\n  ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: web-ing}\n  routeRef: {apiVersion: apisix.apache.org/v2, kind: ApisixRoute, name: web-route}\n  service:\n    name: web-svc\n`;
  const rendered = (provider: string) =>
    buildMetricQueries({
      resolved: resolveFirstCanary(canaryYaml({ analysis: metrics, spec: spec(provider) }).replace("  service:\n    port: 80\n", "").replace("    name: web-svc\n", "    name: web-svc\n    port: 80\n")),
      settings: DEFAULT_CONTROLLER_SETTINGS,
    }).slice(0, 2);

  it.each(["istio", "linkerd", "appmesh", "nginx", "contour", "gloo", "kuma", "skipper", "traefik", "apisix", "osm", "kubernetes"])("%s: no template expression is left, and the window is the metric's", (provider) => {
    const [success, duration] = rendered(provider);
    expect(success!.query).not.toContain("{{");
    expect(duration!.query).not.toContain("{{");
    expect(success!.query).toContain("[1m]");
    expect(duration!.query).toContain("[30s]");
    expect(success!.query).toMatch(/test/);
  });

  it("fills in the names each observer uses: ingress for NGINX, service for Contour, route for APISIX, encoded names for Skipper", () => {
    expect(rendered("nginx")[0]!.query).toContain('namespace="test", ingress="web-ing"');
    expect(rendered("contour")[0]!.query).toContain('envoy_cluster_name=~"test_web-svc-canary_[0-9a-zA-Z-]+"');
    expect(rendered("apisix")[0]!.query).toContain('route=~"test_web-route-app-canary_.+"');
    expect(rendered("skipper")[0]!.query).toBe(
      'sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__web_ing_canary__.*__web_svc_canary(_[0-9]+)?",code!~"5..",le="+Inf"}[1m])) / sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__web_ing_canary__.*__web_svc_canary(_[0-9]+)?",le="+Inf"}[1m])) * 100',
    );
    expect(rendered("kubernetes")[1]!.query).toBe(
      'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="test", kubernetes_pod_name=~"app-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[30s])) by (le))',
    );
  });

  it("says Knative's route is the latest revision", () => {
    const resolved = resolveFirstCanary(canaryYaml({ analysis: metrics, spec: "  provider: knative\n" }).replace("    apiVersion: apps/v1\n    kind: Deployment", "    apiVersion: serving.knative.dev/v1\n    kind: Service"));
    const [success] = buildMetricQueries({ resolved, settings: DEFAULT_CONTROLLER_SETTINGS });
    expect(success!.query).toContain('envoy_cluster_name=~"test/app-<latest revision>"');
    expect(success!.notes).toContain("`{{ route }}` is the Knative Service's status.latestCreatedRevisionName, shown as app-<latest revision>.");
  });
});

describe("what each metric runs, and its traps (§2, §6.5)", () => {
  const run = (metricsYaml: string, extra = "") =>
    buildMetricQueries({ resolved: resolveFirstCanary(canaryYaml({ analysis: `    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    metrics:\n${metricsYaml}` }) + extra), settings: DEFAULT_CONTROLLER_SETTINGS });

  it("runs both the built-in and the template when a metric has a built-in name and a templateRef", () => {
    const queries = run("      - name: request-success-rate\n        templateRef: {name: errors}\n        interval: 2m\n        templateVariables: {code: '5..'}\n        thresholdRange: {min: 99}\n", TEMPLATE);
    expect(queries.map((q) => [q.name, q.source, q.provider, q.interval])).toEqual([
      ["request-success-rate", "builtin", "istio", "2m"],
      ["request-success-rate", "template", "prometheus", "2m"],
    ]);
    expect(queries[0]!.notes.at(-1)).toBe(
      "Named like a built-in metric and also has a templateRef: Flagger runs both the built-in request-success-rate check and that query, and each can fail the tick (Flagger v1.44 pkg/controller/scheduler.go). Rename the metric to run only the query.",
    );
  });

  it("says a metric with neither a built-in name nor a query fails every tick", () => {
    expect(run("      - name: my-metric\n        thresholdRange: {max: 1}\n")).toEqual([
      {
        name: "my-metric",
        source: "query",
        provider: "none",
        thresholdRange: { max: 1 },
        notes: [
          'Not a built-in metric (request-success-rate, request-duration) and no query or templateRef: Flagger reports "no usable metrics template and query were configured" and counts a failed check on every tick (Flagger v1.44 pkg/controller/scheduler.go). Add a templateRef or use a built-in name.',
        ],
      },
    ]);
  });

  it("explains the legacy threshold when there is no thresholdRange", () => {
    const queries = run("      - name: request-success-rate\n        threshold: 99\n      - name: request-duration\n      - name: q\n        query: sum(up)\n");
    expect(queries.map((q) => q.notes[1])).toEqual([
      "No thresholdRange: the legacy threshold 99 is a minimum (fails when the rate is below 99%) (Flagger v1.44 pkg/controller/scheduler_metrics.go).",
      "No thresholdRange: the legacy threshold 0 ms is a maximum, so it fails whenever the value is above 0 ms (Flagger v1.44 pkg/controller/scheduler.go, pkg/controller/scheduler_metrics.go). Set thresholdRange.",
      "No thresholdRange: the legacy threshold 0 is a maximum, so it fails whenever the value is above 0 (Flagger v1.44 pkg/controller/scheduler.go, pkg/controller/scheduler_metrics.go). Set thresholdRange.",
    ]);
    expect(queries[2]).toMatchObject({ source: "query", provider: "prometheus", interval: "1m", query: "sum(up)" });
  });

  it("renders an empty window for a template metric without interval, and says why every check fails", () => {
    const [query] = run("      - name: errors\n        templateRef: {name: errors}\n        templateVariables: {code: '5..'}\n        thresholdRange: {max: 1}\n", TEMPLATE);
    expect(query!.interval).toBeUndefined();
    expect(query!.query).toContain("[]))");
    expect(query!.notes[0]).toMatch(/^No interval: `\{\{ interval \}\}` renders empty/);
  });

  it("says when the Canary has no namespace", () => {
    const yaml = canaryYaml({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}" }).replace("  namespace: test\n", "");
    const [query] = buildMetricQueries({ resolved: resolveFirstCanary(yaml), settings: DEFAULT_CONTROLLER_SETTINGS });
    expect(query!.query).toContain('destination_workload_namespace="default"');
    expect(query!.notes).toContain("The Canary has no metadata.namespace: `default` is shown; Flagger uses the namespace it is applied to.");
  });
});

describe("template expressions Flagger would reject (§6.3)", () => {
  const values = { name: "n", namespace: "ns", target: "t", service: "s", ingress: "i", route: "r", interval: "", variables: {} };
  it("reports an undefined function as a parse failure, and never throws on odd input", () => {
    expect(renderQueryTemplate("x{{ cluster }}y", values).problems).toEqual([
      "{{ cluster }}: cluster is not one of Flagger's template functions (name, namespace, target, service, ingress, route, interval, variables), so the template does not parse and every check fails (Flagger v1.44 pkg/metrics/observers/render.go).",
    ]);
    for (const odd of ["{{", "}}", "{{}}", "{{ {{ }} }}", "{{- interval -}}", "{{/* c */}}", "\u0000{{ .a.b }}"]) expect(() => renderQueryTemplate(odd, values)).not.toThrow();
    expect(renderQueryTemplate("rate(x[{{- interval -}}])", values).query).toBe("rate(x[])");
  });
});

describe("the queries in Markdown", () => {
  it("fences Prometheus as promql, other providers as text, and keeps names inert", () => {
    const datadog = TEMPLATE.replace("name: errors", "name: dd").replace("type: prometheus", "type: datadog");
    const queries = buildMetricQueries({
      resolved: resolveFirstCanary(
        canaryYaml({
          analysis: `${metrics.split("    metrics:")[0]}    metrics:\n      - name: "<b>x|y</b> @team"\n        templateRef: {name: errors}\n        interval: 1m\n        templateVariables: {code: "5"}\n      - name: dd\n        templateRef: {name: dd}\n        interval: 1m\n        templateVariables: {code: "5"}\n`,
        }) +
          TEMPLATE +
          datadog,
      ),
      settings: DEFAULT_CONTROLLER_SETTINGS,
    });
    const markdown = renderMetricQueriesMarkdown(queries);
    expect(findMarkdownProblems(markdown)).toEqual([]);
    expect(markdown.split("\n")[0]).toBe("**&lt;b&gt;x\\|y&lt;/b&gt; @\u2060team** (MetricTemplate, prometheus, window `1m`)");
    expect(markdown).toContain("```promql\nsum(rate(http_requests_total");
    expect(markdown).toContain("**dd** (MetricTemplate, datadog, window `1m`)\n\n```text\n");
  });
});

describe("docs/metric-queries.md", () => {
  const doc = readFileSync(join(import.meta.dirname, "../../docs/metric-queries.md"), "utf8");
  it("is well-formed GitHub Markdown and has a section for every observer", () => {
    expect(findMarkdownProblems(doc)).toEqual([]);
    expect([...doc.matchAll(/^### (\S+)$/gm)].map((m) => m[1])).toEqual(Object.keys(BUILTIN_QUERIES));
  });

  it.each(Object.entries(BUILTIN_QUERIES))("shows the %s queries exactly as the code sends them", (observer, queries) => {
    const section = doc.split(/^### /m).find((s) => s.startsWith(`${observer}\n`) || s.startsWith(`${observer} `));
    expect(section, `a "### ${observer}" section`).toBeDefined();
    expect(section).toContain(`\`\`\`promql\n${queries["request-success-rate"]}\n\`\`\``);
    expect(section).toContain(`\`\`\`promql\n${queries["request-duration"]}\n\`\`\``);
  });
});
