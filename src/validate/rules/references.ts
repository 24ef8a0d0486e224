/**
 * Rules that follow a Canary's references into the other documents: the target workload and its
 * selector and ports, the Services Flagger derives, the autoscaler, the NGINX Ingress, metric
 * templates and alert providers. A reference that is not among the given files is a notice: the
 * object may live in another repository or be created by another tool.
 */
import type { PathSegment, PendingFinding } from "../../canary/findings.js";
import type { DocumentKind, ManifestDocument } from "../../canary/parse.js";
import { isRecord } from "../../canary/parse.js";
import { namespacesMatch } from "../../canary/resolve.js";
import { routerFamily } from "../../canary/settings.js";
import { buildFinding } from "../codes.js";
import type { CanaryRule } from "../rule.js";
import { apexName, isKnativeTarget, isWritten } from "./facts.js";

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** IANA_SVC_NAME: what a Service's named targetPort must be (k8s validation). */
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Where a document is, for messages: `apps/podinfo/deployment.yaml:3`. */
function at(document: ManifestDocument): string {
  return `${document.file}:${document.line}`;
}

function workloadKindOf(kind: string | undefined, apiVersion: string | undefined): DocumentKind | undefined {
  if (kind === "Deployment" || kind === "DaemonSet") return kind;
  if (kind === "Service" && apiVersion === "serving.knative.dev/v1") return "KnativeService";
  return undefined;
}

export const checkService: CanaryRule = ({ resolved }) => {
  const { spec, document } = resolved.canary;
  // Only Deployment and DaemonSet targets get the three Services (a Service target uses a no-op
  // Kubernetes router, router/factory.go KubernetesRouter; Knative routes itself).
  const kind = spec.targetRef?.kind;
  if (kind !== "Deployment" && kind !== "DaemonSet") return [];
  const findings: PendingFinding[] = [];
  if (!isWritten(document, ["spec", "service"])) {
    findings.push(
      buildFinding({
        code: "SERVICE_MISSING",
        message: "The Canary has no `spec.service`. The CRD does not require it, but Flagger builds the apex, -primary and -canary Services from service.port: without it the Services get port 0, which the API server refuses on every tick, and the canary never initialises (Flagger v1.44 artifacts/flagger/crd.yaml, pkg/router/kubernetes_default.go). Add service: {port: <the port your clients use>, targetPort: <the container port>}.",
        path: ["spec"],
        at: "key",
      }),
    );
    return findings;
  }
  const service = spec.service;
  if (service?.port !== undefined && (service.port < 1 || service.port > 65535)) {
    findings.push(
      buildFinding({
        code: "SERVICE_PORT_INVALID",
        message: `\`spec.service.port\` is ${service.port}, not a port number (1–65535): the API server refuses the Services Flagger creates, on every tick, and the canary never initialises (Flagger v1.44 pkg/router/kubernetes_default.go). Use the port clients connect to, e.g. 80 or 9898.`,
        path: ["spec", "service", "port"],
      }),
    );
  }
  const targetPort = service?.targetPort;
  if (typeof targetPort === "number" && targetPort !== 0 && (targetPort < 1 || targetPort > 65535)) {
    findings.push(
      buildFinding({
        code: "SERVICE_PORT_INVALID",
        message: `\`spec.service.targetPort\` is ${targetPort}, not a port number (1–65535): the API server refuses the Services Flagger creates, on every tick (Flagger v1.44 pkg/router/kubernetes_default.go). Use the container port number or name.`,
        path: ["spec", "service", "targetPort"],
      }),
    );
  } else if (typeof targetPort === "string" && (targetPort.length > 15 || !PORT_NAME.test(targetPort) || !/[a-z]/.test(targetPort) || targetPort.includes("--"))) {
    findings.push(
      buildFinding({
        code: "SERVICE_PORT_INVALID",
        message: `\`spec.service.targetPort\` is ${JSON.stringify(targetPort)}, which is not a valid port name (at most 15 lower-case letters, digits and single '-', with a letter): the API server refuses the Services Flagger creates, on every tick (Flagger v1.44 pkg/router/kubernetes_default.go). Use the container port's name or its number.`,
        path: ["spec", "service", "targetPort"],
      }),
    );
  }
  return findings;
};

