/**
 * Rules that depend on the routing provider: references each router requires or ignores, A/B
 * matching, mirroring, the kubernetes provider's coercions, Knative, and the metrics observer
 * (docs/flagger-scheduler.md §2, §6.1; docs/flagger-routing.md §0, §4–§7).
 */
import type { PendingFinding } from "../../canary/findings.js";
import { DEFAULT_CONTROLLER_SETTINGS, routerFamily, type RouterFamily } from "../../canary/settings.js";
import { buildFinding } from "../codes.js";
import type { CanaryRule } from "../rule.js";
import { describeProvider, isKnativeTarget, isWritten, providerPath, queriesUse, usesBuiltinMetrics } from "./facts.js";

/** Routers that read `analysis.match` (docs/flagger-scheduler.md §2: grep of GetAnalysis().Match). */
const MATCH_AWARE: ReadonlySet<RouterFamily> = new Set(["istio", "appmesh", "contour", "gloo", "nginx", "gatewayapi"]);

export const checkProviderReferences: CanaryRule = ({ resolved }) => {
  const { spec, document } = resolved.canary;
  const family = routerFamily(resolved.provider);
  const provider = describeProvider({ spec, provider: resolved.provider });
  const where = providerPath(spec);
  const findings: PendingFinding[] = [];
  if ((family === "nginx" || family === "skipper") && !isWritten(document, ["spec", "ingressRef"])) {
    findings.push(
      buildFinding({
        code: "INGRESS_REF_MISSING",
        message: `With ${provider} the Canary needs \`spec.ingressRef\` (the Ingress that serves the apex Service). Without it the router fails with "ingress selector is empty" on every tick, as a Warning event, and the canary never initialises (Flagger v1.44 Reconcile in ${family === "nginx" ? "pkg/router/ingress.go" : "pkg/router/skipper.go"}). Add ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: <your Ingress>}.`,
        ...where,
      }),
    );
  }
  if (family === "apisix" && !isWritten(document, ["spec", "routeRef"])) {
    findings.push(
      buildFinding({
        code: "ROUTE_REF_MISSING",
        message: `With ${provider} the Canary needs \`spec.routeRef\` (the ApisixRoute to split). Without it the router fails with "apisix route selector is empty" on every tick and the canary never initialises (Flagger v1.44 Reconcile in pkg/router/apisix.go). Add routeRef: {apiVersion: apisix.apache.org/v2, kind: ApisixRoute, name: <route>}.`,
        ...where,
      }),
    );
  }
  if (family === "gatewayapi" && (spec.service?.gatewayRefs?.length ?? 0) === 0 && !isWritten(document, ["spec", "service", "gatewayRefs", 0])) {
    findings.push(
      buildFinding({
        code: "GATEWAY_REFS_MISSING",
        message: `With ${provider} the Canary needs \`spec.service.gatewayRefs\` (the Gateways the HTTPRoute attaches to). Without them the router fails with "GatewayRefs must be specified when using Gateway API as a provider." on every tick and the canary never initialises (Flagger v1.44 Reconcile in pkg/router/gateway_api.go). Add gatewayRefs: [{name: <gateway>, namespace: <its namespace>}].`,
        ...(spec.service ? { path: ["spec", "service"], at: "key" as const } : where),
      }),
    );
  }
  if (resolved.provider === "appmesh" && !spec.service?.meshName && !isWritten(document, ["spec", "service", "meshName"])) {
    findings.push(
      buildFinding({
        code: "MESH_NAME_MISSING",
        message: `With ${provider} (App Mesh v1beta1) the Canary needs \`spec.service.meshName\`. Without it the router fails with "mesh name cannot be empty" on every tick and the canary never initialises (Flagger v1.44 Reconcile in pkg/router/appmesh.go). Set meshName, or use provider appmesh:v1beta2, which selects the mesh by namespace label.`,
        ...(spec.service ? { path: ["spec", "service"], at: "key" as const } : where),
      }),
    );
  }
  return findings;
};

