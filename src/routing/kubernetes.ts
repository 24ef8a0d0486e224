/**
 * The objects every provider gets (docs/flagger-routing.md §1–§3): the apex, `-primary` and `-canary`
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
    // factory.go:KubernetesRouter is a no-op for Service targets; the Service controller copies the target instead.
    notes.push(
      `targetRef.kind Service: Flagger does not build the apex/primary/canary Services from the Canary here; its Service controller copies the target Service ${names.target} to ${names.target}-primary and ${names.target}-canary (service_controller.go), which canary-bot does not render yet.`,
    );
    return { resources: [], notes };
  }
  if (!label) {
    notes.push(`The target's spec.selector.matchLabels has none of ${settings.selectorLabels.join(", ")}: Flagger fails the Canary ("spec.selector.matchLabels must contain one of …") and creates nothing.`);
    return { resources: [], notes };
  }
  if (!label.known) notes.push(`The target ${names.target} is not in the repository: the selector label is assumed to be ${label.key}: ${label.value}, and discovered ports and the primary workload are not shown.`);
  const ports = buildServicePorts(resolved);
  const apexSelector = { [label.key]: `${label.value}-primary` };
  const resources: KubernetesObject[] = [
    resolved.apexService
      ? buildAdoptedService({ resolved, document: record(resolved.apexService.value), selector: apexSelector, ports })
      : buildService({ resolved, name: names.apex, role: "apex", selector: apexSelector, labelKey: label.key, ports }),
    buildService({ resolved, name: names.primary, role: "primary", selector: { [label.key]: `${label.value}-primary` }, labelKey: label.key, ports }),
    buildService({ resolved, name: names.canary, role: "canary", selector: { [label.key]: label.value }, labelKey: label.key, ports }),
  ];
  if (resolved.apexService) {
    notes.push(
      `Service ${names.apex} exists in the repository: Flagger adopts it instead of creating it, switches its selector to the primary pods and replaces its ports, and keeps its type, labels and other fields, without an owner reference (Flagger v1.44 pkg/router/util.go).`,
    );
  }
  if (resolved.target && label.known) {
    const { workload, configs } = buildPrimaryWorkload({ resolved, settings, label, notes });
    // The configs are copied before the primary is created (createPrimaryDeployment).
    if (workload) resources.push(...configs, workload);
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

/**
 * A user-written apex Service as Flagger leaves it after adopting it (§1.4, `reconcileService`
 * update path): selector and ports replaced (node ports kept by port name), and the Flux markers
 * added when that needed an update; everything else, type and labels included, untouched.
 */
function buildAdoptedService(params: { resolved: ResolvedCanary; document: Record<string, unknown>; selector: Record<string, string>; ports: Array<Record<string, unknown>> }): KubernetesObject {
  const { resolved, document } = params;
  const { name, namespace: _namespace, ...metadata } = record(document.metadata);
  const spec = record(document.spec);
  const existingPorts = list(spec.ports).map(record);
  const ports = params.ports.map((port) => {
    const nodePort = existingPorts.find((p) => p.name === port.name && typeof p.nodePort === "number" && p.nodePort > 0)?.nodePort;
    return nodePort !== undefined ? { ...port, nodePort } : port;
  });
  // Flagger compares ports sorted by number and the selector as a map.
  const byPort = (list: Array<Record<string, unknown>>) => JSON.stringify([...list].sort((a, b) => Number(a.port) - Number(b.port)));
  const changed = byPort(ports) !== byPort(existingPorts) || JSON.stringify(Object.entries(readStringMap(spec.selector)).sort()) !== JSON.stringify(Object.entries(params.selector).sort());
  const annotations = readStringMap(metadata.annotations);
  return {
    apiVersion: typeof document.apiVersion === "string" ? document.apiVersion : "v1",
    kind: "Service",
    metadata: {
      name: typeof name === "string" ? name : buildServiceNames(resolved).apex,
      ...namespaceOf(resolved),
      ...metadata,
      ...(changed ? { annotations: { ...annotations, ...FLUX_MARKERS } } : {}),
    },
    spec: { ...spec, selector: params.selector, ports },
  };
}

