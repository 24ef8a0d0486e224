/**
 * Rules about `spec.analysis.metrics` and MetricTemplates: what Flagger runs for each metric, how
 * it renders queries, and which thresholds can never pass or never fail (docs/flagger-scheduler.md §2,
 * §3.9, §6).
 */
import type { CanaryMetric } from "../../canary/crd.js";
import { formatDurationMs, parseGoDuration, parsePrometheusDuration } from "../../canary/duration.js";
import type { PathSegment, PendingFinding } from "../../canary/findings.js";
import type { MetricTemplateModel } from "../../canary/model.js";
import type { ManifestDocument } from "../../canary/parse.js";
import { buildFinding } from "../codes.js";
import type { CanaryRule, DocumentRule } from "../rule.js";
import { BUILTIN_METRICS, GO_DURATION_METRIC_PROVIDERS, isGoParsableUrl, isWritten, listTemplateVariables, metricPath, usesInterval } from "./facts.js";

/**
 * rate() needs two samples inside the window. Flagger's own Prometheus scrapes every 5s
 * (charts/flagger/templates/prometheus.yaml), so anything under 10s holds fewer than two samples
 * even there; common mesh Prometheus setups scrape every 15s–30s (docs/flagger-scheduler.md §3.9).
 */
const SHORTEST_METRIC_WINDOW_MS = 10_000;

export const checkMetrics: CanaryRule = ({ resolved }) => {
  const { spec, document } = resolved.canary;
  const findings: PendingFinding[] = [];
  (spec.analysis?.metrics ?? []).forEach((metric, i) => {
    if (metric.name === undefined) return;
    const builtin = BUILTIN_METRICS.has(metric.name);
    const hasQuery = metric.query !== undefined && metric.query !== "";
    const hasTemplate = isWritten(document, metricPath(i, "templateRef"));
    const template = resolved.metricTemplates[i];

    if (!builtin && !hasQuery && !hasTemplate) {
      findings.push(
        buildFinding({
          code: "METRIC_NOT_BUILTIN_WITHOUT_QUERY",
          message: `Metric ${JSON.stringify(metric.name)} is not a built-in metric (request-success-rate, request-duration) and has neither \`templateRef\` nor \`query\`: on every tick Flagger records "Metric query failed for no usable metrics template and query were configured" as a failed check, so every rollout is rolled back (Flagger v1.44 runMetricChecks in pkg/controller/scheduler_metrics.go). Point it at a MetricTemplate with templateRef, or use a built-in name.`,
          path: metricPath(i, "name"),
        }),
      );
    }
    if (builtin && (hasQuery || hasTemplate)) {
      findings.push(
        buildFinding({
          code: "METRIC_BUILTIN_NAME_WITH_QUERY",
          message: `Metric ${JSON.stringify(metric.name)} is a built-in name and also has a ${hasTemplate ? "templateRef" : "query"}: Flagger runs both, the built-in ${metric.name} check and your ${hasTemplate ? "template" : "query"}, against the same threshold (Flagger v1.44 runBuiltinMetricChecks, runMetricChecks in pkg/controller/scheduler_metrics.go). Rename the metric (e.g. ${metric.name}-custom) to run only yours.`,
          path: metricPath(i, "name"),
        }),
      );
    }

    if (hasTemplate && metric.interval === undefined && !isWritten(document, metricPath(i, "interval"))) {
      const providerType = template?.object.spec?.provider?.type;
      const query = template?.object.spec?.query;
      const needsInterval = template === undefined || (query !== undefined && usesInterval(query)) || (providerType !== undefined && GO_DURATION_METRIC_PROVIDERS.has(providerType));
      if (needsInterval) {
        const because =
          template === undefined
            ? "(the MetricTemplate is not among the given files; this holds whenever its query uses {{ interval }} or its provider is datadog, cloudwatch, newrelic, dynatrace or splunk)"
            : query !== undefined && usesInterval(query)
              ? `(MetricTemplate ${template.name} renders {{ interval }})`
              : `(the ${providerType} provider parses the interval)`;
        findings.push(
          buildFinding({
            code: "TEMPLATE_METRIC_WITHOUT_INTERVAL",
            message: `Metric ${JSON.stringify(metric.name)} uses a templateRef but has no \`interval\`. Flagger's 1m default applies only to built-in and inline metrics; for templates the interval is empty, so \`[{{ interval }}]\` renders as \`[]\` (a PromQL error) or the provider cannot parse it, and every check fails ${because} (Flagger v1.44 runMetricChecks in pkg/controller/scheduler_metrics.go). Add e.g. \`interval: 1m\`.`,
            path: metricPath(i, "templateRef"),
            at: "key",
          }),
        );
      }
    }

    if (metric.interval !== undefined) findings.push(...checkMetricInterval({ metric, index: i, template, templateRef: hasTemplate }));
    findings.push(...checkThresholds({ metric, index: i, document, templateRef: hasTemplate, hasQuery }));

    const queries: Array<{ query: string; from: string }> = [];
    if (hasQuery) queries.push({ query: metric.query!, from: "its query" });
    const templateQuery = template?.object.spec?.query;
    if (templateQuery !== undefined) queries.push({ query: templateQuery, from: `MetricTemplate ${template!.name}` });
    const variables = metric.templateVariables ?? {};
    for (const { query, from } of queries) {
      const missing = listTemplateVariables(query).filter((key) => !Object.hasOwn(variables, key));
      if (missing.length === 0) continue;
      findings.push(
        buildFinding({
          code: "TEMPLATE_VARIABLE_MISSING",
          message: `${from === "its query" ? `The query of metric ${JSON.stringify(metric.name)}` : from} uses ${missing.map((key) => `{{ variables.${key} }}`).join(", ")}, but the metric's \`templateVariables\` ${metric.templateVariables ? "lack" : "are not set, so they lack"} ${missing.length === 1 ? "it" : "them"}: Flagger renders queries with missingkey=error, so the render fails and every check is a failed check (Flagger v1.44 RenderQuery in pkg/metrics/observers/render.go). Add ${missing.map((key) => `${key}: <value>`).join(", ")} to templateVariables.`,
          path: metric.templateVariables ? metricPath(i, "templateVariables") : metricPath(i, hasTemplate ? "templateRef" : "query"),
          at: "key",
        }),
      );
    }
    if (hasQuery) {
      for (const problem of findTemplateProblems(metric.query!)) {
        findings.push(
          buildFinding({
            code: "METRIC_QUERY_TEMPLATE_ERROR",
            message: `The query of metric ${JSON.stringify(metric.name)} ${problem}; Flagger's render fails, the query sent is empty, and every check is a failed check (Flagger v1.44 pkg/metrics/observers/render.go). The template functions are {{ name }}, {{ namespace }}, {{ target }}, {{ service }}, {{ ingress }}, {{ route }}, {{ interval }} and {{ variables.key }}.`,
            path: metricPath(i, "query"),
          }),
        );
      }
    }
  });
  return findings;
};

