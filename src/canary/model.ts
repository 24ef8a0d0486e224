/**
 * Typed views of the documents canary-bot understands. Flagger kinds are read through their CRD
 * schema (crd.ts), which yields the cleaned object the API server would store plus the schema
 * findings; Kubernetes kinds are read leniently, only for the fields Flagger uses.
 */
import { alertProviderSchema, canarySchema, metricTemplateSchema, type AlertProviderObject, type CanaryObject, type CanarySpec, type MetricTemplateObject } from "./crd.js";
import type { PendingFinding } from "./findings.js";
import { isUnderVariable, substituteFluxDefaults, type FluxVariable } from "./flux-variables.js";
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
  /** Flux variables left in the raw file; defaults are read in, and their fields not judged. */
  fluxVariables?: FluxVariable[];
}

export interface MetricTemplateModel {
  document: ManifestDocument;
  name: string;
  namespace?: string;
  object: MetricTemplateObject;
  schemaFindings: PendingFinding[];
  fluxVariables?: FluxVariable[];
}

export interface AlertProviderModel {
  document: ManifestDocument;
  name: string;
  namespace?: string;
  object: AlertProviderObject;
  schemaFindings: PendingFinding[];
  fluxVariables?: FluxVariable[];
}

/**
 * Reads a Flagger object through its schema after putting in the defaults of Flux variables; the
 * schema findings on a field that holds a variable are dropped (one notice says the file is not
 * rendered, see validate.ts), since the field's real value is only known after substitution.
 */
function readFlaggerObject<T>(document: ManifestDocument, schema: { read(value: unknown, ctx: { issues: PendingFinding[] }, path: []): T | undefined }) {
  const { value, variables } = substituteFluxDefaults(document.value);
  const issues: PendingFinding[] = [];
  const object = schema.read(value, { issues }, []);
  const schemaFindings = variables.length === 0 ? issues : issues.filter((f) => !isUnderVariable(f.path, variables));
  return { object, schemaFindings, ...(variables.length > 0 ? { fluxVariables: variables } : {}) };
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
  const { object = {}, schemaFindings, fluxVariables } = readFlaggerObject(document, canarySchema);
  return {
    document,
    name: document.name ?? "",
    namespace: document.namespace,
    object,
    spec: object.spec ?? {},
    schemaFindings,
    ...(fluxVariables ? { fluxVariables } : {}),
  };
}

export function buildMetricTemplateModel(document: ManifestDocument): MetricTemplateModel {
  const { object = {}, schemaFindings, fluxVariables } = readFlaggerObject(document, metricTemplateSchema);
  return { document, name: document.name ?? "", namespace: document.namespace, object, schemaFindings, ...(fluxVariables ? { fluxVariables } : {}) };
}

export function buildAlertProviderModel(document: ManifestDocument): AlertProviderModel {
  const { object = {}, schemaFindings, fluxVariables } = readFlaggerObject(document, alertProviderSchema);
  return { document, name: document.name ?? "", namespace: document.namespace, object, schemaFindings, ...(fluxVariables ? { fluxVariables } : {}) };
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
    selectorLabels: readSelectorLabels(selector.matchLabels),
    replicas: typeof spec.replicas === "number" ? spec.replicas : undefined,
    containers: readContainers(podSpec.containers),
    initContainers: readContainers(podSpec.initContainers),
    raw,
  };
}

/**
 * `readStringMap`, but labels that are all strings (as a rule) are the document's own map, not a
 * copy: a review keeps the workload model of every target of both revisions. Nothing writes to
 * it. A `__proto__` key is not copied by assignment, so such a map is read, not shared.
 */
function readSelectorLabels(value: unknown): Record<string, string> {
  if (isRecord(value) && !Object.hasOwn(value, "__proto__") && Object.values(value).every((element) => typeof element === "string")) {
    return value as Record<string, string>;
  }
  return readStringMap(value);
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