const TRACKED_SECRET_TYPES = new Set(["Opaque", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls"]);

/** The primary Deployment or DaemonSet (§3.1) and its ConfigMap/Secret copies. */
function buildPrimaryWorkload(params: { resolved: ResolvedCanary; settings: ControllerSettings; label: SelectorLabel; notes: string[] }): { workload?: KubernetesObject; configs: KubernetesObject[] } {
  const { resolved, settings, label, notes } = params;
  const target = resolved.target!;
  if (target.kind === "KnativeService") return { configs: [] };
  const raw = target.raw;
  const metadata = record(raw.metadata);
  const spec = record(raw.spec);
  const updateType = record(spec.updateStrategy).type;
  if (target.kind === "DaemonSet" && typeof updateType === "string" && updateType !== "" && updateType !== "RollingUpdate") {
    // daemonset_controller.go:createPrimaryDaemonSet refuses any other update strategy.
    notes.push(`The DaemonSet ${target.name} has updateStrategy ${updateType}: Flagger fails with "daemonset ${target.name}.${resolved.canary.namespace ?? "<namespace>"} must have RollingUpdate strategy but have ${updateType}" and creates no primary DaemonSet.`);
    return { configs: [] };
  }
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
      if (!document) {
        notes.push(
          `The ${reference.kind} ${reference.name} the target uses is not in the repository: if it exists in the cluster Flagger copies it to ${reference.name}-primary and points the primary at the copy${reference.optional ? "" : "; if it does not, Flagger fails to create the primary"} (Flagger v1.44 pkg/canary/deployment_controller.go). Neither is shown.`,
        );
        continue;
      }
      const value = record(document.value);
      const annotations = readStringMap(record(value.metadata).annotations);
      // config_tracker.go:configIsDisabled tests the prefix "disable", so "disabled" and "disable" both opt out.
      if ((annotations["flagger.app/config-tracking"] ?? "").startsWith("disable")) continue;
      const secretType = typeof value.type === "string" && value.type !== "" ? value.type : "Opaque";
      if (reference.kind === "Secret" && !TRACKED_SECRET_TYPES.has(secretType)) continue;
      renamed.add(`${reference.kind}/${reference.name}`);
      const metadata = {
        name: `${reference.name}-primary`,
        ...namespaceOf(resolved),
        ...labelsOrNothing(filterByPrefix(readStringMap(record(value.metadata).labels), settings.includeLabelPrefix)),
        ownerReferences: [buildOwnerReference(resolved)],
      };
      if (reference.kind === "ConfigMap") {
        // CreatePrimaryConfigs copies `data` only: binaryData is lost in the copy (§3.1 QUIRK).
        if (value.binaryData !== undefined) notes.push(`ConfigMap ${reference.name} has binaryData: Flagger copies only data to ${reference.name}-primary, so the primary pods do not get the binaryData keys.`);
        configs.push({ apiVersion: "v1", kind: "ConfigMap", metadata, ...(value.data !== undefined ? { data: value.data } : {}) });
      } else {
        // The live Secret has stringData merged into data (base64) by the API server; Flagger copies type and data.
        const data = buildSecretData(value);
        configs.push({ apiVersion: "v1", kind: "Secret", metadata, ...(data ? { data } : {}), type: secretType });
      }
    }
  }
  // Only the Deployment controller rewrites anti-affinity and topology-spread selectors (§3.1).
  const podSpec = renamePodSpec({ podSpec: structuredClone(record(template.spec)), renamed, selectorKeys: target.kind === "Deployment" ? settings.selectorLabels : [], targetName: target.name });

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
  if (ref.kind !== "HorizontalPodAutoscaler" && ref.kind !== "ScaledObject") {
    // factory.go:ScalerReconciler knows only these two kinds and returns no reconciler otherwise.
    notes.push(`autoscalerRef.kind is ${ref.kind === undefined ? "missing" : JSON.stringify(ref.kind)}: Flagger reconciles no primary autoscaler (only HorizontalPodAutoscaler and ScaledObject are known), so ${ref.name}-primary is not created.`);
    return undefined;
  }
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
  if (ref.kind === "ScaledObject") return buildPrimaryScaledObject({ resolved, names, value, base: base.metadata });
  const scaleTargetRef = record(spec.scaleTargetRef);
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    ...base,
    spec: {
      scaleTargetRef: { apiVersion: scaleTargetRef.apiVersion, kind: scaleTargetRef.kind, name: `${names.target}-primary` },
      ...(ref.primaryScalerReplicas?.minReplicas !== undefined ? { minReplicas: ref.primaryScalerReplicas.minReplicas } : spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      // An int32 without omitempty in the HPA spec: Go writes 0 when the target HPA had none.
      maxReplicas: ref.primaryScalerReplicas?.maxReplicas ?? (typeof spec.maxReplicas === "number" ? spec.maxReplicas : 0),
      ...(spec.metrics !== undefined ? { metrics: spec.metrics } : {}),
      ...(spec.behavior !== undefined ? { behavior: spec.behavior } : {}),
    },
  };
}

/**
 * The primary KEDA ScaledObject (§3.3, `scaled_object_reconciler.go`): Flagger rebuilds the spec
 * field by field from its typed copy, so fields its KEDA types do not know are dropped.
 */
