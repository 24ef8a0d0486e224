/**
 * Typed views of the documents canary-bot understands. Flagger kinds are read through their CRD
 * schema (crd.ts), which yields the cleaned object the API server would store plus the schema
 * findings; Kubernetes kinds are read leniently, only for the fields Flagger uses.
 */
import { alertProviderSchema, canarySchema, metricTemplateSchema, type AlertProviderObject, type CanaryObject, type CanarySpec, type MetricTemplateObject } from "./crd.js";
import type { PendingFinding } from "./findings.js";
import { isRecord, type ManifestDocument } from "./parse.js";

/** The API version Flagger's CRD serves (v1.44 serves only v1beta1). */
export const SERVED_CANARY_API_VERSION = "flagger.app/v1beta1";

export interface CanaryModel {
  document: ManifestDocument;
  /** `metadata.name`, or "" when missing (reported by validation). */
  name: string;
  /** `metadata.namespace`; undefined when the manifest leaves it to kustomize/Flux or kubectl. */
  namespace?: string;
  object: CanaryObject;
  spec: CanarySpec;
  /** Schema findings, not yet placed on lines. */
  schemaFindings: PendingFinding[];
}

export interface MetricTemplateModel {
  document: ManifestDocument;
  name: string;
  namespace?: string;
  object: MetricTemplateObject;
  schemaFindings: PendingFinding[];
}

export interface AlertProviderModel {
  document: ManifestDocument;
  name: string;
  namespace?: string;
  object: AlertProviderObject;
  schemaFindings: PendingFinding[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface ContainerModel {
  name: string;
  image?: string;
  ports: ContainerPort[];
}

/** A Deployment, DaemonSet or Knative Service, read leniently. */
export interface WorkloadModel {
  document: ManifestDocument;
  kind: "Deployment" | "DaemonSet" | "KnativeService";
  name: string;
  namespace?: string;
  /** `spec.selector.matchLabels` (empty for Knative). */
  selectorLabels: Record<string, string>;
  /** `spec.replicas` when it is a number. */
  replicas?: number;
  containers: ContainerModel[];
  initContainers: ContainerModel[];
  /** The whole object as written, for generating the primary workload. */
  raw: Record<string, unknown>;
}

export function buildCanaryModel(document: ManifestDocument): CanaryModel {
  const schemaFindings: PendingFinding[] = [];
  const object = canarySchema.read(document.value, { issues: schemaFindings }, []) ?? {};
  return {
    document,
    name: document.name ?? "",
    namespace: document.namespace,
    object,
    spec: object.spec ?? {},
    schemaFindings,
  };
}

export function buildMetricTemplateModel(document: ManifestDocument): MetricTemplateModel {
  const schemaFindings: PendingFinding[] = [];
  const object = metricTemplateSchema.read(document.value, { issues: schemaFindings }, []) ?? {};
  return { document, name: document.name ?? "", namespace: document.namespace, object, schemaFindings };
}

export function buildAlertProviderModel(document: ManifestDocument): AlertProviderModel {
  const schemaFindings: PendingFinding[] = [];
  const object = alertProviderSchema.read(document.value, { issues: schemaFindings }, []) ?? {};
  return { document, name: document.name ?? "", namespace: document.namespace, object, schemaFindings };
}

export function buildWorkloadModel(document: ManifestDocument): WorkloadModel | undefined {
  if (document.kind !== "Deployment" && document.kind !== "DaemonSet" && document.kind !== "KnativeService") return undefined;
  const raw = isRecord(document.value) ? document.value : {};
  const spec = isRecord(raw.spec) ? raw.spec : {};
  const selector = isRecord(spec.selector) ? spec.selector : {};
  const template = isRecord(spec.template) ? spec.template : {};
  const podSpec = isRecord(template.spec) ? template.spec : {};
  return {
    document,
    kind: document.kind,
    name: document.name ?? "",
    namespace: document.namespace,
    selectorLabels: readStringMap(selector.matchLabels),
    replicas: typeof spec.replicas === "number" ? spec.replicas : undefined,
    containers: readContainers(podSpec.containers),
    initContainers: readContainers(podSpec.initContainers),
    raw,
  };
}

export function readStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, element] of Object.entries(value)) {
    if (typeof element === "string") out[key] = element;
    else if (typeof element === "number" || typeof element === "boolean") out[key] = String(element);
  }
  return out;
}

function readContainers(value: unknown): ContainerModel[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((container) => ({
    name: typeof container.name === "string" ? container.name : "",
    image: typeof container.image === "string" ? container.image : undefined,
    ports: Array.isArray(container.ports)
      ? container.ports.filter(isRecord).flatMap((port): ContainerPort[] =>
          typeof port.containerPort === "number"
            ? [
                {
                  containerPort: port.containerPort,
                  ...(typeof port.name === "string" ? { name: port.name } : {}),
                  ...(typeof port.protocol === "string" ? { protocol: port.protocol } : {}),
                },
              ]
            : [],
        )
      : [],
  }));
}