export const checkIgnoredReferences: CanaryRule = ({ resolved, settings }) => {
  const { spec } = resolved.canary;
  const family = routerFamily(resolved.provider);
  const provider = describeProvider({ spec, provider: resolved.provider });
  const templateQueries = resolved.metricTemplates.map((template) => template?.object.spec?.query);
  const findings: PendingFinding[] = [];
  // Without spec.provider the router is the controller's -mesh-provider. When that is only
  // Flagger's default (no controller.meshProvider in the repository config), the reference is
  // more likely right and the assumption wrong: say how to tell canary-bot, not to delete it.
  const onlyDefault = !spec.provider && settings.meshProvider === DEFAULT_CONTROLLER_SETTINGS.meshProvider;
  const advice = (usedBy: string) =>
    onlyDefault
      ? `If your Flagger controller runs with another -mesh-provider (e.g. for ${usedBy}), set \`controller.meshProvider\` in .github/canary-bot.yml (or spec.provider in the Canary); otherwise remove it.`
      : `Remove it, or set spec.provider if this Canary is meant for ${usedBy}.`;
  const ignored = (field: string, path: string[], usedBy: string) =>
    buildFinding({
      code: "REF_IGNORED_BY_PROVIDER",
      message: `\`${path.join(".")}\` is only read by ${usedBy}; the ${family} router of ${provider} ignores it (Flagger v1.44 pkg/router/factory.go). ${advice(usedBy)}${field === "ingressRef" || field === "routeRef" ? ` (It would still name {{ ${field === "ingressRef" ? "ingress" : "route"} }} in metric queries, but none of this Canary's queries uses it.)` : ""}`,
      path,
      at: "key",
    });
  if (spec.ingressRef && family !== "nginx" && family !== "skipper" && !queriesUse({ spec, templateQueries, fn: "ingress" })) {
    findings.push(ignored("ingressRef", ["spec", "ingressRef"], "the nginx and skipper routers"));
  }
  if (spec.routeRef && family !== "apisix" && !queriesUse({ spec, templateQueries, fn: "route" })) {
    findings.push(ignored("routeRef", ["spec", "routeRef"], "the apisix router"));
  }
  if (spec.upstreamRef && family !== "gloo") findings.push(ignored("upstreamRef", ["spec", "upstreamRef"], "the gloo router"));
  if ((spec.service?.gatewayRefs?.length ?? 0) > 0 && family !== "gatewayapi") {
    findings.push(ignored("gatewayRefs", ["spec", "service", "gatewayRefs"], "the Gateway API router (provider gatewayapi:v1 or gatewayapi:v1beta1)"));
  }
  return findings;
};

export const checkMatchSupport: CanaryRule = ({ resolved }) => {
  const { spec } = resolved.canary;
  const analysis = spec.analysis;
  const family = routerFamily(resolved.provider);
  const provider = describeProvider({ spec, provider: resolved.provider });
  const findings: PendingFinding[] = [];
  const hasMatch = (analysis?.match?.length ?? 0) > 0;
  if (family === "kubernetes") {
    if (hasMatch) {
      findings.push(
        buildFinding({
          code: "KUBERNETES_MATCH_DROPPED",
          message: `With ${provider} there is no router to apply \`spec.analysis.match\`: Flagger emits a Warning event "A/B testing is not supported when using the kubernetes provider" on every tick and drops the match, running blue/green instead (Flagger v1.44 advanceCanary in pkg/controller/scheduler.go). Remove match, or use a provider that routes on headers (istio, gatewayapi, nginx, contour, gloo, appmesh).`,
          path: ["spec", "analysis", "match"],
          at: "key",
        }),
      );
    }
    return findings;
  }
  if (hasMatch && (analysis?.iterations ?? 0) > 0 && !MATCH_AWARE.has(family)) {
    findings.push(
      buildFinding({
        code: "AB_MATCH_IGNORED_BY_PROVIDER",
        message: `A/B testing (match with iterations) on ${provider}: the ${family} router ignores \`analysis.match\`, and the A/B step routes primary 0 / canary 100, so all traffic goes to the canary from the first A/B tick (Flagger v1.44 runAB in pkg/controller/scheduler.go). Only istio, appmesh, contour, gloo, nginx and gatewayapi route on match; use one of them, or run blue/green (remove match).`,
        path: ["spec", "analysis", "match"],
        at: "key",
      }),
    );
  }
  if (family === "nginx" && hasMatch) {
    // IngressRouter.SetRoutes (pkg/router/ingress.go) folds every match entry into one
    // canary-by-header and one canary-by-cookie annotation: each header overwrites the previous one,
    // so only the last survives (within one entry, the last in Go's random map order).
    const headers: Array<{ path: Array<string | number>; name: string }> = [];
    const cookies: Array<{ path: Array<string | number> }> = [];
    (analysis?.match ?? []).forEach((match, i) => {
      for (const name of Object.keys(match.headers ?? {})) {
        if (name === "cookie") cookies.push({ path: ["spec", "analysis", "match", i, "headers", name] });
        else headers.push({ path: ["spec", "analysis", "match", i, "headers", name], name });
      }
    });
    if (headers.length > 1 || cookies.length > 1) {
      const last = headers.at(-1);
      findings.push(
        buildFinding({
          code: "NGINX_MATCH_LAST_ONLY",
          message: `With ${provider}, Flagger turns \`analysis.match\` into a single canary-by-header${cookies.length > 0 ? " and a single canary-by-cookie" : ""} annotation on the canary Ingress: it loops over every entry and each header overwrites the one before (IngressRouter.SetRoutes, pkg/router/ingress.go). Of the ${headers.length} header conditions${cookies.length > 1 ? ` and ${cookies.length} cookie conditions` : ""} only one routes to the canary${last ? ` (\`${last.name}\`, the last one${Object.keys((analysis?.match ?? [])[Number(last.path[3])]?.headers ?? {}).filter((h) => h !== "cookie").length > 1 ? "; within one entry Go's map order picks one at random" : ""})` : ""}; requests matching only the others stay on the primary. Keep one header condition and at most one cookie.`,
          path: ["spec", "analysis", "match"],
          at: "key",
        }),
      );
    }
  }
  if (family === "gatewayapi") {
    // Gateway API converts only exact and regex header/query matches (router/gateway_api.go
    // mapRouteMatches); any other form drops every analysis match, silently (docs/flagger-routing.md §5).
    if ((analysis?.iterations ?? 0) > 0) {
      (analysis?.match ?? []).forEach((match, i) => {
        for (const [kind, entries] of [["headers", match.headers], ["queryParams", match.queryParams]] as const) {
          for (const [name, condition] of Object.entries(entries ?? {})) {
            if (condition.exact || condition.regex) continue;
            const form = describeCondition(condition);
            findings.push(
              buildFinding({
                code: "AB_MATCH_UNSUPPORTED_BY_GATEWAY_API",
                message: `\`${kind}.${name}\` uses ${form} match, which Gateway API cannot express (only exact and regex): Flagger drops all analysis matches without an error, the A/B route matches every request, and the A/B step sends all traffic to the canary (Flagger v1.44 mapRouteMatches in pkg/router/gateway_api.go). Use exact or regex (e.g. regex: "^value").`,
                path: ["spec", "analysis", "match", i, kind, name],
                at: "key",
              }),
            );
          }
        }
      });
    }
    (spec.service?.match ?? []).forEach((match, i) => {
      const problems: Array<[string[], string]> = [];
      if (match.uri && !match.uri.exact && !match.uri.prefix && !match.uri.regex) problems.push([["uri"], "an empty uri match"]);
      if (match.method && !match.method.exact) problems.push([["method"], "a method match other than exact"]);
      for (const [kind, entries] of [["headers", match.headers], ["queryParams", match.queryParams]] as const) {
        for (const [name, condition] of Object.entries(entries ?? {})) {
          if (!condition.exact && !condition.regex) problems.push([[kind, name], `${describeCondition(condition)} ${kind === "headers" ? "header" : "query"} match`]);
        }
      }
      for (const [rest, what] of problems) {
        findings.push(
          buildFinding({
            code: "AB_MATCH_UNSUPPORTED_BY_GATEWAY_API",
            message: `\`spec.service.match[${i}]\` has ${what}, which Gateway API cannot express: building the HTTPRoute fails ("Gateway API doesn't support the specified … matching selector") on every tick and the canary never initialises (Flagger v1.44 mapRouteMatches in pkg/router/gateway_api.go). Use exact, prefix (uri only) or regex.`,
            path: ["spec", "service", "match", i, ...rest],
            at: "key",
          }),
        );
      }
    });
  }
  return findings;
};

