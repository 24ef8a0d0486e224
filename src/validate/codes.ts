/**
 * Every finding code canary-bot can emit, with its severity and a one-line summary. Codes are
 * stable: renderers, suppressions and users' CI scripts key on them. docs/rules.md documents each
 * one with a failing example (test/validate/rules-doc.test.ts holds the two together).
 *
 * Severity follows docs/flagger-scheduler.md §2: REJECT, STALL and FAIL are errors; COERCE and WARN are
 * warnings; a reference that is not among the given files is a notice (it may live elsewhere).
 */
import type { PathSegment, PendingFinding, Severity } from "../canary/findings.js";

export interface CodeInfo {
  severity: Severity;
  summary: string;
  /** Which layer emits it. */
  layer: "file" | "yaml" | "schema" | "rule";
}

export const FINDING_CODES = {
  // Files and YAML (src/canary/parse.ts, src/cli/files.ts, src/validate/validate.ts)
  FILE_TOO_LARGE: { severity: "error", layer: "file", summary: "The file is larger than canary-bot reads; it was not validated." },
  FILE_NOT_TEXT: { severity: "error", layer: "file", summary: "The file is not UTF-8 text (binary data); it was not validated." },
  FILE_UNREADABLE: { severity: "error", layer: "file", summary: "The file could not be read from disk." },
  NOT_REVIEWED: { severity: "warning", layer: "file", summary: "The App did not read the file: the pull request is over its file or byte budget (src/github/review-input.ts)." },
  HELM_TEMPLATE: { severity: "notice", layer: "file", summary: "An unrendered Helm chart template holds a Flagger Canary; it was not validated (other templates are skipped and counted)." },
  EMPTY_FILE: { severity: "notice", layer: "file", summary: "The file has no YAML documents." },
  DOCUMENT_TOO_LARGE: { severity: "error", layer: "file", summary: "A YAML document is larger than any object the API server accepts; the file was not validated." },
  TOO_MANY_DOCUMENTS: { severity: "error", layer: "file", summary: "The file has more YAML documents than canary-bot reads." },
  TOO_MANY_FINDINGS: { severity: "notice", layer: "file", summary: "More findings than canary-bot lists for one file." },
  YAML_SYNTAX: { severity: "error", layer: "yaml", summary: "The document is not valid YAML." },
  YAML_DUPLICATE_KEY: { severity: "error", layer: "yaml", summary: "A mapping has the same key twice." },
  YAML_WARNING: { severity: "warning", layer: "yaml", summary: "The YAML reader warned about the document (e.g. an unknown tag)." },
  YAML_STRICT_SYNTAX: { severity: "warning", layer: "yaml", summary: "A Flagger object that strict YAML readers refuse but go-yaml (kubectl, kustomize) accepts; read leniently, without positions." },
  YAML_ALIAS_LIMIT: { severity: "error", layer: "yaml", summary: "The document expands YAML aliases too often (an alias bomb)." },
  YAML_TOO_DEEP: { severity: "error", layer: "yaml", summary: "The document nests far deeper than any Kubernetes object." },
  EMPTY_DOCUMENT: { severity: "notice", layer: "yaml", summary: "A document between `---` separators is empty or only comments." },
  COMMENTED_OUT_CANARY: { severity: "notice", layer: "yaml", summary: "A commented-out Canary below another object; Flagger will not see it." },

  // Flagger's CRD (src/canary/schema.ts, src/canary/crd.ts)
  SCHEMA_TYPE: { severity: "error", layer: "schema", summary: "A field has the wrong type; the API server rejects the object." },
  SCHEMA_ENUM: { severity: "error", layer: "schema", summary: "A field has a value the CRD's enum does not allow." },
  SCHEMA_PATTERN: { severity: "error", layer: "schema", summary: "A string does not match the CRD's pattern." },
  SCHEMA_RANGE: { severity: "error", layer: "schema", summary: "A number, string or list is outside the CRD's bounds." },
  SCHEMA_REQUIRED: { severity: "error", layer: "schema", summary: "A field the CRD requires is missing." },
  SCHEMA_ONE_OF: { severity: "error", layer: "schema", summary: "An object must set exactly one of several fields (a CRD oneOf)." },
  SCHEMA_UNKNOWN_FIELD: { severity: "warning", layer: "schema", summary: "A field the CRD does not know; the API server drops it." },
  VALUE_NOT_INTEGER: { severity: "error", layer: "schema", summary: "A fraction where Flagger's Go field is an integer; Flagger cannot decode the object." },
  MIRROR_BACKEND_PORT_REQUIRED: { severity: "error", layer: "schema", summary: "A service.mirror backendRef to a Service has no port (the CRD's CEL rule)." },
  ANALYSIS_FIELD_REQUIRED: { severity: "error", layer: "schema", summary: "The analysis lacks interval or threshold, which the CRD's oneOf requires." },
  ANALYSIS_STRATEGY_MISSING: { severity: "error", layer: "schema", summary: "The analysis sets none of iterations, stepWeight, stepWeights." },
  ANALYSIS_STRATEGY_CONFLICT: { severity: "error", layer: "schema", summary: "The analysis sets more than one of iterations, stepWeight, stepWeights." },
  FLUX_VARIABLE_NOT_SUBSTITUTED: { severity: "notice", layer: "schema", summary: "A Flux variable (${VAR}, ${VAR:=default}) left in a raw file: its default is checked, other fields holding one are not judged." },
  STATUS_IGNORED: { severity: "warning", layer: "schema", summary: "A `status` in a manifest is discarded by the API server." },

  // The Canary as a Kubernetes object (rules/document.ts)
  CANARY_API_VERSION: { severity: "error", layer: "rule", summary: "The Canary's apiVersion is not served by Flagger's CRD." },
  METADATA_NAME_MISSING: { severity: "error", layer: "rule", summary: "The Canary has no metadata.name." },
  METADATA_NAME_INVALID: { severity: "error", layer: "rule", summary: "The Canary's name is not a valid Kubernetes name." },
  CANARY_SPEC_MISSING: { severity: "error", layer: "rule", summary: "The Canary has no spec, so Flagger has nothing to run." },
  CANARY_FRAGMENT: { severity: "error", layer: "rule", summary: "A document shaped like a Canary has no apiVersion or kind." },
  NOT_FLAGGER_CANARY: { severity: "notice", layer: "rule", summary: "A `kind: Canary` of another API group (not Flagger); not validated." },

  // The analysis (rules/analysis.ts)
  ANALYSIS_INTERVAL_UNPARSABLE: { severity: "warning", layer: "rule", summary: "The analysis interval passes the CRD but is not a Go duration; Flagger uses 60s." },
  ANALYSIS_INTERVAL_BELOW_MINIMUM: { severity: "warning", layer: "rule", summary: "The analysis interval is below 10s; Flagger uses 10s." },
  THRESHOLD_NOT_POSITIVE: { severity: "warning", layer: "rule", summary: "threshold ≤ 0; Flagger uses 1." },
  THRESHOLD_DELAYS_ROLLBACK: { severity: "warning", layer: "rule", summary: "threshold × interval is so long that a failing canary keeps its traffic for hours." },
  ITERATIONS_NOT_POSITIVE: { severity: "error", layer: "rule", summary: "iterations ≤ 0 runs a weighted canary with no step: it never advances." },
  MAX_WEIGHT_NOT_POSITIVE: { severity: "warning", layer: "rule", summary: "maxWeight ≤ 0; Flagger uses 100." },
  MAX_WEIGHT_ABOVE_100: { severity: "error", layer: "rule", summary: "maxWeight > 100 with stepWeight: the weight stops at 100 and never promotes." },
  MAX_WEIGHT_IGNORED: { severity: "warning", layer: "rule", summary: "maxWeight is ignored with stepWeights or iterations." },
  STEP_WEIGHT_NOT_POSITIVE: { severity: "error", layer: "rule", summary: "stepWeight ≤ 0: the canary weight never moves." },
  STEP_WEIGHT_OVERSHOOTS_MAX_WEIGHT: { severity: "warning", layer: "rule", summary: "maxWeight is not a multiple of stepWeight; the last step goes past it." },
  STEP_WEIGHTS_EMPTY: { severity: "error", layer: "rule", summary: "stepWeights is an empty list: the canary weight never moves." },
  STEP_WEIGHTS_NOT_POSITIVE: { severity: "error", layer: "rule", summary: "The first stepWeights element is ≤ 0: the weight stays at 0." },
  STEP_WEIGHTS_NOT_INCREASING: { severity: "error", layer: "rule", summary: "stepWeights is not strictly increasing: the weight freezes." },
  STEP_WEIGHTS_ABOVE_100: { severity: "warning", layer: "rule", summary: "A stepWeights element is above 100; weights are clamped at 100." },
  STEP_WEIGHT_PROMOTION_NEGATIVE: { severity: "error", layer: "rule", summary: "stepWeightPromotion < 0: promotion never finishes." },
  READY_THRESHOLD_ABOVE_100: { severity: "error", layer: "rule", summary: "A ready threshold above 100%: the workload is never ready and nothing happens." },
  READY_THRESHOLD_NOT_POSITIVE: { severity: "warning", layer: "rule", summary: "A ready threshold ≤ 0 turns the availability check off." },
  SESSION_AFFINITY_SAME_COOKIE: { severity: "error", layer: "rule", summary: "cookieName equals primaryCookieName; Flagger refuses the Canary." },
  MATCH_WITHOUT_ITERATIONS: { severity: "warning", layer: "rule", summary: "analysis.match without iterations runs a weighted canary, not an A/B test." },
  ANALYSIS_WITHOUT_METRICS: { severity: "warning", layer: "rule", summary: "The analysis has no metrics: nothing measures the canary's health." },

  // Providers and routing (rules/providers.ts)
  INGRESS_REF_MISSING: { severity: "error", layer: "rule", summary: "Provider nginx or skipper without spec.ingressRef." },
  ROUTE_REF_MISSING: { severity: "error", layer: "rule", summary: "Provider apisix without spec.routeRef." },
  GATEWAY_REFS_MISSING: { severity: "error", layer: "rule", summary: "Provider gatewayapi without spec.service.gatewayRefs." },
  MESH_NAME_MISSING: { severity: "error", layer: "rule", summary: "Provider appmesh without spec.service.meshName." },
  REF_IGNORED_BY_PROVIDER: { severity: "warning", layer: "rule", summary: "A provider-specific reference that the Canary's provider ignores." },
  AB_MATCH_IGNORED_BY_PROVIDER: { severity: "error", layer: "rule", summary: "A/B match on a provider that ignores match: 100% of traffic goes to the canary." },
  AB_MATCH_UNSUPPORTED_BY_GATEWAY_API: { severity: "error", layer: "rule", summary: "A/B header or query match that Gateway API cannot express: all traffic goes to the canary." },
  NGINX_MATCH_LAST_ONLY: { severity: "warning", layer: "rule", summary: "Provider nginx keeps only the last header (and cookie) of analysis.match; the other conditions are ignored." },
  KUBERNETES_MATCH_DROPPED: { severity: "warning", layer: "rule", summary: "Provider kubernetes drops analysis.match." },
  KUBERNETES_BLUE_GREEN_COERCED: { severity: "warning", layer: "rule", summary: "Provider kubernetes runs blue/green with 10 iterations instead of the weights." },
  MIRROR_IGNORED_BY_PROVIDER: { severity: "warning", layer: "rule", summary: "mirror: true on a provider that cannot mirror (blue/green): ignored." },
  MIRROR_STALLS_PROGRESSIVE: { severity: "error", layer: "rule", summary: "Progressive mirroring on a provider other than Istio HTTP: the canary stays at 0%." },
  MIRROR_WEIGHT_IGNORED: { severity: "warning", layer: "rule", summary: "mirrorWeight has no effect (not Istio, or no mirror)." },
  DELEGATION_WITH_HOSTS: { severity: "error", layer: "rule", summary: "Istio delegation with hosts or gateways: the VirtualService never reconciles." },
  KNATIVE_PROVIDER_MISMATCH: { severity: "error", layer: "rule", summary: "A Knative target without provider knative, or provider knative without one." },
  KNATIVE_WITH_AUTOSCALER: { severity: "error", layer: "rule", summary: "A Knative target with autoscalerRef; Flagger refuses the Canary." },
  BUILTIN_METRICS_PROVIDER_OVERRIDDEN: { severity: "warning", layer: "rule", summary: "With a linkerd mesh provider, built-in metrics use Linkerd queries whatever spec.provider says." },
  SERVICE_TARGET_METRICS_FALLBACK: { severity: "warning", layer: "rule", summary: "A Service target makes built-in metrics fall back to Istio queries." },

  // Metrics (rules/metrics.ts)
  METRIC_NOT_BUILTIN_WITHOUT_QUERY: { severity: "error", layer: "rule", summary: "A metric that is neither built-in nor has a query or templateRef: every check fails." },
  METRIC_BUILTIN_NAME_WITH_QUERY: { severity: "warning", layer: "rule", summary: "A built-in metric name with a query or templateRef runs both checks." },
  TEMPLATE_METRIC_WITHOUT_INTERVAL: { severity: "error", layer: "rule", summary: "A templateRef metric without interval: {{ interval }} renders empty and every check fails." },
  METRIC_INTERVAL_UNPARSABLE: { severity: "error", layer: "rule", summary: "A metric interval that passes the CRD but no metric back end can read." },
  METRIC_INTERVAL_TOO_SHORT: { severity: "warning", layer: "rule", summary: "A metric window too short to hold two Prometheus samples." },
  METRIC_WITHOUT_THRESHOLD: { severity: "error", layer: "rule", summary: "A duration or custom metric with neither thresholdRange nor threshold fails whenever the value is above 0." },
  METRIC_CHECK_ALWAYS_PASSES: { severity: "warning", layer: "rule", summary: "A metric check that can never fail." },
  METRIC_RANGE_EMPTY: { severity: "error", layer: "rule", summary: "thresholdRange.min is above max: every check fails." },
  SUCCESS_RATE_MIN_ABOVE_100: { severity: "error", layer: "rule", summary: "request-success-rate is a percentage; a minimum above 100 always fails." },
  SUCCESS_RATE_MIN_LOOKS_LIKE_RATIO: { severity: "warning", layer: "rule", summary: "request-success-rate min ≤ 1 looks like a ratio; it is a percentage." },
  TEMPLATE_VARIABLE_MISSING: { severity: "error", layer: "rule", summary: "A query uses {{ variables.x }} that the metric's templateVariables lack." },
  METRIC_QUERY_TEMPLATE_ERROR: { severity: "error", layer: "rule", summary: "A query uses a template action Flagger cannot render." },
  METRIC_TEMPLATE_NOT_FOUND: { severity: "notice", layer: "rule", summary: "The metric's MetricTemplate is not among the given files." },
  METRIC_TEMPLATE_ADDRESS_MISSING: { severity: "error", layer: "rule", summary: "A prometheus MetricTemplate without a usable address: every check fails." },

  // Webhooks and alerts (rules/webhooks.ts)
  WEBHOOK_TIMEOUT_UNPARSABLE: { severity: "error", layer: "rule", summary: "A webhook timeout that passes the CRD but is not a Go duration: every call fails." },
  WEBHOOK_TIMEOUT_TOO_SHORT: { severity: "error", layer: "rule", summary: "A webhook timeout under a second (e.g. 10ms): every call times out." },
  WEBHOOK_URL_INVALID: { severity: "error", layer: "rule", summary: "A webhook URL Flagger cannot call." },
  ALERT_SEVERITY_EMPTY: { severity: "warning", layer: "rule", summary: "An alert without severity is never sent." },
  ALERT_PROVIDER_NOT_FOUND: { severity: "notice", layer: "rule", summary: "The alert's AlertProvider is not among the given files." },

  // References to other objects (rules/references.ts)
  SERVICE_MISSING: { severity: "error", layer: "rule", summary: "No spec.service (port) for a Deployment or DaemonSet target." },
  SERVICE_PORT_INVALID: { severity: "error", layer: "rule", summary: "service.port or targetPort is not a valid port number." },
  DERIVED_NAME_INVALID: { severity: "error", layer: "rule", summary: "A name Flagger derives (<name>-primary, <name>-canary) is not a valid Kubernetes name." },
  TARGET_NOT_FOUND: { severity: "notice", layer: "rule", summary: "The targetRef workload is not among the given files." },
  TARGET_KIND_MISMATCH: { severity: "warning", layer: "rule", summary: "targetRef names a workload that exists with another kind." },
  SELECTOR_LABEL_MISSING: { severity: "error", layer: "rule", summary: "The target's selector has none of the controller's selector labels." },
  TARGET_PORT_NOT_FOUND: { severity: "error", layer: "rule", summary: "A named targetPort that no container port of the target has." },
  SERVICE_PORT_NOT_DECLARED: { severity: "warning", layer: "rule", summary: "The numeric target port is not among the target's declared container ports." },
  AUTOSCALER_NOT_FOUND: { severity: "notice", layer: "rule", summary: "The autoscalerRef object is not among the given files." },
  INGRESS_NOT_FOUND: { severity: "notice", layer: "rule", summary: "The ingressRef Ingress is not among the given files." },
  INGRESS_BACKEND_MISSING: { severity: "error", layer: "rule", summary: "The nginx Ingress has no backend that is the Canary's apex Service." },
  CROSS_NAMESPACE_REF: { severity: "error", layer: "rule", summary: "A reference to another namespace while -no-cross-namespace-refs is on." },

  // Across Canaries (rules/repository.ts)
  CANARY_DEFINED_TWICE: { severity: "error", layer: "rule", summary: "Two builds apply a Canary with the same namespace and name to one environment (src/review/review.ts)." },
  DUPLICATE_TARGET: { severity: "warning", layer: "rule", summary: "Two Canaries target the same workload." },
  HOST_CONFLICT: { severity: "warning", layer: "rule", summary: "Two Canaries claim the same host on the same gateway." },
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof FINDING_CODES;

export function isRegisteredCode(code: string): code is FindingCode {
  return Object.hasOwn(FINDING_CODES, code);
}

/** A finding of a registered code; its severity comes from the registry, never from the caller. */
export function buildFinding(params: { code: FindingCode; message: string; path: readonly PathSegment[]; at?: "key" | "value" }): PendingFinding {
  return {
    code: params.code,
    severity: FINDING_CODES[params.code].severity,
    message: params.message,
    path: params.path,
    ...(params.at ? { at: params.at } : {}),
  };
}
