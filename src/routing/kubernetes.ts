/**
 * The objects every provider gets (flagger-routing.md §1–§3): the apex, `-primary` and `-canary`
 * Services (`KubernetesDefaultRouter`), the primary Deployment or DaemonSet with its ConfigMap and
 * Secret copies, and the primary HPA or KEDA ScaledObject. Also the naming, selector and metadata
 * helpers the mesh generators share.
 */
import type { ResolvedCanary } from "../canary/resolve.js";
import { list, listConfigReferences, record } from "../canary/resolve.js";
import { readStringMap } from "../canary/model.js";
import type { ControllerSettings } from "../canary/settings.js";
import type { KubernetesObject, ProviderRouting, RoutingInput } from "./types.js";

export interface ServiceNames {
  /** `service.name`, else `targetRef.name` (§1.1). */
  apex: string;
  primary: string;
  canary: string;
  /** `targetRef.name`: workload-side objects are named after it. */
  target: string;
}

export function buildServiceNames(resolved: ResolvedCanary): ServiceNames {
  const target = resolved.canary.spec.targetRef?.name ?? resolved.canary.name ?? "";
  const apex = resolved.canary.spec.service?.name || target;
  return { apex, primary: `${apex}-primary`, canary: `${apex}-canary`, target };
}

/** The annotations the router package adds to every routing object and Service it writes (§1.4). */
export const FLUX_MARKERS: Readonly<Record<string, string>> = {
  "kustomize.toolkit.fluxcd.io/reconcile": "disabled",
  "helm.toolkit.fluxcd.io/driftDetection": "disabled",
};

/** Labels and annotations of VirtualService, HTTPRoute and HTTPProxy: `service.apex` + markers (§1.4). */
export function buildRoutingMetadata(resolved: ResolvedCanary): { labels?: Record<string, string>; annotations: Record<string, string> } {
  const apex = resolved.canary.spec.service?.apex;
  const labels = apex?.labels && Object.keys(apex.labels).length > 0 ? { ...apex.labels } : undefined;
  return { ...(labels ? { labels } : {}), annotations: { ...(apex?.annotations ?? {}), ...FLUX_MARKERS } };
}

/** `metav1.NewControllerRef` of the Canary (§1.5); the uid exists only in the cluster. */
export function buildOwnerReference(resolved: ResolvedCanary): Record<string, unknown> {
  return { apiVersion: "flagger.app/v1beta1", kind: "Canary", name: resolved.canary.name ?? "", uid: "<uid of the Canary>", controller: true, blockOwnerDeletion: true };
}

export function namespaceOf(resolved: ResolvedCanary): Record<string, string> {
  return resolved.canary.namespace !== undefined ? { namespace: resolved.canary.namespace } : {};
}

export interface SelectorLabel {
  key: string;
  value: string;
  /** False when the target is not in the repository and the label is a guess. */
  known: boolean;
}

/**
 * The first `-selector-labels` key present in the target's `spec.selector.matchLabels` (§1.2). When
 * the target is not among the files, the first configured key with the target's name is assumed.
 */
export function findSelectorLabel(resolved: ResolvedCanary, settings: ControllerSettings): SelectorLabel | undefined {
  const target = resolved.target;
  if (!target) return { key: settings.selectorLabels[0] ?? "app", value: buildServiceNames(resolved).target, known: false };
  for (const key of settings.selectorLabels) {
    const value = target.selectorLabels[key];
    if (value !== undefined) return { key, value, known: true };
  }
  return undefined;
}

/** The Service ports (§1.3): the main port, then discovered container ports by port number. */
export function buildServicePorts(resolved: ResolvedCanary): Array<Record<string, unknown>> {
  const service = resolved.canary.spec.service ?? {};
  const targetPort = service.targetPort === undefined || service.targetPort === 0 || service.targetPort === "" ? undefined : service.targetPort;
  const main: Record<string, unknown> = {
    name: service.portName || "http",
    protocol: "TCP",
    port: service.port ?? 0,
    targetPort: targetPort ?? service.port ?? 0,
    ...(service.appProtocol ? { appProtocol: service.appProtocol } : {}),
  };
  if (service.portDiscovery !== true || !resolved.target) return [main];
  const extra = new Map<string, Record<string, unknown>>();
  for (const container of resolved.target.containers) {
    if (container.name === "istio-proxy" || container.name === "envoy") continue;
    container.ports.forEach((port, index) => {
      const isMain =
        targetPort === undefined ? port.containerPort === service.port : typeof targetPort === "number" ? port.containerPort === targetPort : port.name === targetPort;
      if (isMain) return;
      const name = port.name || `tcp-${container.name}-${index}`;
      extra.set(name, { name, protocol: "TCP", port: port.containerPort, targetPort: port.containerPort });
    });
  }
  // Flagger's order is Go map order (random); by port number is stable and what it compares by.
  return [main, ...[...extra.values()].sort((a, b) => (a.port as number) - (b.port as number) || String(a.name).localeCompare(String(b.name)))];
}

