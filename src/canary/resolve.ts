/**
 * Cross-document resolution: which Deployment, autoscaler, Ingress, MetricTemplate and AlertProvider
 * a Canary points at, among the documents canary-bot was given. A reference that is not found is
 * not an error here: the object may live outside the repository (validation says so as a notice).
 */
import {
  buildAlertProviderModel,
  buildCanaryModel,
  buildMetricTemplateModel,
  buildWorkloadModel,
  type AlertProviderModel,
  type CanaryModel,
  type MetricTemplateModel,
  type WorkloadModel,
} from "./model.js";
import type { DocumentKind, ManifestDocument, ManifestFile } from "./parse.js";
import { resolveProvider, type ControllerSettings } from "./settings.js";

export interface RepositoryIndex {
  canaries: CanaryModel[];
  metricTemplates: MetricTemplateModel[];
  alertProviders: AlertProviderModel[];
  workloads: WorkloadModel[];
  /** Documents of a kind with that name whose namespace is compatible (see `namespacesMatch`). */
  find(kind: DocumentKind, name: string, namespace: string | undefined): ManifestDocument[];
  /** The models built for documents of the index (built once, shared by every Canary). */
  workloadOf(document: ManifestDocument): WorkloadModel | undefined;
  metricTemplateOf(document: ManifestDocument): MetricTemplateModel | undefined;
  alertProviderOf(document: ManifestDocument): AlertProviderModel | undefined;
}

export interface ResolvedCanary {
  canary: CanaryModel;
  /** `spec.provider`, else the controller's mesh provider. */
  provider: string;
  /** The target Deployment, DaemonSet or Knative Service, when it is among the documents. */
  target?: WorkloadModel;
  /** The HorizontalPodAutoscaler or ScaledObject of `autoscalerRef`. */
  autoscaler?: ManifestDocument;
  /** The Ingress of `ingressRef`. */
  ingress?: ManifestDocument;
  /** A user-written Service named like the apex Service (Flagger adopts it). */
  apexService?: ManifestDocument;
  /** Per `analysis.metrics[i]`: its MetricTemplate when it has a templateRef that resolved. */
  metricTemplates: Array<MetricTemplateModel | undefined>;
  /** Per `analysis.alerts[i]`: its AlertProvider when it resolved. */
  alertProviders: Array<AlertProviderModel | undefined>;
  /** ConfigMaps and Secrets among the documents, by `<kind>/<name>`, for primary config copies. */
  configs: ReadonlyMap<string, ManifestDocument>;
}

const NO_CONFIGS: ReadonlyMap<string, ManifestDocument> = new Map();

/**
 * Namespaces match when both are equal, or when either is unset: a manifest without a namespace
 * gets one from kustomize, Flux or kubectl, so it may well be the other one's.
 */
