import { describe, expect, it } from "vitest";
import { findTemplateProblems } from "../../../src/validate/rules/metrics.js";
import { baseDeployment, canaryWith, only, validate, type Json } from "../support.js";

function withMetrics(metrics: Json[], extra: Json[] = []) {
  return validate([
    canaryWith((c) => (c.spec.analysis.metrics = metrics)),
    baseDeployment(),
    ...extra,
  ]);
}

function template(name: string, query: string, provider: Json = { type: "prometheus", address: "http://prometheus.istio-system:9090" }): Json {
  return { apiVersion: "flagger.app/v1beta1", kind: "MetricTemplate", metadata: { name, namespace: "test" }, spec: { provider, query } };
}

const ERROR_RATE = 'sum(rate(istio_requests_total{destination_workload="{{ target }}",response_code=~"5.."}[{{ interval }}]))';

describe("metric kinds (flagger-scheduler.md §2 runMetricChecks)", () => {
  it("a name that is not built-in, without query or templateRef, fails every check", () => {
    const v = withMetrics([{ name: "http_requests_total", thresholdRange: { max: 1 }, interval: "1m" }]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "METRIC_NOT_BUILTIN_WITHOUT_QUERY", severity: "error", path: "spec.analysis.metrics[0].name" })]);
    expect(v.findings[0]!.message).toContain("no usable metrics template and query were configured");
  });

  it("a built-in name with a query runs both", () => {
    const v = withMetrics([{ name: "request-success-rate", query: "sum(up)", thresholdRange: { min: 99 }, interval: "1m" }]);
    expect(v.codes).toEqual(["METRIC_BUILTIN_NAME_WITH_QUERY"]);
  });
});

describe("template metrics without interval (§2, §3.9)", () => {
  it("fail when the resolved template renders {{ interval }}", () => {
    const v = withMetrics([{ name: "error-rate", templateRef: { name: "error-rate" }, thresholdRange: { max: 1 } }], [template("error-rate", ERROR_RATE)]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "TEMPLATE_METRIC_WITHOUT_INTERVAL", severity: "error", path: "spec.analysis.metrics[0].templateRef" })]);
    expect(v.findings[0]!.message).toContain("MetricTemplate error-rate renders {{ interval }}");
  });

  it("fail when the template's provider parses the interval (datadog)", () => {
    const v = withMetrics([{ name: "latency", templateRef: { name: "dd" }, thresholdRange: { max: 1 } }], [template("dd", "avg:trace.http.request{service:{{ target }}}", { type: "datadog", address: "https://api.datadoghq.com", secretRef: { name: "dd" } })]);
    expect(v.codes).toEqual(["TEMPLATE_METRIC_WITHOUT_INTERVAL"]);
  });

  it("are fine when the template neither renders nor parses the interval", () => {
    expect(withMetrics([{ name: "up", templateRef: { name: "up" }, thresholdRange: { min: 1 } }], [template("up", 'sum(up{job="{{ target }}"})')]).findings).toEqual([]);
  });

  it("fail when the template is elsewhere (Flagger's docs make every template use {{ interval }})", () => {
    const v = withMetrics([{ name: "error-rate", templateRef: { name: "error-rate", namespace: "istio-system" }, thresholdRange: { max: 1 } }]);
    expect(v.codes).toEqual(["METRIC_TEMPLATE_NOT_FOUND", "TEMPLATE_METRIC_WITHOUT_INTERVAL"]);
  });
});

describe("metric intervals (§3.9)", () => {
  it.each([
    ["5mins", "METRIC_INTERVAL_UNPARSABLE"],
    ["1m30", "METRIC_INTERVAL_UNPARSABLE"],
    ["5s", "METRIC_INTERVAL_TOO_SHORT"],
    ["10ms", "METRIC_INTERVAL_TOO_SHORT"],
  ])("built-in metric interval %s: %s", (interval, code) => {
    const v = withMetrics([{ name: "request-success-rate", thresholdRange: { min: 99 }, interval }]);
    expect(v.findings).toEqual([expect.objectContaining({ code, path: "spec.analysis.metrics[0].interval" })]);
  });

  it.each(["1m", "30s", "1m30s", "10m"])("%s is a Prometheus range", (interval) => {
    expect(withMetrics([{ name: "request-success-rate", thresholdRange: { min: 99 }, interval }]).findings).toEqual([]);
  });

  it("a Go-parsing provider rejects a Prometheus-only duration order", () => {
    const v = withMetrics([{ name: "latency", templateRef: { name: "dd" }, thresholdRange: { max: 1 }, interval: "1mins" }], [template("dd", "avg:x{service:{{ target }}}", { type: "datadog", secretRef: { name: "dd" } })]);
    expect(only(v, "METRIC_INTERVAL_UNPARSABLE")[0]!.message).toContain("datadog provider parses it as a Go duration");
  });
});