export const checkDerivedNames: CanaryRule = ({ resolved }) => {
  const { spec } = resolved.canary;
  const findings: PendingFinding[] = [];
  const apex = apexName(spec);
  if (apex !== undefined) {
    const path: PathSegment[] = spec.service?.name ? ["spec", "service", "name"] : ["spec", "targetRef", "name"];
    const bad = [apex, `${apex}-primary`, `${apex}-canary`].find((name) => name.length > 63 || !DNS_1035_LABEL.test(name));
    if (bad !== undefined) {
      findings.push(
        buildFinding({
          code: "DERIVED_NAME_INVALID",
          message: `Flagger names the Services ${apex}, ${apex}-primary and ${apex}-canary (Flagger v1.44 GetServiceNames in pkg/apis/flagger/v1beta1/canary.go), and ${JSON.stringify(bad)} is not a valid Service name (a DNS-1035 label: at most 63 lower-case letters, digits and '-', starting with a letter): the API server refuses it on every tick and the canary never initialises. ${apex.length > 55 ? `Shorten ${spec.service?.name ? "service.name" : "the name"} to at most 55 characters.` : "Use a lower-case name that starts with a letter."}`,
          path,
        }),
      );
    }
  }
  const target = spec.targetRef?.name;
  if (target !== undefined && !isKnativeTarget(spec) && spec.targetRef?.kind !== "Service") {
    const primary = `${target}-primary`;
    if (primary.length > 253 || !DNS_1123_SUBDOMAIN.test(primary)) {
      findings.push(
        buildFinding({
          code: "DERIVED_NAME_INVALID",
          message: `Flagger creates the primary workload ${JSON.stringify(primary)} (Flagger v1.44 pkg/apis/flagger/v1beta1/canary.go), which is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253): creating it fails on every tick. Use the target's exact, valid name.`,
          path: ["spec", "targetRef", "name"],
        }),
      );
    }
  }
  const scaler = spec.autoscalerRef?.name;
  if (scaler !== undefined && (`${scaler}-primary`.length > 253 || !DNS_1123_SUBDOMAIN.test(`${scaler}-primary`))) {
    findings.push(
      buildFinding({
        code: "DERIVED_NAME_INVALID",
        message: `Flagger creates the primary autoscaler ${JSON.stringify(`${scaler}-primary`)} (Flagger v1.44 pkg/apis/flagger/v1beta1/canary.go), which is not a valid Kubernetes name: creating it fails on every tick. Use the autoscaler's exact, valid name.`,
        path: ["spec", "autoscalerRef", "name"],
      }),
    );
  }
  return findings;
};