export function namespacesMatch(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

export function buildRepositoryIndex(files: readonly ManifestFile[]): RepositoryIndex {
  // Documents by kind and name, and within that by namespace: a lookup reads only the
  // documents it can return, so 10,000 same-named apps in 10,000 namespaces stay linear.
  // Two flat maps and one order for all of them: a map per name (and a namespace map inside it)
  // cost about 400 bytes per named document, and a review builds one index per revision.
  const byKindAndName = new Map<string, ManifestDocument[]>();
  const byNamespace = new Map<string, ManifestDocument[]>();
  const order = new Map<ManifestDocument, number>();
  const canaries: CanaryModel[] = [];
  const metricTemplates: MetricTemplateModel[] = [];
  const alertProviders: AlertProviderModel[] = [];
  const workloads: WorkloadModel[] = [];
  for (const file of files) {
    for (const document of file.documents) {
      if (document.kind === "other" || document.kind === "empty") continue;
      if (document.name !== undefined) {
        const key = `${document.kind}/${document.name}`;
        order.set(document, order.size);
        append(byKindAndName, key, document);
        append(byNamespace, namespacedKey(key, document.namespace), document);
      }
      switch (document.kind) {
        case "Canary":
          canaries.push(buildCanaryModel(document));
          break;
        case "MetricTemplate":
          metricTemplates.push(buildMetricTemplateModel(document));
          break;
        case "AlertProvider":
          alertProviders.push(buildAlertProviderModel(document));
          break;
        case "Deployment":
        case "DaemonSet":
        case "KnativeService": {
          const workload = buildWorkloadModel(document);
          if (workload) workloads.push(workload);
          break;
        }
        default:
          break;
      }
    }
  }
  const templatesByDocument = new Map(metricTemplates.map((t) => [t.document, t]));
  const providersByDocument = new Map(alertProviders.map((p) => [p.document, p]));
  const workloadsByDocument = new Map(workloads.map((w) => [w.document, w]));
  return {
    canaries,
    metricTemplates,
    alertProviders,
    workloads,
    find(kind, name, namespace) {
      const key = `${kind}/${name}`;
      const all = byKindAndName.get(key);
      if (!all) return [];
      // A Canary without a namespace matches every namespace: the whole list is the answer.
      if (namespace === undefined) return [...all];
      const inNamespace = byNamespace.get(namespacedKey(key, namespace)) ?? [];
      const unset = byNamespace.get(namespacedKey(key, undefined)) ?? [];
      if (unset.length === 0) return [...inNamespace];
      if (inNamespace.length === 0) return [...unset];
      // Both: in document order, as a scan of all of them would return.
      return [...inNamespace, ...unset].sort((a, b) => order.get(a)! - order.get(b)!);
    },
    workloadOf: (document) => workloadsByDocument.get(document) ?? buildWorkloadModel(document),
    metricTemplateOf: (document) => templatesByDocument.get(document),
    alertProviderOf: (document) => providersByDocument.get(document),
  };
}

function append(map: Map<string, ManifestDocument[]>, key: string, document: ManifestDocument): void {
  const list = map.get(key);
  if (list) list.push(document);
  else map.set(key, [document]);
}

/**
 * `metadata.namespace` and `kind/name` as one key, the namespace's length first so that no name or
 * namespace (YAML can quote any character into one) makes two keys alike; `-` for no namespace.
 */
function namespacedKey(key: string, namespace: string | undefined): string {
  return namespace === undefined ? `-/${key}` : `${namespace.length}:${namespace}/${key}`;
}

/** Resolves every reference of one Canary against the index. */
export function resolveCanary(params: { canary: CanaryModel; index: RepositoryIndex; settings: ControllerSettings }): ResolvedCanary {
  const { canary, index, settings } = params;
  const spec = canary.spec;
  const namespace = canary.namespace;
  const provider = resolveProvider(spec, settings);

  let target: WorkloadModel | undefined;
  const targetRef = spec.targetRef;
  if (targetRef?.name && targetRef.kind) {
    const kind: DocumentKind | undefined =
      targetRef.kind === "Deployment"
        ? "Deployment"
        : targetRef.kind === "DaemonSet"
          ? "DaemonSet"
          : targetRef.kind === "Service" && (targetRef.apiVersion ?? "").startsWith("serving.knative.dev/")
            ? "KnativeService"
            : undefined;
    const document = kind ? index.find(kind, targetRef.name, namespace)[0] : undefined;
    if (document) target = index.workloadOf(document);
  }

  const autoscalerRef = spec.autoscalerRef;
  const autoscaler =
    autoscalerRef?.name && autoscalerRef.kind
      ? index.find(autoscalerRef.kind === "ScaledObject" ? "ScaledObject" : "HorizontalPodAutoscaler", autoscalerRef.name, namespace)[0]
      : undefined;

  const ingress = spec.ingressRef?.name ? index.find("Ingress", spec.ingressRef.name, namespace)[0] : undefined;
  const apexName = spec.service?.name || targetRef?.name;
  const apexService = apexName ? index.find("Service", apexName, namespace)[0] : undefined;

  const metricTemplates = (spec.analysis?.metrics ?? []).map((metric) => {
    const ref = metric.templateRef;
    if (!ref?.name) return undefined;
    const document = index.find("MetricTemplate", ref.name, ref.namespace ?? namespace)[0];
    return document ? index.metricTemplateOf(document) : undefined;
  });
  const alertProviders = (spec.analysis?.alerts ?? []).map((alert) => {
    const ref = alert.providerRef;
    if (!ref?.name) return undefined;
    const document = index.find("AlertProvider", ref.name, ref.namespace ?? namespace)[0];
    return document ? index.alertProviderOf(document) : undefined;
  });

  // Most Canaries use no ConfigMap or Secret: they share one empty map (a review resolves every
  // Canary of both revisions, and keeps them).
  let configs: Map<string, ManifestDocument> | undefined;
  if (target) {
    for (const reference of listConfigReferences(target.raw)) {
      const document = index.find(reference.kind, reference.name, namespace)[0];
      if (document) (configs ??= new Map()).set(`${reference.kind}/${reference.name}`, document);
    }
  }

  return {
    canary,
    provider,
    ...(target ? { target } : {}),
    ...(autoscaler ? { autoscaler } : {}),
    ...(ingress ? { ingress } : {}),
    ...(apexService ? { apexService } : {}),
    metricTemplates,
    alertProviders,
    configs: configs ?? NO_CONFIGS,
  };
}

/**
 * ConfigMaps and Secrets a workload's pod template refers to through volumes, projected volumes,
 * env valueFrom and envFrom, in containers and init containers (what Flagger's config tracker
 * copies to `-primary`, docs/flagger-routing.md §3.1).
 */
export function listConfigReferences(workload: Record<string, unknown>): Array<{ kind: "ConfigMap" | "Secret"; name: string; optional: boolean }> {
  const out = new Map<string, { kind: "ConfigMap" | "Secret"; name: string; optional: boolean }>();
  const add = (kind: "ConfigMap" | "Secret", name: unknown, optional: unknown) => {
    if (typeof name !== "string" || name === "") return;
    const key = `${kind}/${name}`;
    const existing = out.get(key);
    // A reference is optional only if every use of it is optional.
    out.set(key, { kind, name, optional: (existing?.optional ?? true) && optional === true });
  };
  const spec = record(record(record(workload.spec).template).spec);
  for (const volume of list(spec.volumes)) {
    const v = record(volume);
    if (v.configMap) add("ConfigMap", record(v.configMap).name, record(v.configMap).optional);
    if (v.secret) add("Secret", record(v.secret).secretName, record(v.secret).optional);
    for (const source of list(record(v.projected).sources)) {
      const s = record(source);
      if (s.configMap) add("ConfigMap", record(s.configMap).name, record(s.configMap).optional);
      if (s.secret) add("Secret", record(s.secret).name, record(s.secret).optional);
    }
  }
  for (const container of [...list(spec.containers), ...list(spec.initContainers)]) {
    const c = record(container);
    for (const env of list(c.env)) {
      const from = record(record(env).valueFrom);
      if (from.configMapKeyRef) add("ConfigMap", record(from.configMapKeyRef).name, record(from.configMapKeyRef).optional);
      if (from.secretKeyRef) add("Secret", record(from.secretKeyRef).name, record(from.secretKeyRef).optional);
    }
    for (const source of list(c.envFrom)) {
      const s = record(source);
      if (s.configMapRef) add("ConfigMap", record(s.configMapRef).name, record(s.configMapRef).optional);
      if (s.secretRef) add("Secret", record(s.secretRef).name, record(s.secretRef).optional);
    }
  }
  return [...out.values()];
}

/** A value as an object, or an empty one: for reading manifests leniently. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A value as an array, or an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