describe("thresholds (§6.5)", () => {
  it("request-duration without threshold fails whenever P99 > 0 ms", () => {
    expect(withMetrics([{ name: "request-duration", interval: "1m" }]).findings).toEqual([
      expect.objectContaining({ code: "METRIC_WITHOUT_THRESHOLD", severity: "error", path: "spec.analysis.metrics[0].name" }),
    ]);
  });

  it("a query without threshold fails whenever the value is above 0; an explicit threshold is a choice", () => {
    expect(withMetrics([{ name: "errors", query: "sum(up)", interval: "1m" }]).codes).toEqual(["METRIC_WITHOUT_THRESHOLD"]);
    expect(withMetrics([{ name: "errors", query: "sum(up)", threshold: 0, interval: "1m" }]).codes).toEqual([]);
  });

  it("request-success-rate without a minimum never fails", () => {
    expect(withMetrics([{ name: "request-success-rate", interval: "1m" }]).codes).toEqual(["METRIC_CHECK_ALWAYS_PASSES"]);
    expect(withMetrics([{ name: "request-success-rate", threshold: 99, interval: "1m" }]).codes).toEqual([]);
  });

  it("an empty thresholdRange always passes", () => {
    expect(withMetrics([{ name: "request-duration", thresholdRange: {}, interval: "1m" }]).findings).toEqual([
      expect.objectContaining({ code: "METRIC_CHECK_ALWAYS_PASSES", path: "spec.analysis.metrics[0].thresholdRange" }),
    ]);
  });

  it("min above max always fails", () => {
    expect(withMetrics([{ name: "request-duration", thresholdRange: { min: 500, max: 100 }, interval: "1m" }]).codes).toEqual(["METRIC_RANGE_EMPTY"]);
  });

  it("request-success-rate is a percentage", () => {
    expect(withMetrics([{ name: "request-success-rate", thresholdRange: { min: 101 }, interval: "1m" }]).codes).toEqual(["SUCCESS_RATE_MIN_ABOVE_100"]);
    expect(withMetrics([{ name: "request-success-rate", thresholdRange: { min: 0.99 }, interval: "1m" }]).codes).toEqual(["SUCCESS_RATE_MIN_LOOKS_LIKE_RATIO"]);
    expect(only(withMetrics([{ name: "request-success-rate", thresholdRange: { min: 1 }, interval: "1m" }]), "SUCCESS_RATE_MIN_LOOKS_LIKE_RATIO")[0]!.message).toContain("fails 99% of its requests");
  });
});

describe("template variables (§2, §6.3)", () => {
  const query = 'sum(rate(http_requests_total{app="{{ variables.app }}", env="{{ variables.env }}"}[{{ interval }}]))';

  it("a variable the metric does not give fails every check", () => {
    const v = withMetrics([{ name: "requests", templateRef: { name: "requests" }, templateVariables: { app: "podinfo" }, thresholdRange: { min: 1 }, interval: "1m" }], [template("requests", query)]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "TEMPLATE_VARIABLE_MISSING", severity: "error", path: "spec.analysis.metrics[0].templateVariables" })]);
    expect(v.findings[0]!.message).toContain("{{ variables.env }}");
    expect(v.findings[0]!.message).not.toContain("{{ variables.app }}");
  });

  it("no templateVariables at all", () => {
    const v = withMetrics([{ name: "requests", templateRef: { name: "requests" }, thresholdRange: { min: 1 }, interval: "1m" }], [template("requests", query)]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "TEMPLATE_VARIABLE_MISSING", path: "spec.analysis.metrics[0].templateRef" })]);
  });

  it("an inline query is rendered the same way", () => {
    expect(withMetrics([{ name: "requests", query, thresholdRange: { min: 1 }, interval: "1m" }]).codes).toEqual(["TEMPLATE_VARIABLE_MISSING"]);
  });

  it("all variables given", () => {
    expect(withMetrics([{ name: "requests", templateRef: { name: "requests" }, templateVariables: { app: "podinfo", env: "prod" }, thresholdRange: { min: 1 }, interval: "1m" }], [template("requests", query)]).findings).toEqual([]);
  });
});

describe("query templates (§6.3 RenderQuery)", () => {
  it.each([
    ['sum(x{ns="{{ namespace }}"}[{{ interval }}])', []],
    ['{{ printf "%s-canary" target }} {{- if true }}{{ end }} {{ $x := 1 }}{{ $x }}', []],
    ["{{/* comment */}} up", []],
    ['sum(x{ns="{{ .namespace }}"})', ["field of the template data"]],
    ['sum(x{ns="{{ namespace_name }}"})', ['function "namespace_name" not defined']],
    ['sum(x{ns="{{ namespace }"})', ["never closed"]],
  ])("%s", (query, expected) => {
    const problems = findTemplateProblems(query);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((words, i) => expect(problems[i]).toContain(words));
  });

  // A dot field such as {{ .namespace }} never gets this far: parse.ts reports it as HELM_TEMPLATE.
  it("reports an inline query and a MetricTemplate query on their own lines", () => {
    const v = validate(
      "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: bad\nspec:\n  provider:\n    type: prometheus\n    address: http://prometheus:9090\n  query: sum(x{ns=\"{{ namespace_name }}\"})\n",
    );
    expect(v.findings).toEqual([expect.objectContaining({ code: "METRIC_QUERY_TEMPLATE_ERROR", severity: "error", path: "spec.query", line: 9, column: 10 })]);
    expect(withMetrics([{ name: "x", query: "sum(x{a=\"{{ foo }}\"})", thresholdRange: { max: 1 }, interval: "1m" }]).codes).toEqual(["METRIC_QUERY_TEMPLATE_ERROR"]);
  });
});

describe("MetricTemplate providers (§1.5)", () => {
  it("prometheus needs an address; there is no fallback to -metrics-server", () => {
    const v = validate([template("t", "sum(up)", { type: "prometheus" })]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "METRIC_TEMPLATE_ADDRESS_MISSING", severity: "error", path: "spec.provider" })]);
  });

  it("an address Go cannot parse", () => {
    const v = validate([template("t", "sum(up)", { type: "prometheus", address: "http://prometheus:90 90" })]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "METRIC_TEMPLATE_ADDRESS_MISSING", path: "spec.provider.address" })]);
  });

  it("other providers are not held to it", () => {
    expect(validate([template("t", "x", { type: "datadog", secretRef: { name: "dd" } })]).findings).toEqual([]);
  });
});