export const checkKubernetesCoercion: CanaryRule = ({ resolved }) => {
  const { spec } = resolved.canary;
  const analysis = spec.analysis;
  if (!analysis || routerFamily(resolved.provider) !== "kubernetes") return [];
  if ((analysis.iterations ?? 0) >= 1) return [];
  const field = analysis.stepWeights !== undefined ? "stepWeights" : analysis.stepWeight !== undefined ? "stepWeight" : "iterations";
  if (analysis[field] === undefined) return [];
  return [
    buildFinding({
      code: "KUBERNETES_BLUE_GREEN_COERCED",
      message: `With ${describeProvider({ spec, provider: resolved.provider })} nothing can split traffic: on every tick Flagger warns "Progressive traffic is not supported when using the kubernetes provider" and runs blue/green with iterations: 10 instead of \`${field}\`${analysis.maxWeight !== undefined ? " (maxWeight is ignored too)" : ""} (Flagger v1.44 advanceCanary in pkg/controller/scheduler.go). Write iterations explicitly (e.g. iterations: 10) so the manifest says what happens.`,
      path: ["spec", "analysis", field],
    }),
  ];
};

export const checkMirror: CanaryRule = ({ resolved }) => {
  const { spec } = resolved.canary;
  const analysis = spec.analysis;
  if (!analysis) return [];
  const family = routerFamily(resolved.provider);
  const provider = describeProvider({ spec, provider: resolved.provider });
  const findings: PendingFinding[] = [];
  const iterations = analysis.iterations ?? 0;
  const hasMatch = (analysis.match?.length ?? 0) > 0;
  const tcp = (spec.service?.appProtocol ?? "").toLowerCase() === "tcp";
  if (analysis.mirror === true) {
    const path = ["spec", "analysis", "mirror"];
    if (family === "kubernetes") {
      findings.push(
        buildFinding({
          code: "MIRROR_IGNORED_BY_PROVIDER",
          message: `\`mirror: true\` has no effect with ${provider}: there is no router, so nothing is mirrored (Flagger v1.44 pkg/controller/scheduler.go). Remove it, or use istio or gatewayapi for mirroring.`,
          path,
        }),
      );
    } else if (iterations > 0) {
      if (hasMatch) {
        findings.push(
          buildFinding({
            code: "MIRROR_IGNORED_BY_PROVIDER",
            message: "`mirror: true` has no effect in an A/B test (match with iterations): the A/B routes replace the mirrored route (Flagger v1.44 pkg/router/istio.go). Remove mirror, or remove match for a mirrored blue/green run.",
            path,
          }),
        );
      } else if (family !== "istio" && family !== "gatewayapi") {
        findings.push(
          buildFinding({
            code: "MIRROR_IGNORED_BY_PROVIDER",
            message: `\`mirror: true\` is ignored by the ${family} router of ${provider}: Flagger asks for mirroring and the router does nothing, so blue/green runs without mirrored traffic (Flagger v1.44 pkg/controller/scheduler.go). Only istio and gatewayapi mirror; remove mirror or switch provider.`,
            path,
          }),
        );
      } else if (family === "istio" && tcp) {
        findings.push(
          buildFinding({
            code: "MIRROR_IGNORED_BY_PROVIDER",
            message: "`mirror: true` is ignored for a TCP service (`appProtocol: tcp`): Istio mirrors only HTTP routes (Flagger v1.44 pkg/router/istio.go). Remove mirror.",
            path,
          }),
        );
      }
    } else if (family !== "istio" || tcp || hasMatch) {
      const why = family !== "istio" ? `the ${family} router of ${provider} cannot mirror a weighted canary` : tcp ? "Istio does not mirror a TCP service (`appProtocol: tcp`)" : "with analysis.match the A/B routes replace the mirrored route";
      findings.push(
        buildFinding({
          code: "MIRROR_STALLS_PROGRESSIVE",
          message: `\`mirror: true\` with a weighted canary: Flagger first asks the router to mirror at 0%, but ${why}, so the router never reports mirroring and Flagger asks again on every tick. The canary weight stays at 0, the pre-rollout hooks re-run every tick, and the rollout never finishes or fails (Flagger v1.44 runCanary in pkg/controller/scheduler.go). Remove mirror, or use iterations (blue/green) with istio or gatewayapi for mirroring.`,
          path,
        }),
      );
    }
  }
  if (analysis.mirrorWeight !== undefined && analysis.mirrorWeight > 0 && (family !== "istio" || analysis.mirror !== true)) {
    findings.push(
      buildFinding({
        code: "MIRROR_WEIGHT_IGNORED",
        message:
          family !== "istio"
            ? `\`spec.analysis.mirrorWeight\` only sets Istio's mirrorPercentage; the ${family} router of ${provider} ignores it (Flagger v1.44 pkg/controller/scheduler.go). Remove it.`
            : "`spec.analysis.mirrorWeight` has no effect without `mirror: true` (Flagger v1.44 pkg/router/istio.go). Set mirror: true or remove mirrorWeight.",
        path: ["spec", "analysis", "mirrorWeight"],
      }),
    );
  }
  return findings;
};