function checkMetricInterval(params: { metric: CanaryMetric; index: number; template: MetricTemplateModel | undefined; templateRef: boolean }): PendingFinding[] {
  const { metric, index, template } = params;
  const interval = metric.interval!;
  const providerType = template?.object.spec?.provider?.type;
  // Who reads the interval: Prometheus (built-in, inline query, prometheus templates; unknown
  // templates are assumed Prometheus), Go (datadog & co.), or only the template's own query language.
  const reader = !params.templateRef ? "prometheus" : providerType === undefined || providerType === "prometheus" ? "prometheus" : GO_DURATION_METRIC_PROVIDERS.has(providerType) ? "go" : "other";
  if (reader === "other") return [];
  const parsed = reader === "go" ? parseGoDuration(interval) : parsePrometheusDuration(interval);
  const path = metricPath(index, "interval");
  if (parsed === undefined) {
    return [
      buildFinding({
        code: "METRIC_INTERVAL_UNPARSABLE",
        message:
          reader === "go"
            ? `Metric ${JSON.stringify(metric.name)} has interval ${JSON.stringify(interval)}: it passes the CRD's pattern, but the ${providerType} provider parses it as a Go duration and fails, so every check is a failed check (Flagger v1.44 pkg/metrics/providers/). Write e.g. 1m or 90s.`
            : `Metric ${JSON.stringify(metric.name)} has interval ${JSON.stringify(interval)}: it passes the CRD's pattern, but Flagger pastes it verbatim into \`[{{ interval }}]\` and Prometheus rejects the range, so every check is a failed check (Flagger v1.44 pkg/controller/scheduler_metrics.go). Write a Prometheus duration such as 1m, 90s or 1m30s.`,
        path,
      }),
    ];
  }
  if (reader === "prometheus" && parsed < SHORTEST_METRIC_WINDOW_MS) {
    return [
      buildFinding({
        code: "METRIC_INTERVAL_TOO_SHORT",
        message: `Metric ${JSON.stringify(metric.name)} queries a ${formatDurationMs(parsed)} window: rate() needs two samples inside it, which even Flagger's bundled Prometheus (5s scrapes) rarely has, so the query returns no data and Flagger counts a failed check (Flagger v1.44 pkg/controller/scheduler_metrics.go, pkg/metrics/observers/). The metric interval is only the query window, not the schedule; use at least twice your scrape interval, e.g. 1m.`,
        path,
      }),
    ];
  }
  return [];
}

