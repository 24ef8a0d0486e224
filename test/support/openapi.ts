/**
 * Checks the requests canary-bot sends against GitHub's own OpenAPI description
 * (@octokit/openapi, the one package tests read from node_modules): the method and path must be an
 * operation, every query parameter must be declared and valid, and the JSON body must satisfy the
 * operation's requestBody schema — with objects closed (no property GitHub does not define), so
 * that a misspelt field fails instead of being silently ignored by GitHub.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";

interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
}

interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

interface Route {
  template: string;
  regex: RegExp;
  literalSegments: number;
  methods: Record<string, Operation>;
}

let loaded: { spec: Spec; routes: Route[]; ajv: Ajv; bodies: Map<string, ValidateFunction>; params: Map<string, ValidateFunction> } | undefined;

function load() {
  if (loaded) return loaded;
  const file = join(import.meta.dirname, "../../node_modules/@octokit/openapi/generated/api.github.com.json");
  const spec = JSON.parse(readFileSync(file, "utf8")) as Spec;
  const routes: Route[] = Object.entries(spec.paths).map(([template, methods]) => {
    const segments = template.split("/");
    const source = segments
      .map((segment) => segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, "[^/]+"))
      .join("/");
    return { template, regex: new RegExp(`^${source}$`), literalSegments: segments.filter((s) => !s.includes("{")).length, methods };
  });
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/);
  ajv.addFormat("uri", { validate: (value: string) => URL.canParse(value) });
  for (const format of ["email", "date", "uri-template", "hostname", "ipv4", "ipv6", "binary", "int64", "int32", "repo.nwo", "ssh-key", "ssh-key fingerprint"]) ajv.addFormat(format, true);
  loaded = { spec, routes, ajv, bodies: new Map(), params: new Map() };
  return loaded;
}

/** Inlines `#/components/...` references and closes plain object schemas. */
function resolveSchema(spec: Spec, schema: unknown, close: boolean, depth = 0): unknown {
  if (depth > 50 || schema === null || typeof schema !== "object") return schema;
  if (Array.isArray(schema)) return schema.map((item) => resolveSchema(spec, item, close, depth + 1));
  const record = schema as Record<string, unknown>;
  if (typeof record.$ref === "string") return resolveSchema(spec, resolveRef(spec, record.$ref), close, depth + 1);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === "example" || key === "examples" || key === "description") continue;
    // Under `properties` the keys are property names (a commit status has one called "description").
    if (key === "properties" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, resolveSchema(spec, property, close, depth + 1)]));
      continue;
    }
    // Members of allOf are combined; closing one would forbid the others' properties.
    out[key] = resolveSchema(spec, value, close && key !== "allOf", depth + 1);
  }
  if (close && out.type === "object" && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function resolveRef(spec: Spec, ref: string): unknown {
  const [, section, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(ref) ?? [];
  const value = section && name ? spec.components[section]?.[name.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  if (value === undefined) throw new Error(`unresolved OpenAPI reference ${ref}`);
  return value;
}

export interface CheckedRequest {
  method: string;
  /** Path and query, e.g. `/repos/o/r/issues/2/comments?per_page=100`. */
  path: string;
  body: unknown;
}

/** Problems of one request; empty when GitHub's description accepts it. GraphQL is not described there. */
export function findOpenApiProblems(request: CheckedRequest): string[] {
  const { spec, routes, ajv, bodies, params } = load();
  const url = new URL(request.path, "https://api.github.com");
  // GitHub's pagination links name the repository by id; the operation is the /repos/{owner}/{repo} one.
  url.pathname = url.pathname.replace(/^\/repositories\/\d+(?=\/|$)/, "/repos/owner/repo");
  const method = request.method.toLowerCase();
  if (url.pathname === "/graphql") return [];
  const candidates = routes.filter((r) => r.regex.test(url.pathname) && r.methods[method]).sort((a, b) => b.literalSegments - a.literalSegments);
  const route = candidates[0];
  if (!route) return [`${request.method} ${url.pathname} is not an operation of GitHub's REST API`];
  const operation = route.methods[method]!;
  const where = `${request.method} ${route.template}`;
  const problems: string[] = [];

  const parameters = (operation.parameters ?? []).map((p) => resolveSchema(spec, p, false) as { name: string; in: string; schema?: unknown });
  for (const [name, value] of url.searchParams) {
    const parameter = parameters.find((p) => p.in === "query" && p.name === name);
    if (!parameter) {
      problems.push(`${where}: query parameter ${name} is not defined`);
      continue;
    }
    // GitHub documents per_page's maximum in prose only.
    if (name === "per_page" && Number(value) > 100) problems.push(`${where}: per_page ${value} is above GitHub's maximum of 100`);
    const key = `${where} ?${name}`;
    let validate = params.get(key);
    if (!validate) {
      validate = ajv.compile((parameter.schema ?? {}) as object);
      params.set(key, validate);
    }
    const schemaType = (parameter.schema as { type?: string } | undefined)?.type;
    const typed = schemaType === "integer" || schemaType === "number" ? Number(value) : schemaType === "boolean" ? value === "true" ? true : value === "false" ? false : value : value;
    if (!validate(typed)) problems.push(`${where}: query parameter ${name}=${value}: ${ajv.errorsText(validate.errors)}`);
  }

  const requestBody = operation.requestBody ? (resolveSchema(spec, operation.requestBody, false) as { required?: boolean; content?: Record<string, { schema?: unknown }> }) : undefined;
  const hasBody = request.body !== undefined && request.body !== "" && request.body !== null;
  if (!requestBody) {
    if (hasBody) problems.push(`${where}: sends a body but the operation takes none`);
    return problems;
  }
  if (!hasBody) {
    if (requestBody.required) problems.push(`${where}: the operation requires a body`);
    return problems;
  }
  let validate = bodies.get(where);
  if (!validate) {
    const schema = requestBody.content?.["application/json"]?.schema;
    if (!schema) return [...problems, `${where}: the operation takes no JSON body`];
    validate = ajv.compile(resolveSchema(spec, schema, true) as object);
    bodies.set(where, validate);
  }
  const body = typeof request.body === "string" ? JSON.parse(request.body) : request.body;
  if (!validate(body)) problems.push(`${where}: body ${ajv.errorsText(validate.errors, { dataVar: "body" })}`);
  return problems;
}
