/** Generated objects as YAML, with kubectl's key order at the top (apiVersion, kind, metadata, spec). */
import { stringify } from "yaml";
import type { KubernetesObject } from "./types.js";

const TOP_KEYS = ["apiVersion", "kind", "metadata", "spec", "type", "data", "stringData", "binaryData"];

function ordered(object: KubernetesObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TOP_KEYS) if (object[key] !== undefined) out[key] = object[key];
  for (const [key, value] of Object.entries(object)) if (!(key in out)) out[key] = value;
  return out;
}

export function renderResourceYaml(object: KubernetesObject): string {
  // lineWidth 0: long PromQL or regex values stay on one line, so diffs stay line-aligned.
  // YAML 1.1 quoting: kubectl reads YAML 1.1, where unquoted yes/on/y/NO are booleans and
  // 2024-01-01 a timestamp, so such strings must come out quoted to apply as strings.
  return stringify(ordered(object), { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
}

/** One multi-document stream. */
export function renderResourcesYaml(objects: readonly KubernetesObject[]): string {
  return objects.map(renderResourceYaml).join("---\n");
}