export const checkIstioDelegation: CanaryRule = ({ resolved }) => {
  const service = resolved.canary.spec.service;
  if (routerFamily(resolved.provider) !== "istio" || service?.delegation !== true) return [];
  const fields = (["hosts", "gateways"] as const).filter((field) => (service[field]?.length ?? 0) > 0);
  if (fields.length === 0) return [];
  return [
    buildFinding({
      code: "DELEGATION_WITH_HOSTS",
      message: `\`spec.service.delegation: true\` with ${fields.join(" and ")}: a delegate VirtualService may not have hosts or gateways, so Istio reconciliation fails on every tick ("cannot have hosts and gateways when delegation enabled") and the canary never progresses (Flagger v1.44 reconcileVirtualService in pkg/router/istio.go). Remove ${fields.join(" and ")}; the root VirtualService that delegates to this one carries them.`,
      path: ["spec", "service", fields[0]!],
      at: "key",
    }),
  ];
};

export const checkKnative: CanaryRule = ({ resolved }) => {
  const { spec } = resolved.canary;
  if (!spec.targetRef) return [];
  const knativeTarget = isKnativeTarget(spec);
  const knativeProvider = spec.provider === "knative";
  const findings: PendingFinding[] = [];
  if (knativeTarget !== knativeProvider) {
    findings.push(
      buildFinding({
        code: "KNATIVE_PROVIDER_MISMATCH",
        message: knativeTarget
          ? `The target is a Knative Service (serving.knative.dev/v1), but \`spec.provider\` is ${spec.provider ? JSON.stringify(spec.provider) : "unset"}: Flagger refuses the Canary ("can't use … provider with Knative Service as target") and never schedules it; only the spec field counts, not the controller's -mesh-provider (Flagger v1.44 verifyKnativeCanary in pkg/controller/controller.go). Set spec.provider: knative.`
          : `\`spec.provider\` is knative, but the target is ${spec.targetRef.apiVersion ?? "?"}/${spec.targetRef.kind ?? "?"}, not a Knative Service: Flagger refuses the Canary ("can't use … as target if provider is set to knative") and never schedules it (Flagger v1.44 verifyKnativeCanary in pkg/controller/controller.go). Point targetRef at {apiVersion: serving.knative.dev/v1, kind: Service}, or change the provider.`,
        path: knativeTarget ? (spec.provider ? ["spec", "provider"] : ["spec", "targetRef", "apiVersion"]) : ["spec", "targetRef", "kind"],
      }),
    );
  }
  if (knativeTarget && spec.autoscalerRef) {
    findings.push(
      buildFinding({
        code: "KNATIVE_WITH_AUTOSCALER",
        message: "A Knative Service target with `spec.autoscalerRef`: Flagger refuses the Canary (\"can't use autoscaler with Knative Service\") and never schedules it; Knative scales its revisions itself (Flagger v1.44 verifyKnativeCanary in pkg/controller/controller.go). Remove autoscalerRef.",
        path: ["spec", "autoscalerRef"],
        at: "key",
      }),
    );
  }
  return findings;
};