function checkThresholds(params: { metric: CanaryMetric; index: number; document: ManifestDocument; templateRef: boolean; hasQuery: boolean }): PendingFinding[] {
  const { metric, index, document } = params;
  const name = metric.name!;
  const range = metric.thresholdRange;
  const rangeWritten = isWritten(document, metricPath(index, "thresholdRange"));
  const thresholdWritten = isWritten(document, metricPath(index, "threshold"));
  const findings: PendingFinding[] = [];
  const custom = params.templateRef || params.hasQuery;
  const successRate = name === "request-success-rate" && !custom;
  const duration = name === "request-duration" && !custom;
  if (!rangeWritten) {
    const threshold = metric.threshold ?? 0;
    if ((duration && threshold <= 0) || (custom && !thresholdWritten)) {
      findings.push(
        buildFinding({
          code: "METRIC_WITHOUT_THRESHOLD",
          message: duration
            ? `Metric request-duration has ${thresholdWritten ? `threshold ${threshold} and no \`thresholdRange\`` : "neither `thresholdRange` nor `threshold`"}: the legacy threshold is a maximum in milliseconds${thresholdWritten ? "" : " that defaults to 0"}, so the check fails whenever the P99 latency is above ${threshold} ms, i.e. always (Flagger v1.44 runBuiltinMetricChecks in pkg/controller/scheduler_metrics.go). Add thresholdRange: {max: <milliseconds>}, e.g. 500.`
            : `Metric ${JSON.stringify(name)} has neither \`thresholdRange\` nor \`threshold\`: for a query or template the legacy threshold is a maximum that defaults to 0, so the check fails whenever the value is above 0 (Flagger v1.44 runMetricChecks in pkg/controller/scheduler_metrics.go). Add thresholdRange with the min and/or max you accept (thresholdRange: {max: 0} if 0 really is the limit).`,
          path: metricPath(index, "name"),
        }),
      );
    } else if (successRate && threshold <= 0) {
      findings.push(
        buildFinding({
          code: "METRIC_CHECK_ALWAYS_PASSES",
          message: "Metric request-success-rate has no `thresholdRange` and no positive `threshold`: the legacy threshold is a minimum that defaults to 0%, so the check passes even when every request fails (Flagger v1.44 runBuiltinMetricChecks in pkg/controller/scheduler_metrics.go). Add thresholdRange: {min: 99}.",
          path: metricPath(index, "name"),
        }),
      );
    }
    if (successRate && thresholdWritten && metric.threshold !== undefined) findings.push(...checkSuccessRateMinimum({ value: metric.threshold, path: metricPath(index, "threshold") }));
    return findings;
  }
  if (!range) return findings;
  if (range.min === undefined && range.max === undefined) {
    findings.push(
      buildFinding({
        code: "METRIC_CHECK_ALWAYS_PASSES",
        message: `Metric ${JSON.stringify(name)} has an empty \`thresholdRange\`: with neither min nor max the check always passes (Flagger v1.44 pkg/controller/scheduler_metrics.go). Give the min and/or max you accept.`,
        path: metricPath(index, "thresholdRange"),
        at: "key",
      }),
    );
  }
  if (range.min !== undefined && range.max !== undefined && range.min > range.max) {
    findings.push(
      buildFinding({
        code: "METRIC_RANGE_EMPTY",
        message: `Metric ${JSON.stringify(name)} has thresholdRange min ${range.min} above max ${range.max}: no value satisfies both, so every check fails and every rollout is rolled back (Flagger v1.44 pkg/controller/scheduler_metrics.go). Swap them.`,
        path: metricPath(index, "thresholdRange", "min"),
      }),
    );
  }
  if (successRate && range.min !== undefined) findings.push(...checkSuccessRateMinimum({ value: range.min, path: metricPath(index, "thresholdRange", "min") }));
  return findings;
}