function buildPrimaryScaledObject(params: { resolved: ResolvedCanary; names: ServiceNames; value: Record<string, unknown>; base: KubernetesObject["metadata"] }): KubernetesObject {
  const { resolved, names, value } = params;
  const ref = resolved.canary.spec.autoscalerRef!;
  const metadata = record(value.metadata);
  const spec = structuredClone(record(value.spec));
  const annotations = withoutToolkit(readStringMap(metadata.annotations));
  const scaleTargetRef = record(spec.scaleTargetRef);
  const queries = ref.primaryScalerQueries;
  const triggers = list(spec.triggers).map((trigger) => {
    const t = record(trigger);
    const triggerMetadata = record(t.metadata);
    if (queries !== undefined) {
      // With primaryScalerQueries, only the triggers named there change; the others keep their query.
      const override = typeof t.name === "string" ? queries[t.name] : undefined;
      if (override !== undefined) triggerMetadata.query = override;
    } else if (typeof triggerMetadata.query === "string") {
      triggerMetadata.query = rewriteScalerQuery(triggerMetadata.query, names.target);
    }
    // Only the fields of Flagger's KEDA types survive the typed copy.
    return {
      type: t.type,
      ...(typeof t.name === "string" && t.name !== "" ? { name: t.name } : {}),
      metadata: triggerMetadata,
      ...(t.authenticationRef !== undefined ? { authenticationRef: t.authenticationRef } : {}),
      ...(typeof t.metricType === "string" && t.metricType !== "" ? { metricType: t.metricType } : {}),
    };
  });
  // setPrimaryScaledObjectHPA always allocates advanced.horizontalPodAutoscalerConfig, so the
  // primary carries `advanced: {horizontalPodAutoscalerConfig: {}}` even when the target had none (§3.3 QUIRK).
  const advanced = record(spec.advanced);
  const targetHpaConfig = record(advanced.horizontalPodAutoscalerConfig);
  const hpaConfig = {
    ...(typeof targetHpaConfig.name === "string" && targetHpaConfig.name !== "" ? { name: `${targetHpaConfig.name}-primary` } : {}),
    ...(targetHpaConfig.behavior !== undefined ? { behavior: targetHpaConfig.behavior } : {}),
  };
  const pick = (key: string) => (spec[key] !== undefined ? { [key]: spec[key] } : {});
  const replicas = ref.primaryScalerReplicas;
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { ...params.base, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: {
      scaleTargetRef: {
        name: `${names.target}-primary`,
        ...(typeof scaleTargetRef.apiVersion === "string" && scaleTargetRef.apiVersion !== "" ? { apiVersion: scaleTargetRef.apiVersion } : {}),
        ...(typeof scaleTargetRef.kind === "string" && scaleTargetRef.kind !== "" ? { kind: scaleTargetRef.kind } : {}),
        ...(typeof scaleTargetRef.envSourceContainerName === "string" && scaleTargetRef.envSourceContainerName !== "" ? { envSourceContainerName: scaleTargetRef.envSourceContainerName } : {}),
      },
      ...pick("pollingInterval"),
      ...pick("cooldownPeriod"),
      ...pick("idleReplicaCount"),
      ...(replicas?.minReplicas !== undefined ? { minReplicaCount: replicas.minReplicas } : pick("minReplicaCount")),
      ...(replicas?.maxReplicas !== undefined ? { maxReplicaCount: replicas.maxReplicas } : pick("maxReplicaCount")),
      advanced: { horizontalPodAutoscalerConfig: hpaConfig, ...(advanced.restoreToOriginalReplicaCount === true ? { restoreToOriginalReplicaCount: true } : {}) },
      triggers,
      ...pick("fallback"),
    },
  };
}

/**
 * `setPrimaryScaledObjectQueries`: `<target>-canary` and then every `<target>` become
 * `<target>-primary`, textually — so a query already naming `<target>-primary` ends up with
 * `<target>-primary-primary` (§3.3 QUIRK).
 */
export function rewriteScalerQuery(query: string, target: string): string {
  if (target === "") return query;
  return query
    .split(`${target}-canary`)
    .map((part) => part.replaceAll(target, `${target}-primary`))
    .join(`${target}-primary`);
}

/** The Secret's data as the API server stores it: stringData base64-encoded over data. */
function buildSecretData(value: Record<string, unknown>): Record<string, unknown> | undefined {
  const data = record(value.data);
  const stringData = readStringMap(value.stringData);
  if (value.data === undefined && value.stringData === undefined) return undefined;
  const out: Record<string, unknown> = { ...data };
  for (const [key, text] of Object.entries(stringData)) out[key] = Buffer.from(text, "utf8").toString("base64");
  return out;
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
