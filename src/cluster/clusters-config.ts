/**
 * The clusters the server hears from (DESIGN.md "Clusters"): `CLUSTERS_FILE` names a YAML file
 *
 *   clusters:
 *     - name: staging                  # as in the repository config's environments[].cluster
 *       eventTokenFile: /var/run/secrets/canary-bot/staging-token
 *       kubeconfig: /var/run/secrets/canary-bot/staging.kubeconfig   # optional: the pull source
 *
 * Server configuration, never in Git. `parseClustersConfig` is pure (text → clusters, or errors
 * naming the line and key); `loadClustersFile` is the edge that reads the file and the token files.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import * as z from "zod";
import { locatePath, positionOfOffset } from "../canary/positions.js";
import { formatConfigPath } from "../config/parse.js";
import { CONFIG_LIMITS } from "../limits.js";

/** Cluster names appear in URLs (/flagger/events/<cluster>), as in the repository config. */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/**
 * The token travels in the query string (Flagger cannot send headers, §4.1), so it is limited to
 * characters that need no URL encoding, and long enough not to be guessed.
 */
const TOKEN = /^[A-Za-z0-9._~-]{24,512}$/;
const TOKEN_ERROR = "a token is 24 to 512 characters from A-Z a-z 0-9 . _ ~ - (it goes in a URL); generate one with `openssl rand -hex 32`";

const clusterSchema = z
  .strictObject({
    name: z.string().regex(DNS_LABEL, { error: "cluster names are lowercase letters, digits and -, at most 63 characters" }),
    eventToken: z.string().regex(TOKEN, { error: TOKEN_ERROR }).optional(),
    eventTokenFile: z.string().min(1).optional(),
    kubeconfig: z.string().min(1).optional(),
  })
  .superRefine((cluster, ctx) => {
    if ((cluster.eventToken === undefined) === (cluster.eventTokenFile === undefined)) {
      ctx.addIssue({ code: "custom", path: [], message: "set exactly one of eventToken and eventTokenFile" });
    }
  });

const clustersFileSchema = z
  .strictObject({ clusters: z.array(clusterSchema).min(1, { error: "list at least one cluster" }) })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.clusters.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["clusters", i, "name"], message: `cluster "${c.name}" is defined twice (first as clusters[${seen.get(c.name)}])` });
      else seen.set(c.name, i);
    });
  });

/** A cluster as written: its token may still be in a file. */
export type ClusterEntry = z.output<typeof clusterSchema>;

/** A cluster ready to serve: the token read, paths absolute. */
export interface ClusterConfig {
  name: string;
  eventToken: string;
  /** Path of a kubeconfig for the pull source; null for push only. */
  kubeconfig: string | null;
}

export type ClustersResult = { ok: true; clusters: ClusterEntry[] } | { ok: false; errors: string[] };

export function parseClustersConfig(text: string): ClustersResult {
  if (Buffer.byteLength(text, "utf8") > CONFIG_LIMITS.bytes) return { ok: false, errors: [`1:1: the file is larger than ${CONFIG_LIMITS.bytes} bytes`] };
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (document.errors.length > 0) {
    return { ok: false, errors: document.errors.map((e) => { const p = positionOfOffset(lineCounter, e.pos[0]); return `${p.line}:${p.column}: YAML error: ${e.message.split("\n")[0]}`; }) };
  }
  const parsed = clustersFileSchema.safeParse(document.toJS({ maxAliasCount: 100 }) ?? {});
  if (parsed.success) return { ok: true, clusters: parsed.data.clusters };
  return {
    ok: false,
    errors: parsed.error.issues.flatMap((issue) => {
      const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
      const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...path, k]) : [path];
      return keys.map((p) => {
        const at = locatePath({ document: document as Document.Parsed, lineCounter, path: p, ...(issue.code === "unrecognized_keys" ? { at: "key" as const } : {}) });
        const message = issue.code === "unrecognized_keys" ? `unknown key (expected name, eventToken, eventTokenFile, kubeconfig)` : issue.message.replace(/^Invalid input: /, "");
        return `${at.line}:${at.column}: ${p.length ? `${formatConfigPath(p)}: ` : ""}${message}`;
      });
    }),
  };
}

export class ClustersConfigError extends Error {
  /** `errors`: one line each, `file:line:column: message` or `file: message`. */
  constructor(
    readonly file: string,
    readonly errors: readonly string[],
  ) {
    super(`${file} is not a valid clusters file (CLUSTERS_FILE):\n${errors.join("\n")}`);
  }
}

/**
 * Reads CLUSTERS_FILE and the token files it names (relative paths are relative to it). Throws a
 * ClustersConfigError listing every problem, for the server to refuse to start with.
 */
export async function loadClustersFile(path: string): Promise<ClusterConfig[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ClustersConfigError(path, [`${path}: cannot read the file: ${(error as Error).message}`]);
  }
  const parsed = parseClustersConfig(text);
  if (!parsed.ok) throw new ClustersConfigError(path, parsed.errors.map((e) => `${path}:${e}`));
  const base = dirname(resolve(path));
  const errors: string[] = [];
  const clusters: ClusterConfig[] = [];
  for (const [i, entry] of parsed.clusters.entries()) {
    let token = entry.eventToken;
    if (token === undefined) {
      const file = resolve(base, entry.eventTokenFile!);
      try {
        // A Secret mounted as a file usually ends with a newline.
        token = (await readFile(file, "utf8")).trim();
      } catch (error) {
        errors.push(`${path}: clusters[${i}].eventTokenFile: cannot read ${file}: ${(error as Error).message}`);
        continue;
      }
      if (!TOKEN.test(token)) {
        errors.push(`${path}: clusters[${i}].eventTokenFile: the token in ${file} is not valid: ${TOKEN_ERROR}`);
        continue;
      }
    }
    clusters.push({ name: entry.name, eventToken: token, kubeconfig: entry.kubeconfig === undefined ? null : resolve(base, entry.kubeconfig) });
  }
  if (errors.length > 0) throw new ClustersConfigError(path, errors);
  return clusters;
}
