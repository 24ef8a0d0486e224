/**
 * Small facts about a Canary that several rules need, each computed the way Flagger computes it.
 */
import type { CanarySpec } from "../../canary/crd.js";
import type { PathSegment } from "../../canary/findings.js";
import { isRecord, type ManifestDocument } from "../../canary/parse.js";

/** Built-in metric names, the same for every provider (docs/flagger-scheduler.md §2, §6). */
export const BUILTIN_METRICS: ReadonlySet<string> = new Set(["request-success-rate", "request-duration"]);

/** `LocalObjectReference.IsKnativeService`: kind Service with exactly serving.knative.dev/v1. */
export function isKnativeTarget(spec: CanarySpec): boolean {
  return spec.targetRef?.kind === "Service" && spec.targetRef.apiVersion === "serving.knative.dev/v1";
}

/** The provider in words, saying where it came from when spec.provider is unset. */
export function describeProvider(params: { spec: CanarySpec; provider: string }): string {
  return params.spec.provider ? `provider \`${params.provider}\`` : `provider \`${params.provider}\` (the controller's -mesh-provider; spec.provider is unset)`;
}

/** Where a provider-level finding points: `spec.provider` when written, else the `spec` key. */
export function providerPath(spec: CanarySpec): { path: PathSegment[]; at?: "key" } {
  return spec.provider ? { path: ["spec", "provider"] } : { path: ["spec"], at: "key" };
}

/**
 * Whether a path is written in the document at all (whatever its value). Rules use it so that a
 * field the schema already rejected (and left out of the model) is not reported a second time as
 * missing.
 */
export function isWritten(document: ManifestDocument, path: readonly PathSegment[]): boolean {
  let node: unknown = document.value;
  for (const segment of path) {
    if (typeof segment === "number") {
      if (!Array.isArray(node) || segment >= node.length) return false;
      node = node[segment];
    } else {
      if (!isRecord(node) || !Object.hasOwn(node, segment)) return false;
      node = node[segment];
    }
  }
  return node !== null && node !== undefined;
}

/** Every `{{ … }}` action body in a Go text/template, trimmed (`{{- x -}}` → `x`). */
export function listTemplateActions(query: string): string[] {
  const out: string[] = [];
  for (const match of query.matchAll(/\{\{(-?)([\s\S]*?)(-?)\}\}/g)) out.push((match[2] ?? "").trim());
  return out;
}

/** Keys used as `{{ variables.key }}` (or `variables.key` anywhere inside an action). */
export function listTemplateVariables(query: string): string[] {
  const keys = new Set<string>();
  for (const action of listTemplateActions(query)) {
    for (const match of action.matchAll(/(?:^|[^A-Za-z0-9_.$])variables\.([A-Za-z0-9_]+)/g)) keys.add(match[1]!);
  }
  return [...keys];
}

/** Whether a query renders the metric interval (`{{ interval }}`). */
export function usesInterval(query: string): boolean {
  return listTemplateActions(query).some((action) => /(?:^|[^A-Za-z0-9_.$])interval(?![A-Za-z0-9_])/.test(action));
}

export function metricPath(index: number, ...rest: PathSegment[]): PathSegment[] {
  return ["spec", "analysis", "metrics", index, ...rest];
}

/** Metrics whose interval the observer or the provider reads as a Go duration (docs/flagger-scheduler.md §1.5). */
export const GO_DURATION_METRIC_PROVIDERS: ReadonlySet<string> = new Set(["datadog", "cloudwatch", "newrelic", "dynatrace", "splunk"]);

/** The apex Service name: `service.name`, else `targetRef.name` (`GetServiceNames`, docs/flagger-routing.md §1.1). */
export function apexName(spec: CanarySpec): string | undefined {
  return spec.service?.name || spec.targetRef?.name || undefined;
}

export function usesBuiltinMetrics(spec: CanarySpec): boolean {
  return (spec.analysis?.metrics ?? []).some((metric) => metric.name !== undefined && BUILTIN_METRICS.has(metric.name));
}

/** Whether any inline query or template query of the Canary renders a given template function. */
export function queriesUse(params: { spec: CanarySpec; templateQueries: ReadonlyArray<string | undefined>; fn: string }): boolean {
  const pattern = new RegExp(`(?:^|[^A-Za-z0-9_.$])${params.fn}(?![A-Za-z0-9_])`);
  const queries = [...(params.spec.analysis?.metrics ?? []).map((m) => m.query), ...params.templateQueries];
  return queries.some((query) => query !== undefined && listTemplateActions(query).some((action) => pattern.test(action)));
}

/**
 * Go's url.Parse for an absolute http(s) address: it refuses spaces, control characters, bad
 * percent-escapes and characters such as `{` in the host. Returns true for what Go accepts.
 */
export function isGoParsableUrl(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f ]/.test(text)) return false;
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return false;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(text);
  if (!match) return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(text) || !text.includes(":");
  const authority = match[2]!;
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  if (host.startsWith("[")) return /^\[[0-9A-Fa-f:.]+(?:%[^\]]*)?\](?::[0-9]*)?$/.test(host);
  const colon = host.lastIndexOf(":");
  const name = colon === -1 ? host : host.slice(0, colon);
  const port = colon === -1 ? "" : host.slice(colon + 1);
  if (!/^[0-9]*$/.test(port)) return false;
  return /^[A-Za-z0-9\-._~!$&'()*+,;=%]*$/.test(name);
}
