/**
 * A small schema language with the semantics of a Kubernetes structural schema (what the API server
 * does with a custom resource), used to describe Flagger's CRDs in our own code.
 *
 * Reading a value against a schema does what the API server does before storing it:
 * - `null` object fields are dropped (k8s "nullable: false" pruning) and count as absent;
 * - unknown fields are dropped, with a warning that names them;
 * - CRD defaults are applied;
 * - a value of the wrong type, enum or pattern is reported and left out of the result.
 *
 * The result is typed (`Infer<typeof schema>`), with every field optional: the rest of the project
 * works on the cleaned model and never has to re-check types.
 */
import { editDistance } from "./edit-distance.js";
import type { PathSegment, PendingFinding } from "./findings.js";
import { formatPath } from "./findings.js";

export interface SchemaContext {
  issues: PendingFinding[];
}

export interface Schema<T> {
  /** How the expected type is named in messages ("a string", "an integer", …). */
  readonly expected: string;
  /** What the schema checks, as data: lets a test compare it with the CRD's OpenAPI schema. */
  readonly shape?: SchemaShape;
  read(value: unknown, ctx: SchemaContext, path: readonly PathSegment[]): T | undefined;
}

/** The OpenAPI constraints a schema reproduces (test/canary/crd-shape.test.ts walks them). */
export interface SchemaShape {
  type: "string" | "number" | "integer" | "boolean" | "int-or-string" | "object" | "array" | "map" | "any-object";
  enum?: readonly string[];
  /** The pattern's source, verbatim from the CRD. */
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  /** A CRD `number` whose Go field is an integer (fractions rejected on top of the CRD). */
  goInteger?: boolean;
  required?: readonly string[];
  defaults?: Readonly<Record<string, unknown>>;
  properties?: Readonly<Record<string, Schema<unknown>>>;
  items?: Schema<unknown>;
  values?: Schema<unknown>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Props = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type InferObject<P extends Props> = Simplify<{ [K in keyof P]?: Infer<P[K]> }>;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  return typeof value;
}

function report(ctx: SchemaContext, finding: PendingFinding): void {
  ctx.issues.push(finding);
}

function typeError(ctx: SchemaContext, path: readonly PathSegment[], expected: string, value: unknown, hint?: string): void {
  report(ctx, {
    code: "SCHEMA_TYPE",
    severity: "error",
    message: `\`${formatPath(path)}\` must be ${expected}, not ${typeName(value)}: the API server rejects the object.${hint ? ` ${hint}` : ""}`,
    path,
  });
}

export interface StringOptions {
  enum?: readonly string[];
  /** The CRD's pattern, verbatim; `describe` says in words what it accepts. */
  pattern?: { regex: RegExp; describe: string };
  minLength?: number;
  maxLength?: number;
  /** Extra advice appended to any message about this field. */
  hint?: string;
}

export function str<const E extends string = string>(options: StringOptions & { enum?: readonly E[] } = {}): Schema<string extends E ? string : E> {
  return {
    expected: "a string",
    shape: {
      type: "string",
      ...(options.enum ? { enum: options.enum } : {}),
      ...(options.pattern ? { pattern: options.pattern.regex.source } : {}),
      ...(options.minLength !== undefined ? { minLength: options.minLength } : {}),
      ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
    },
    read(value, ctx, path) {
      if (typeof value !== "string") {
        typeError(ctx, path, "a string", value, options.hint);
        return undefined;
      }
      if (options.enum && !options.enum.includes(value as E)) {
        const allowed = options.enum.map((e) => (e === "" ? '""' : e)).join(", ");
        report(ctx, {
          code: "SCHEMA_ENUM",
          severity: "error",
          message: `\`${formatPath(path)}\` is ${JSON.stringify(value)}, which Flagger's CRD does not allow: the API server rejects the object. Allowed values: ${allowed}.${options.hint ? ` ${options.hint}` : ""}`,
          path,
        });
        return undefined;
      }
      if (options.pattern && !options.pattern.regex.test(value)) {
        report(ctx, {
          code: "SCHEMA_PATTERN",
          severity: "error",
          message: `\`${formatPath(path)}\` is ${JSON.stringify(value)}, which does not match the CRD's pattern ${options.pattern.regex.source} (${options.pattern.describe}): the API server rejects the object.${options.hint ? ` ${options.hint}` : ""}`,
          path,
        });
        return undefined;
      }
      if (options.minLength !== undefined || options.maxLength !== undefined) {
        // OpenAPI lengths count characters (code points), not UTF-16 units.
        let length = 0;
        for (const _ of value) length += 1;
        if ((options.minLength !== undefined && length < options.minLength) || (options.maxLength !== undefined && length > options.maxLength)) {
          report(ctx, {
            code: "SCHEMA_RANGE",
            severity: "error",
            message: `\`${formatPath(path)}\` must have ${options.minLength ?? 0} to ${options.maxLength ?? "any number of"} characters, not ${length}: the API server rejects the object.`,
            path,
          });
          return undefined;
        }
      }
      return value as string extends E ? string : E;
    },
  };
}

