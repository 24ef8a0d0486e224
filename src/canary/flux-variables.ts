/**
 * Flux post-build variables (`${VAR}`, `${VAR:=default}`) left in a raw manifest. Flux substitutes
 * them in the text before the object reaches the API server (kustomize-controller postBuild,
 * https://fluxcd.io/flux/components/kustomize/kustomizations/#post-build-variable-substitution),
 * so a field such as `threshold: ${THRESHOLD:=10}` is a number in the cluster, not the string the
 * raw file holds. Pure.
 */
import { parse } from "yaml";
import type { PathSegment } from "./findings.js";

/** `${NAME}` or `${NAME:=default}`; `$${NAME}` is Flux's escape for a literal `${NAME}`. */
const VARIABLE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::=([^}]*))?\}/;
const WHOLE_VARIABLE = new RegExp(`^${VARIABLE.source}$`);

export interface FluxVariable {
  path: PathSegment[];
  /** The text as written, e.g. `${THRESHOLD:=10}`. */
  text: string;
  /** The default, read as YAML the way Flux's substituted text is read; undefined without one. */
  defaultValue?: unknown;
}

/**
 * A copy of `value` in which every string that is exactly one variable with a default holds that
 * default (typed, as YAML reads the substituted text), and the list of every string that uses a
 * variable. Values without variables are returned as they are.
 */
export function substituteFluxDefaults(value: unknown): { value: unknown; variables: FluxVariable[] } {
  const variables: FluxVariable[] = [];
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === "string") {
      const match = VARIABLE.exec(node);
      if (!match) return node;
      const whole = WHOLE_VARIABLE.exec(node);
      if (whole && whole[2] !== undefined) {
        const defaultValue = readScalar(whole[2]);
        variables.push({ path, text: node, defaultValue });
        return defaultValue;
      }
      variables.push({ path, text: match[0] });
      return node;
    }
    if (Array.isArray(node)) {
      let changed = false;
      const out = node.map((item, i) => {
        const next = walk(item, [...path, i]);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : node;
    }
    if (typeof node === "object" && node !== null) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        const next = walk(item, [...path, key]);
        if (next !== item) changed = true;
        out[key] = next;
      }
      return changed ? out : node;
    }
    return node;
  };
  return { value: walk(value, []), variables };
}

/** Whether `path` is a variable's path or inside one. */
export function isUnderVariable(path: readonly PathSegment[], variables: readonly FluxVariable[]): boolean {
  return variables.some((variable) => variable.path.length <= path.length && variable.path.every((segment, i) => String(segment) === String(path[i])));
}

function readScalar(text: string): unknown {
  try {
    const value: unknown = parse(text, { version: "1.1" });
    return value === null || typeof value !== "object" ? (value ?? "") : text;
  } catch {
    return text;
  }
}
