/**
 * Flagger's published CRD (../shared/reference/flagger-crd.yaml) as test data: its OpenAPI schemas,
 * the same schemas prepared for ajv, and what the API server does to an object before it validates
 * it (apiextensions-apiserver: status dropped, unknown fields pruned, nulls pruned, defaults
 * applied).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export const CRD_PATH = join(import.meta.dirname, "../../../shared/reference/flagger-crd.yaml");

export type OpenApi = Record<string, any>;
export type CrdKind = "Canary" | "MetricTemplate" | "AlertProvider";

export function loadCrdSchemas(): Record<CrdKind, OpenApi> {
  const docs = parseAllDocuments(readFileSync(CRD_PATH, "utf8")).map((d) => d.toJS());
  return Object.fromEntries(docs.map((d) => [d.spec.names.kind, d.spec.versions[0].schema.openAPIV3Schema])) as Record<CrdKind, OpenApi>;
}

/**
 * The OpenAPI schema as ajv reads it: `x-kubernetes-int-or-string` becomes the anyOf Kubernetes
 * means by it; `x-kubernetes-validations` (CEL) is left out because ajv cannot run CEL (see the
 * MIRROR_BACKEND_PORT_REQUIRED exception); `default` stays (ajv ignores it; prepare applies it).
 */
export function toAjvSchema(schema: OpenApi): OpenApi {
  if (Array.isArray(schema)) return schema.map(toAjvSchema) as unknown as OpenApi;
  if (typeof schema !== "object" || schema === null) return schema;
  const out: OpenApi = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "x-kubernetes-validations" || key === "x-kubernetes-int-or-string") continue;
    if (key === "properties" || key === "definitions") {
      out[key] = Object.fromEntries(Object.entries(value as OpenApi).map(([k, v]) => [k, toAjvSchema(v as OpenApi)]));
    } else {
      out[key] = typeof value === "object" && value !== null ? toAjvSchema(value as OpenApi) : value;
    }
  }
  if (schema["x-kubernetes-int-or-string"]) out.anyOf = [{ type: "integer" }, { type: "string" }];
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function propertySchema(schema: OpenApi | undefined, key: string): OpenApi | undefined {
  if (!schema) return undefined;
  if (schema.properties && Object.hasOwn(schema.properties, key)) return schema.properties[key];
  if (isObject(schema.additionalProperties)) return schema.additionalProperties as OpenApi;
  return undefined;
}

/**
 * What the API server stores before validating: the status subresource drops `status`
 * (customResourceStrategy.PrepareForCreate); unknown fields are pruned (no
 * x-kubernetes-preserve-unknown-fields anywhere in Flagger's CRDs); null fields without a default
 * are pruned (PruneNonNullableNullsWithoutDefaults, also in additionalProperties maps); defaults
 * are applied (to absent or null fields). `metadata` has no properties in the CRD (it is ObjectMeta,
 * validated by other code), so nothing inside it is pruned.
 */
export function prepareLikeApiServer(root: OpenApi, value: unknown): unknown {
  const copy = structuredClone(value);
  if (isObject(copy)) delete copy.status;
  prune(root, copy);
  return copy;
}

function prune(schema: OpenApi | undefined, value: unknown): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) prune(schema.items as OpenApi | undefined, item);
    return;
  }
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    const child = propertySchema(schema, key);
    if (!child) {
      // Pruned unless the schema is a free object (no properties, no additionalProperties).
      if (schema.properties || schema.additionalProperties) delete value[key];
      continue;
    }
    if (value[key] === null && child.default === undefined) {
      delete value[key];
      continue;
    }
    prune(child, value[key]);
  }
  if (schema.properties) {
    for (const [key, child] of Object.entries(schema.properties as Record<string, OpenApi>)) {
      if (child.default !== undefined && (!Object.hasOwn(value, key) || value[key] === null)) value[key] = structuredClone(child.default);
    }
  }
}