export interface NumberOptions {
  /** The CRD's type: "number" accepts fractions, "integer" does not. */
  crd: "number" | "integer";
  /**
   * The Go field is an integer although the CRD says "number": a fraction passes the API server but
   * Flagger cannot decode the object (docs/flagger-scheduler.md §1.0).
   */
  goInteger?: boolean;
  minimum?: number;
  maximum?: number;
}

export function num(options: NumberOptions): Schema<number> {
  const expected = options.crd === "integer" ? "an integer" : "a number";
  return {
    expected,
    shape: {
      type: options.crd,
      ...(options.goInteger ? { goInteger: true } : {}),
      ...(options.minimum !== undefined ? { minimum: options.minimum } : {}),
      ...(options.maximum !== undefined ? { maximum: options.maximum } : {}),
    },
    read(value, ctx, path) {
      // JSON has no NaN or Infinity (YAML's .nan/.inf): kubectl cannot even send them.
      if (typeof value !== "number" || !Number.isFinite(value)) {
        typeError(ctx, path, expected, value);
        return undefined;
      }
      if (!Number.isInteger(value)) {
        if (options.crd === "integer") {
          typeError(ctx, path, expected, value);
          return undefined;
        }
        if (options.goInteger) {
          report(ctx, {
            code: "VALUE_NOT_INTEGER",
            severity: "error",
            message: `\`${formatPath(path)}\` is ${value}. Flagger's CRD accepts any number here, but the Go field is an integer: Flagger fails to decode the Canary and never schedules it. Use a whole number.`,
            path,
          });
          return undefined;
        }
      }
      if ((options.minimum !== undefined && value < options.minimum) || (options.maximum !== undefined && value > options.maximum)) {
        report(ctx, {
          code: "SCHEMA_RANGE",
          severity: "error",
          message: `\`${formatPath(path)}\` is ${value}; Flagger's CRD requires ${describeBounds(options.minimum, options.maximum)}: the API server rejects the object.`,
          path,
        });
        return undefined;
      }
      return value;
    },
  };
}

function describeBounds(minimum: number | undefined, maximum: number | undefined): string {
  if (minimum !== undefined && maximum !== undefined) return `${minimum} to ${maximum}`;
  return minimum !== undefined ? `at least ${minimum}` : `at most ${maximum}`;
}

export function bool(): Schema<boolean> {
  return {
    expected: "a boolean",
    shape: { type: "boolean" },
    read(value, ctx, path) {
      if (typeof value !== "boolean") {
        typeError(ctx, path, "a boolean (true or false)", value);
        return undefined;
      }
      return value;
    },
  };
}

/** `x-kubernetes-int-or-string`. */
export function intOrString(): Schema<number | string> {
  return {
    expected: "an integer or a string",
    shape: { type: "int-or-string" },
    read(value, ctx, path) {
      if (typeof value === "string") return value;
      if (typeof value === "number" && Number.isInteger(value)) return value;
      typeError(ctx, path, "an integer or a string", value);
      return undefined;
    },
  };
}

/** Anything: kept as written (e.g. `metadata`, which the CRD types only as "object"). */
export function anyObject(): Schema<Record<string, unknown>> {
  return {
    expected: "a mapping",
    shape: { type: "any-object" },
    read(value, ctx, path) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        typeError(ctx, path, "a mapping", value);
        return undefined;
      }
      return value as Record<string, unknown>;
    },
  };
}

export function arr<T>(item: Schema<T>, options: { maxItems?: number } = {}): Schema<T[]> {
  return {
    expected: "a list",
    shape: { type: "array", items: item as Schema<unknown>, ...(options.maxItems !== undefined ? { maxItems: options.maxItems } : {}) },
    read(value, ctx, path) {
      if (!Array.isArray(value)) {
        typeError(ctx, path, "a list", value);
        return undefined;
      }
      if (options.maxItems !== undefined && value.length > options.maxItems) {
        report(ctx, {
          code: "SCHEMA_RANGE",
          severity: "error",
          message: `\`${formatPath(path)}\` has ${value.length} items; Flagger's CRD allows at most ${options.maxItems}: the API server rejects the object.`,
          path,
        });
      }
      const out: T[] = [];
      value.forEach((element, index) => {
        const read = item.read(element, ctx, [...path, index]);
        if (read !== undefined) out.push(read);
      });
      // The list itself when every item read as it is (see `isSameRecord`), else an exact-size
      // copy: `push` leaves room for 17 items, and a review keeps every Canary's model of both
      // revisions alive.
      if (out.length === value.length && out.every((read, index) => read === value[index])) return value as T[];
      return out.slice();
    },
  };
}