export const checkMetricsObserver: CanaryRule = ({ resolved, settings }) => {
  const { spec } = resolved.canary;
  if (!usesBuiltinMetrics(spec)) return [];
  const findings: PendingFinding[] = [];
  // runBuiltinMetricChecks: spec.provider overrides the global provider, except that a global
  // provider containing "linkerd" always wins (docs/flagger-scheduler.md §6.1).
  let observer = settings.meshProvider.includes("crossover") ? "crossover" : settings.meshProvider;
  if (spec.provider) {
    observer = spec.provider;
    if (settings.meshProvider.includes("linkerd")) {
      observer = "linkerd";
      if (!spec.provider.includes("linkerd")) {
        findings.push(
          buildFinding({
            code: "BUILTIN_METRICS_PROVIDER_OVERRIDDEN",
            message: `The controller's -mesh-provider is ${JSON.stringify(settings.meshProvider)}, so Flagger runs Linkerd's queries for the built-in metrics whatever \`spec.provider\` (${spec.provider}) says (Flagger v1.44 runBuiltinMetricChecks in pkg/controller/scheduler_metrics.go). Unless the workload's traffic also goes through Linkerd proxies, those series do not exist and every check fails with "no values found". Use MetricTemplates with ${spec.provider}'s metrics instead of the built-in names.`,
            path: ["spec", "provider"],
          }),
        );
      }
    }
  }
  if (spec.targetRef?.kind === "Service" && !isKnativeTarget(spec)) {
    const base = observer;
    const kept = base.startsWith("appmesh") || base.startsWith("gloo") || base.startsWith("gatewayapi") || base === "istio";
    if (!kept) {
      findings.push(
        buildFinding({
          code: "SERVICE_TARGET_METRICS_FALLBACK",
          message: `With a Service target the metrics observer becomes "${base}:service", which matches no observer, so the built-in metrics use Istio's queries instead of ${base}'s (Flagger v1.44 runBuiltinMetricChecks in pkg/controller/scheduler_metrics.go, pkg/metrics/observers/factory.go). Unless Istio telemetry covers this Service they return no data and every check fails; use MetricTemplates for this Canary.`,
          path: ["spec", "targetRef", "kind"],
        }),
      );
    }
  }
  return findings;
};

/** "a prefix", "an empty exact", "an empty" — how a string match is written, for messages. */
function describeCondition(condition: Record<string, string | undefined>): string {
  const [form, value] = Object.entries(condition)[0] ?? [];
  if (form === undefined) return "an empty";
  if (value === "") return `an empty ${form}`;
  return `a ${form}`;
}
