/**
 * What changes in the cluster between the base and the head of a pull request: one unified diff
 * per generated object, keyed by kind and name (the `diff` package).
 */
import { createTwoFilesPatch } from "diff";
import type { GeneratedRouting, KubernetesObject } from "./types.js";
import { renderResourceYaml } from "./yaml.js";

export interface ResourceDiff {
  kind: string;
  name: string;
  change: "added" | "removed" | "changed";
  /** Unified diff of the YAML, without the `Index:`/`===` header. */
  patch: string;
}

function keyOf(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

export function diffGeneratedResources(params: { base: GeneratedRouting | undefined; head: GeneratedRouting | undefined }): ResourceDiff[] {
  const before = new Map((params.base?.resources ?? []).map((r) => [keyOf(r), r]));
  const after = new Map((params.head?.resources ?? []).map((r) => [keyOf(r), r]));
  // Head order first (the order Flagger creates them), then what only the base had.
  const keys = [...after.keys(), ...[...before.keys()].filter((k) => !after.has(k))];
  const diffs: ResourceDiff[] = [];
  for (const key of keys) {
    const a = before.get(key);
    const b = after.get(key);
    const oldText = a ? renderResourceYaml(a) : "";
    const newText = b ? renderResourceYaml(b) : "";
    if (oldText === newText) continue;
    const object = (b ?? a)!;
    const patch = createTwoFilesPatch(a ? `base/${key}` : "/dev/null", b ? `head/${key}` : "/dev/null", oldText, newText, undefined, undefined, { context: 3 });
    diffs.push({
      kind: object.kind,
      name: object.metadata.name,
      change: !a ? "added" : !b ? "removed" : "changed",
      patch: patch.replace(/^=+\n/m, "").replace(/^Index:.*\n/m, "").trimEnd(),
    });
  }
  return diffs;
}