/** A mapping with free keys (`additionalProperties`). */
export function map<T>(valueSchema: Schema<T>): Schema<Record<string, T>> {
  return {
    expected: "a mapping",
    shape: { type: "map", values: valueSchema as Schema<unknown> },
    read(value, ctx, path) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        typeError(ctx, path, "a mapping", value);
        return undefined;
      }
      const out: Record<string, T> = {};
      for (const [key, element] of Object.entries(value)) {
        // Null map values are pruned like null fields (apiextensions PruneNonNullableNullsWithoutDefaults
        // looks up additionalProperties too).
        if (element === null) continue;
        const read = valueSchema.read(element, ctx, [...path, key]);
        if (read !== undefined) setOwn(out, key, read);
      }
      return isSameRecord(value as Record<string, unknown>, out) ? (value as Record<string, T>) : out;
    },
  };
}

export interface ObjectOptions<P extends Props> {
  required?: readonly (keyof P & string)[];
  /** CRD defaults, applied when the field is absent (as the API server does when storing). */
  defaults?: { [K in keyof P]?: Infer<P[K]> };
  /** Advice for known unknown fields: renamed, moved or never-supported fields. */
  unknownHints?: Record<string, string>;
  /**
   * Whole-object constraints (`oneOf` and the like). Runs on the raw value after null pruning, and
   * may return a replacement for the read value.
   */
  refine?: (raw: Record<string, unknown>, read: InferObject<P>, ctx: SchemaContext, path: readonly PathSegment[]) => void;
}

export function obj<P extends Props>(props: P, options: ObjectOptions<P> = {}): Schema<InferObject<P>> & { props: P } {
  const known = Object.keys(props);
  return {
    props,
    expected: "a mapping",
    shape: {
      type: "object",
      properties: props,
      ...(options.required ? { required: options.required } : {}),
      ...(options.defaults ? { defaults: options.defaults as Record<string, unknown> } : {}),
    },
    read(value, ctx, path) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        typeError(ctx, path, "a mapping", value);
        return undefined;
      }
      const raw = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const present: Record<string, unknown> = {};
      for (const [key, element] of Object.entries(raw)) {
        if (element === null || element === undefined) continue;
        // Own properties only: a key such as `constructor` or `__proto__` is just an unknown field.
        const schema = Object.hasOwn(props, key) ? props[key] : undefined;
        if (!schema) {
          const hint = options.unknownHints && Object.hasOwn(options.unknownHints, key) ? options.unknownHints[key] : undefined;
          report(ctx, unknownField([...path, key], known, hint));
          continue;
        }
        present[key] = element;
        const read = schema.read(element, ctx, [...path, key]);
        if (read !== undefined) out[key] = read;
      }
      for (const key of options.required ?? []) {
        if (!(key in present)) {
          report(ctx, {
            code: "SCHEMA_REQUIRED",
            severity: "error",
            message: `\`${formatPath([...path, key])}\` is required by Flagger's CRD: the API server rejects the object without it.`,
            path: [...path, key],
          });
        }
      }
      if (options.defaults) {
        for (const [key, defaultValue] of Object.entries(options.defaults)) {
          if (!(key in present) && defaultValue !== undefined) out[key] = defaultValue;
        }
      }
      const result = out as InferObject<P>;
      options.refine?.(present, result, ctx, path);
      return (isSameRecord(raw, out) ? raw : result) as InferObject<P>;
    },
  };
}

/**
 * Whether a read object has the keys of the value it was read from, in the same order, each
 * holding the very same value: then the reader returns the value itself instead of its copy. A
 * model then shares the document's data (a review holds both revisions' Canary models, and the
 * copies were about a fifth of its memory); nothing mutates either, and the two are
 * indistinguishable to a reader, key order included.
 */
function isSameRecord(value: Record<string, unknown>, read: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  const readKeys = Object.keys(read);
  if (keys.length !== readKeys.length) return false;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    if (readKeys[i] !== key || !Object.hasOwn(read, key) || read[key] !== value[key]) return false;
  }
  return Object.getPrototypeOf(value) === Object.getPrototypeOf(read);
}

/** Sets a key as an own data property, also for `__proto__` (which plain assignment would not create). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function unknownField(path: readonly PathSegment[], known: readonly string[], hint: string | undefined): PendingFinding {
  const name = String(path[path.length - 1]);
  const parent = formatPath(path.slice(0, -1)) || "the document";
  const suggestion = hint ?? suggest(name, known);
  return {
    code: "SCHEMA_UNKNOWN_FIELD",
    severity: "warning",
    message: `\`${name}\` is not a field of \`${parent}\` in Flagger's CRD: the API server drops it (and \`kubectl apply --validate=strict\` refuses it), so Flagger never sees it.${suggestion ? ` ${suggestion}` : ""}`,
    path,
    at: "key",
  };
}

function suggest(name: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  const lower = name.toLowerCase();
  for (const key of known) {
    const distance = key.toLowerCase() === lower ? 0 : editDistance(lower, key.toLowerCase(), 3);
    if (!best || distance < best.distance) best = { key, distance };
  }
  if (best && best.distance <= Math.max(2, Math.floor(name.length / 4))) return `Did you mean \`${best.key}\`?`;
  return undefined;
}