export function generateKubernetesResources(input: RoutingInput): ProviderRouting {
  const { resolved, settings } = input;
  const notes: string[] = [];
  const names = buildServiceNames(resolved);
  const label = findSelectorLabel(resolved, settings);
  if (resolved.canary.spec.targetRef?.kind === "Service") {
    notes.push("targetRef.kind Service: Flagger's Kubernetes router does nothing for Service targets; no Services or primary workload are generated.");
    return { resources: [], notes };
  }
  if (!label) {
    notes.push(`The target's spec.selector.matchLabels has none of ${settings.selectorLabels.join(", ")}: Flagger fails the Canary ("spec.selector.matchLabels must contain one of …") and creates nothing.`);
    return { resources: [], notes };
  }
  if (!label.known) notes.push(`The target ${names.target} is not in the repository: the selector label is assumed to be ${label.key}: ${label.value}, and discovered ports and the primary workload are not shown.`);
  const ports = buildServicePorts(resolved);
  const resources: KubernetesObject[] = [
    buildService({ resolved, name: names.apex, role: "apex", selector: { [label.key]: `${label.value}-primary` }, labelKey: label.key, ports }),
    buildService({ resolved, name: names.primary, role: "primary", selector: { [label.key]: `${label.value}-primary` }, labelKey: label.key, ports }),
    buildService({ resolved, name: names.canary, role: "canary", selector: { [label.key]: label.value }, labelKey: label.key, ports }),
  ];
  if (resolved.apexService) notes.push(`Service ${names.apex} exists in the repository: Flagger adopts it, switches its selector to the primary pods and replaces its ports (flagger-routing.md §1.4).`);
  if (resolved.target && label.known) {
    const { workload, configs } = buildPrimaryWorkload({ resolved, settings, label });
    if (workload) resources.push(workload, ...configs);
  }
  const autoscaler = buildPrimaryAutoscaler(resolved, names, notes);
  if (autoscaler) resources.push(autoscaler);
  return { resources, notes };
}

function buildService(params: {
  resolved: ResolvedCanary;
  name: string;
  role: "apex" | "primary" | "canary";
  selector: Record<string, string>;
  labelKey: string;
  ports: Array<Record<string, unknown>>;
}): KubernetesObject {
  const service = params.resolved.canary.spec.service ?? {};
  const overrides = service[params.role];
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: params.name,
      ...namespaceOf(params.resolved),
      // The selector key carries the Service's own name and wins over a user label (§1.4).
      labels: { ...(overrides?.labels ?? {}), [params.labelKey]: params.name },
      annotations: { ...(overrides?.annotations ?? {}), ...FLUX_MARKERS },
      ownerReferences: [buildOwnerReference(params.resolved)],
    },
    spec: {
      type: "ClusterIP",
      selector: params.selector,
      ports: params.ports,
      ...(service.headless ? { clusterIP: "None" } : {}),
      ...(service.trafficDistribution ? { trafficDistribution: service.trafficDistribution } : {}),
    },
  };
}