/** request-success-rate is a percentage from 0 to 100 (docs/flagger-scheduler.md §6.1 "Units"). */
function checkSuccessRateMinimum(params: { value: number; path: PathSegment[] }): PendingFinding[] {
  const { value, path } = params;
  if (value > 100) {
    return [
      buildFinding({
        code: "SUCCESS_RATE_MIN_ABOVE_100",
        message: `request-success-rate is a percentage from 0 to 100, so a minimum of ${value} can never be met: every check fails and every rollout is rolled back (Flagger v1.44 pkg/controller/scheduler_metrics.go). Use e.g. 99.`,
        path,
      }),
    ];
  }
  if (value > 0 && value <= 1) {
    return [
      buildFinding({
        code: "SUCCESS_RATE_MIN_LOOKS_LIKE_RATIO",
        message: `request-success-rate is a percentage from 0 to 100, so a minimum of ${value} accepts a canary that fails ${100 - value}% of its requests (Flagger v1.44 pkg/controller/scheduler_metrics.go). If you meant a ratio, write it as a percentage, e.g. ${value === 1 ? 99 : Math.round(value * 100)}.`,
        path,
      }),
    ];
  }
  return [];
}

export const checkMetricTemplate: DocumentRule = ({ document, index }) => {
  if (document.kind !== "MetricTemplate") return [];
  const template = index.metricTemplateOf(document);
  if (!template) return [];
  const spec = template.object.spec;
  const findings: PendingFinding[] = [];
  const provider = spec?.provider;
  if (provider?.type === "prometheus") {
    const address = provider.address;
    const problem = address === undefined || address === "" ? "has no `address`" : !isGoParsableUrl(address) ? `has the address ${JSON.stringify(address)}, which Go cannot parse as a URL` : undefined;
    if (problem && !(address === undefined && isWritten(document, ["spec", "provider", "address"]))) {
      findings.push(
        buildFinding({
          code: "METRIC_TEMPLATE_ADDRESS_MISSING",
          message: `MetricTemplate ${template.name || "(unnamed)"} uses the prometheus provider and ${problem}: Flagger does not fall back to -metrics-server, so building the provider fails and every check using this template is a failed check (Flagger v1.44 NewPrometheusProvider in pkg/metrics/providers/prometheus.go). Set spec.provider.address, e.g. http://prometheus.istio-system:9090.`,
          path: address === undefined ? ["spec", "provider"] : ["spec", "provider", "address"],
          ...(address === undefined ? { at: "key" as const } : {}),
        }),
      );
    }
  }
  if (spec?.query !== undefined) {
    for (const problem of findTemplateProblems(spec.query)) {
      findings.push(
        buildFinding({
          code: "METRIC_QUERY_TEMPLATE_ERROR",
          message: `The query of MetricTemplate ${template.name || "(unnamed)"} ${problem}; Flagger's render fails, so every check using this template is a failed check (Flagger v1.44 RenderQuery in pkg/metrics/observers/render.go). The template functions are {{ name }}, {{ namespace }}, {{ target }}, {{ service }}, {{ ingress }}, {{ route }}, {{ interval }} and {{ variables.key }}.`,
          path: ["spec", "query"],
        }),
      );
    }
  }
  return findings;
};

/** The functions of Flagger's query templates (metric.go TemplateFunctions, docs/flagger-scheduler.md §6.3). */
const FLAGGER_FUNCTIONS = new Set(["name", "namespace", "target", "service", "ingress", "route", "interval", "variables"]);
/** Go text/template's predefined functions and keywords. */
const GO_TEMPLATE_WORDS = new Set([
  "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
  "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil", "true", "false",
]);

/**
 * Problems Go's text/template would report when Flagger renders a query with nil data and
 * missingkey=error: an unclosed action, an unknown function, or a field of the (nil) data.
 */
export function findTemplateProblems(query: string): string[] {
  const problems: string[] = [];
  let from = 0;
  while (true) {
    const open = query.indexOf("{{", from);
    if (open === -1) break;
    const close = query.indexOf("}}", open + 2);
    if (close === -1) {
      problems.push("has a `{{` that is never closed with `}}`");
      break;
    }
    from = close + 2;
    let body = query.slice(open + 2, close);
    body = body.replace(/^-\s/, "").replace(/\s-$/, "").trim();
    if (body.startsWith("/*")) continue;
    const code = body.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'/g, " ");
    if (/(?:^|[\s(|])\.[A-Za-z_]/.test(code)) {
      problems.push(`reads \`{{ ${body} }}\` as a field of the template data, which Flagger leaves empty ("nil data; no entry for key"); write the function without the dot, e.g. {{ namespace }}`);
      continue;
    }
    for (const match of code.matchAll(/(^|[^A-Za-z0-9_.$])([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const word = match[2]!;
      if (FLAGGER_FUNCTIONS.has(word) || GO_TEMPLATE_WORDS.has(word)) continue;
      problems.push(`calls \`${word}\` in \`{{ ${body} }}\`, which is not a function Flagger defines ("function ${JSON.stringify(word)} not defined")`);
      break;
    }
  }
  return problems;
}