export const checkTarget: CanaryRule = ({ resolved, index, settings }) => {
  const { spec, namespace } = resolved.canary;
  const ref = spec.targetRef;
  if (!ref?.name || !ref.kind) return [];
  const wanted = workloadKindOf(ref.kind, ref.apiVersion);
  if (!wanted) return [];
  const findings: PendingFinding[] = [];
  const workload = resolved.target;
  if (!workload) {
    const others = (["Deployment", "DaemonSet", "KnativeService"] as const).filter((kind) => kind !== wanted).flatMap((kind) => index.find(kind, ref.name!, namespace));
    if (others.length > 0) {
      const other = others[0]!;
      findings.push(
        buildFinding({
          code: "TARGET_KIND_MISMATCH",
          message: `\`spec.targetRef\` asks for ${wanted === "KnativeService" ? "a Knative Service" : `a ${wanted}`} named ${ref.name}, but ${at(other)} is a ${other.kindName ?? other.kind} of that name: Flagger looks only for the kind in targetRef and reports "not found" on every tick unless such an object exists elsewhere. Set targetRef.kind (and apiVersion) to match the workload.`,
          path: ["spec", "targetRef", "kind"],
        }),
      );
    } else {
      findings.push(
        buildFinding({
          code: "TARGET_NOT_FOUND",
          message: `The target ${ref.kind} ${ref.name}${namespace ? ` in namespace ${namespace}` : ""} is not among the files given, so its selector labels and ports were not checked. That is fine if it lives elsewhere; if not, Flagger reports "not found" on every tick until it exists.`,
          path: ["spec", "targetRef", "name"],
        }),
      );
    }
    return findings;
  }
  if (workload.kind === "KnativeService") return findings;

  // Selector label (docs/flagger-routing.md §1.2): the first of -selector-labels in spec.selector.matchLabels.
  const label = settings.selectorLabels.find((key) => Object.hasOwn(workload.selectorLabels, key));
  if (label === undefined) {
    const present = Object.keys(workload.selectorLabels);
    findings.push(
      buildFinding({
        code: "SELECTOR_LABEL_MISSING",
        message: `The ${workload.kind} ${workload.name} (${at(workload.document)}) selects its pods by ${present.length > 0 ? present.map((k) => `\`${k}\``).join(", ") : "no matchLabels"}, but Flagger needs one of the controller's selector labels (${settings.selectorLabels.map((k) => `\`${k}\``).join(", ")}, the -selector-labels setting) in spec.selector.matchLabels: without one, "getSelectorLabel failed" repeats on every tick and the canary never initialises (Flagger v1.44 getSelectorLabel in pkg/canary/deployment_controller.go). Add e.g. \`${settings.selectorLabels[0] ?? "app"}: ${workload.name}\` to the selector and the pod template labels, or add your label key to -selector-labels.`,
        path: ["spec", "targetRef", "name"],
      }),
    );
  } else {
    const primaryValue = `${workload.selectorLabels[label]}-primary`;
    if (primaryValue.length > 63 || !LABEL_VALUE.test(primaryValue)) {
      findings.push(
        buildFinding({
          code: "DERIVED_NAME_INVALID",
          message: `Flagger labels the primary pods and Services \`${label}: ${primaryValue}\` (the target's selector value plus -primary; Flagger v1.44 pkg/canary/deployment_controller.go), which is not a valid label value (at most 63 characters): creating the primary fails on every tick. Shorten the selector value of ${workload.kind} ${workload.name} (${at(workload.document)}) to at most 55 characters.`,
          path: ["spec", "targetRef", "name"],
        }),
      );
    }
  }

  // Ports (docs/flagger-routing.md §1.3): the main port's targetPort must reach a container.
  const service = spec.service;
  if (service?.port !== undefined) {
    // A Service port resolves against the pod's containers (not its init containers).
    const ports = workload.containers.flatMap((container) => container.ports.map((port) => ({ ...port, container: container.name })));
    const targetPort = service.targetPort !== undefined && service.targetPort !== 0 && service.targetPort !== "0" ? service.targetPort : service.port;
    if (typeof targetPort === "string") {
      if (!ports.some((port) => port.name === targetPort)) {
        const named = ports.filter((port) => port.name !== undefined).map((port) => `${port.name} (${port.containerPort})`);
        findings.push(
          buildFinding({
            code: "TARGET_PORT_NOT_FOUND",
            message: `\`spec.service.targetPort\` is the port name ${JSON.stringify(targetPort)}, but no container of ${workload.kind} ${workload.name} (${at(workload.document)}) has a port of that name${named.length > 0 ? ` (named ports: ${named.join(", ")})` : " (it names no ports)"}: the Services Flagger creates have no endpoints, the primary and the canary receive no traffic, and the metric checks find no data. Name the container port ${JSON.stringify(targetPort)}, or use its number.`,
            path: ["spec", "service", "targetPort"],
          }),
        );
      }
    } else if (ports.length > 0 && !ports.some((port) => port.containerPort === targetPort)) {
      findings.push(
        buildFinding({
          code: "SERVICE_PORT_NOT_DECLARED",
          message: `Flagger's Services send traffic to container port ${targetPort} (${service.targetPort !== undefined ? "spec.service.targetPort" : "spec.service.port, as targetPort is not set"}), but ${workload.kind} ${workload.name} (${at(workload.document)}) declares only ${ports.map((port) => port.containerPort).join(", ")} (Flagger v1.44 pkg/router/kubernetes_default.go). Unless the container also listens on ${targetPort}, the canary gets no traffic; set targetPort to the port the application serves on.`,
          path: service.targetPort !== undefined ? ["spec", "service", "targetPort"] : ["spec", "service", "port"],
        }),
      );
    }
  }
  return findings;
};

export const checkAutoscaler: CanaryRule = ({ resolved }) => {
  const { spec, namespace } = resolved.canary;
  const ref = spec.autoscalerRef;
  if (!ref?.name || !ref.kind || resolved.autoscaler) return [];
  return [
    buildFinding({
      code: "AUTOSCALER_NOT_FOUND",
      message: `The autoscaler ${ref.kind} ${ref.name}${namespace ? ` in namespace ${namespace}` : ""} is not among the files given. That is fine if it lives elsewhere; if it does not exist, Flagger cannot create ${ref.name}-primary and reports the error on every tick.`,
      path: ["spec", "autoscalerRef", "name"],
    }),
  ];
};

export const checkIngress: CanaryRule = ({ resolved }) => {
  const { spec, namespace } = resolved.canary;
  const ref = spec.ingressRef;
  const family = routerFamily(resolved.provider);
  if (!ref?.name || (family !== "nginx" && family !== "skipper")) return [];
  const ingress = resolved.ingress;
  if (!ingress) {
    return [
      buildFinding({
        code: "INGRESS_NOT_FOUND",
        message: `The Ingress ${ref.name}${namespace ? ` in namespace ${namespace}` : ""} is not among the files given, so its backends were not checked. That is fine if it lives elsewhere; if it does not exist, the ${family} router fails on every tick.`,
        path: ["spec", "ingressRef", "name"],
      }),
    ];
  }
  const apex = apexName(spec);
  if (family !== "nginx" || apex === undefined) return [];
  const backends = listIngressBackends(ingress.value);
  if (backends.includes(apex)) return [];
  return [
    buildFinding({
      code: "INGRESS_BACKEND_MISSING",
      message: `The Ingress ${ref.name} (${at(ingress)}) has no backend for the Service ${apex}${backends.length > 0 ? ` (its backends: ${[...new Set(backends)].join(", ")})` : ""}: Flagger copies it into ${ref.name}-canary with the apex Service replaced by ${apex}-canary, and fails with "backend ${apex} not found in ingress ${ref.name}" on every tick (Flagger v1.44 pkg/router/ingress.go). Point a rule of the Ingress at service ${apex}.`,
      path: ["spec", "ingressRef", "name"],
    }),
  ];
};