const TRACKED_SECRET_TYPES = new Set(["Opaque", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls"]);

/** The primary Deployment or DaemonSet (§3.1) and its ConfigMap/Secret copies. */
function buildPrimaryWorkload(params: { resolved: ResolvedCanary; settings: ControllerSettings; label: SelectorLabel }): { workload?: KubernetesObject; configs: KubernetesObject[] } {
  const { resolved, settings, label } = params;
  const target = resolved.target!;
  if (target.kind === "KnativeService") return { configs: [] };
  const raw = target.raw;
  const metadata = record(raw.metadata);
  const spec = record(raw.spec);
  const template = record(spec.template);
  const templateMetadata = record(template.metadata);
  const names = buildServiceNames(resolved);
  const primaryValue = `${label.value}-primary`;

  // Config tracking (§3.1): copies of the ConfigMaps/Secrets in the repository, references renamed.
  const configs: KubernetesObject[] = [];
  const renamed = new Set<string>();
  if (settings.enableConfigTracking) {
    for (const reference of listConfigReferences(raw)) {
      const document = resolved.configs.get(`${reference.kind}/${reference.name}`);
      if (!document) continue;
      const value = record(document.value);
      const annotations = readStringMap(record(value.metadata).annotations);
      if ((annotations["flagger.app/config-tracking"] ?? "").startsWith("disabled")) continue;
      if (reference.kind === "Secret" && !TRACKED_SECRET_TYPES.has(typeof value.type === "string" ? value.type : "Opaque")) continue;
      renamed.add(`${reference.kind}/${reference.name}`);
      configs.push({
        apiVersion: "v1",
        kind: reference.kind,
        metadata: {
          name: `${reference.name}-primary`,
          ...namespaceOf(resolved),
          ...labelsOrNothing(filterByPrefix(readStringMap(record(value.metadata).labels), settings.includeLabelPrefix)),
          ownerReferences: [buildOwnerReference(resolved)],
        },
        ...(value.type !== undefined ? { type: value.type } : {}),
        ...(value.data !== undefined ? { data: value.data } : {}),
        ...(value.stringData !== undefined ? { stringData: value.stringData } : {}),
        ...(value.binaryData !== undefined ? { binaryData: value.binaryData } : {}),
      });
    }
  }
  const podSpec = renamePodSpec({ podSpec: structuredClone(record(template.spec)), renamed, selectorKeys: settings.selectorLabels, targetName: target.name });

  const workloadLabels = filterByPrefix(withoutToolkit(readStringMap(metadata.labels)), settings.includeLabelPrefix);
  workloadLabels[label.key] = primaryValue;
  const workloadAnnotations = withoutToolkit(readStringMap(metadata.annotations));
  const podLabels = { ...withoutToolkit(readStringMap(templateMetadata.labels)), [label.key]: primaryValue };
  const podAnnotations = { ...withoutToolkit(readStringMap(templateMetadata.annotations)), "flagger-id": "<random UUID, new on every promotion>" };
  const copied = (keys: string[]) => Object.fromEntries(keys.filter((k) => spec[k] !== undefined).map((k) => [k, spec[k]]));
  const podTemplate = { metadata: { labels: podLabels, annotations: podAnnotations }, spec: podSpec };
  const workloadSpec =
    target.kind === "Deployment"
      ? {
          replicas: typeof spec.replicas === "number" && spec.replicas > 0 ? spec.replicas : 1,
          ...copied(["progressDeadlineSeconds", "minReadySeconds", "revisionHistoryLimit", "strategy"]),
          selector: { matchLabels: { [label.key]: primaryValue } },
          template: podTemplate,
        }
      : {
          ...copied(["minReadySeconds", "revisionHistoryLimit", "updateStrategy"]),
          selector: { matchLabels: { [label.key]: primaryValue } },
          template: podTemplate,
        };
  const workload: KubernetesObject = {
    apiVersion: "apps/v1",
    kind: target.kind,
    metadata: {
      name: `${names.target}-primary`,
      ...namespaceOf(resolved),
      labels: workloadLabels,
      ...(Object.keys(workloadAnnotations).length > 0 ? { annotations: workloadAnnotations } : {}),
      ownerReferences: [buildOwnerReference(resolved)],
    },
    spec: workloadSpec,
  };
  return { workload, configs };
}

/**
 * The pod spec of the primary: tracked configs renamed to `-primary`, and the anti-affinity and
 * topology-spread selectors that name the target Deployment pointed at the primary (§3.1).
 */
function renamePodSpec(params: { podSpec: Record<string, unknown>; renamed: Set<string>; selectorKeys: string[]; targetName: string }): Record<string, unknown> {
  const { podSpec, renamed } = params;
  const rename = (kind: string, holder: Record<string, unknown>, key: string) => {
    const name = holder[key];
    if (typeof name === "string" && renamed.has(`${kind}/${name}`)) holder[key] = `${name}-primary`;
  };
  for (const volume of list(podSpec.volumes)) {
    const v = record(volume);
    if (v.configMap) rename("ConfigMap", record(v.configMap), "name");
    if (v.secret) rename("Secret", record(v.secret), "secretName");
    for (const source of list(record(v.projected).sources)) {
      const s = record(source);
      if (s.configMap) rename("ConfigMap", record(s.configMap), "name");
      if (s.secret) rename("Secret", record(s.secret), "name");
    }
  }
  for (const container of [...list(podSpec.containers), ...list(podSpec.initContainers)]) {
    const c = record(container);
    for (const env of list(c.env)) {
      const from = record(record(env).valueFrom);
      if (from.configMapKeyRef) rename("ConfigMap", record(from.configMapKeyRef), "name");
      if (from.secretKeyRef) rename("Secret", record(from.secretKeyRef), "name");
    }
    for (const source of list(c.envFrom)) {
      const s = record(source);
      if (s.configMapRef) rename("ConfigMap", record(s.configMapRef), "name");
      if (s.secretRef) rename("Secret", record(s.secretRef), "name");
    }
  }
  const keys = new Set(params.selectorKeys);
  const fixSelector = (selector: Record<string, unknown>) => {
    const matchLabels = record(selector.matchLabels);
    for (const [key, value] of Object.entries(matchLabels)) if (keys.has(key) && value === params.targetName) matchLabels[key] = `${value}-primary`;
    for (const expression of list(selector.matchExpressions)) {
      const e = record(expression);
      if (!keys.has(String(e.key))) continue;
      const values = list(e.values);
      const first = values.indexOf(params.targetName);
      if (first >= 0) values[first] = `${params.targetName}-primary`;
    }
  };
  const antiAffinity = record(record(podSpec.affinity).podAntiAffinity);
  for (const term of list(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution)) fixSelector(record(record(term).labelSelector));
  for (const term of list(antiAffinity.preferredDuringSchedulingIgnoredDuringExecution)) fixSelector(record(record(record(term).podAffinityTerm).labelSelector));
  for (const constraint of list(podSpec.topologySpreadConstraints)) fixSelector(record(record(constraint).labelSelector));
  return podSpec;
}

/** The primary HPA (§3.3) or KEDA ScaledObject. */
function buildPrimaryAutoscaler(resolved: ResolvedCanary, names: ServiceNames, notes: string[]): KubernetesObject | undefined {
  const ref = resolved.canary.spec.autoscalerRef;
  if (!ref?.name) return undefined;
  const document = resolved.autoscaler;
  if (!document) {
    notes.push(`The ${ref.kind ?? "autoscaler"} ${ref.name} is not in the repository: its primary copy ${ref.name}-primary is not shown.`);
    return undefined;
  }
  const value = record(document.value);
  const metadata = record(value.metadata);
  const spec = record(value.spec);
  const labels = withoutToolkit(readStringMap(metadata.labels));
  const base = {
    metadata: {
      name: `${ref.name}-primary`,
      ...namespaceOf(resolved),
      ...labelsOrNothing(labels),
      ownerReferences: [buildOwnerReference(resolved)],
    },
  };
  if (ref.kind === "ScaledObject") {
    const annotations = withoutToolkit(readStringMap(metadata.annotations));
    const copy = structuredClone(spec);
    record(copy.scaleTargetRef).name = `${names.target}-primary`;
    const hpaConfig = record(record(copy.advanced).horizontalPodAutoscalerConfig);
    if (typeof hpaConfig.name === "string" && hpaConfig.name !== "") hpaConfig.name = `${hpaConfig.name}-primary`;
    for (const trigger of list(copy.triggers)) {
      const t = record(trigger);
      const triggerMetadata = record(t.metadata);
      if (typeof triggerMetadata.query !== "string") continue;
      const override = typeof t.name === "string" ? ref.primaryScalerQueries?.[t.name] : undefined;
      triggerMetadata.query = override ?? triggerMetadata.query.replaceAll(`${names.target}-canary`, `${names.target}-primary`).replace(new RegExp(`${escapeRegExp(names.target)}(?!-primary)`, "g"), `${names.target}-primary`);
    }
    return {
      apiVersion: typeof value.apiVersion === "string" ? value.apiVersion : "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { ...base.metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
      spec: copy,
    };
  }
  const scaleTargetRef = record(spec.scaleTargetRef);
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    ...base,
    spec: {
      scaleTargetRef: { apiVersion: scaleTargetRef.apiVersion, kind: scaleTargetRef.kind, name: `${names.target}-primary` },
      ...(ref.primaryScalerReplicas?.minReplicas !== undefined ? { minReplicas: ref.primaryScalerReplicas.minReplicas } : spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: ref.primaryScalerReplicas?.maxReplicas ?? spec.maxReplicas,
      ...(spec.metrics !== undefined ? { metrics: spec.metrics } : {}),
      ...(spec.behavior !== undefined ? { behavior: spec.behavior } : {}),
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function labelsOrNothing(labels: Record<string, string>): { labels?: Record<string, string> } {
  return Object.keys(labels).length > 0 ? { labels } : {};
}

/** `pkg/canary/util.go:filterMetadata`: keys containing toolkit.fluxcd.io are dropped. */
function withoutToolkit(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([k]) => !k.includes("toolkit.fluxcd.io")));
}

/** `-include-label-prefix`: empty means nothing is copied, `*` everything. */
function filterByPrefix(map: Record<string, string>, prefixes: readonly string[]): Record<string, string> {
  const usable = prefixes.filter((p) => p !== "");
  if (usable.length === 0) return {};
  return Object.fromEntries(Object.entries(withoutToolkit(map)).filter(([k]) => usable.some((p) => p === "*" || k.startsWith(p))));
}