/** `rules[].http.paths[].backend.service.name` (networking.k8s.io/v1) or `.serviceName` (v1beta1). */
function listIngressBackends(value: unknown): string[] {
  const out: string[] = [];
  const spec = isRecord(value) && isRecord(value.spec) ? value.spec : {};
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    const http = isRecord(rule) && isRecord(rule.http) ? rule.http : {};
    for (const path of Array.isArray(http.paths) ? http.paths : []) {
      const backend = isRecord(path) && isRecord(path.backend) ? path.backend : {};
      const name = isRecord(backend.service) ? backend.service.name : backend.serviceName;
      if (typeof name === "string") out.push(name);
    }
  }
  return out;
}

export const checkTemplateAndProviderReferences: CanaryRule = ({ resolved }) => {
  const { spec, namespace } = resolved.canary;
  const findings: PendingFinding[] = [];
  (spec.analysis?.metrics ?? []).forEach((metric, i) => {
    const ref = metric.templateRef;
    if (!ref?.name || resolved.metricTemplates[i]) return;
    const ns = ref.namespace ?? namespace;
    findings.push(
      buildFinding({
        code: "METRIC_TEMPLATE_NOT_FOUND",
        message: `The MetricTemplate ${ref.name}${ns ? ` in namespace ${ns}` : ""} is not among the files given, so its query and provider were not checked. That is fine if it lives elsewhere; if it does not exist, every check of metric ${JSON.stringify(metric.name ?? "")} fails ("Metric template … error") and the rollout is rolled back.`,
        path: ["spec", "analysis", "metrics", i, "templateRef", "name"],
      }),
    );
  });
  (spec.analysis?.alerts ?? []).forEach((alert, i) => {
    const ref = alert.providerRef;
    if (!ref?.name || resolved.alertProviders[i]) return;
    const ns = ref.namespace ?? namespace;
    findings.push(
      buildFinding({
        code: "ALERT_PROVIDER_NOT_FOUND",
        message: `The AlertProvider ${ref.name}${ns ? ` in namespace ${ns}` : ""} is not among the files given. That is fine if it lives elsewhere; if it does not exist, alert ${JSON.stringify(alert.name ?? "")} is never sent.`,
        path: ["spec", "analysis", "alerts", i, "providerRef", "name"],
      }),
    );
  });
  return findings;
};

export const checkCrossNamespaceReferences: CanaryRule = ({ resolved, settings }) => {
  const { spec, namespace } = resolved.canary;
  if (!settings.noCrossNamespaceRefs || namespace === undefined) return [];
  const refs: Array<{ ns: string | undefined; path: PathSegment[]; what: string }> = [
    { ns: spec.upstreamRef?.namespace, path: ["spec", "upstreamRef", "namespace"], what: `Gloo upstream ${spec.upstreamRef?.name ?? ""}` },
    ...(spec.analysis?.metrics ?? []).map((metric, i) => ({ ns: metric.templateRef?.namespace, path: ["spec", "analysis", "metrics", i, "templateRef", "namespace"], what: `metric template ${metric.templateRef?.name ?? ""}` })),
    ...(spec.analysis?.alerts ?? []).map((alert, i) => ({ ns: alert.providerRef?.namespace, path: ["spec", "analysis", "alerts", i, "providerRef", "namespace"], what: `alert provider ${alert.providerRef?.name ?? ""}` })),
  ];
  return refs
    .filter((ref) => ref.ns !== undefined && ref.ns !== "" && !namespacesMatch(ref.ns, namespace))
    .map((ref) =>
      buildFinding({
        code: "CROSS_NAMESPACE_REF",
        message: `The controller runs with -no-cross-namespace-refs and this Canary (namespace ${namespace}) points at the ${ref.what} in namespace ${ref.ns}: Flagger refuses the Canary ("cross-namespace references are blocked") and never schedules it; only the controller log says why (Flagger v1.44 verifyNoCrossNamespaceRefs in pkg/controller/controller.go). Move the object into ${namespace}, or reference a copy there.`,
        path: ref.path,
      }),
    );
};
