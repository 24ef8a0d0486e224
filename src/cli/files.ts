/**
 * Reading manifests from disk for the CLI (an I/O edge). Folders are walked for *.yaml and *.yml;
 * every file found is read, and a file that cannot be read becomes a finding, never a crash.
 *
 * The reads are synchronous on purpose: a command does nothing else meanwhile, and one promise
 * round trip through libuv's thread pool per stat and read left the process idle for half of a
 * 20,000-file run (issue 14: 12 s of 24 s at 10,000 Canaries).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { INPUT_LIMITS } from "../limits.js";
import { buildOversizeFile, parseManifestFile, type ManifestFile } from "../canary/parse.js";

const SKIPPED_DIRECTORIES = new Set([".git", "node_modules"]);
const MANIFEST_EXTENSION = /\.ya?ml$/i;

// Re-exported: the other commands import it from here.
export { UsageError } from "./usage-error.js";
import { UsageError } from "./usage-error.js";

/** Lists the manifest files under the given paths (files are taken as given, folders walked). */
export async function findManifestPaths(paths: readonly string[], limits: { filesPerWalk?: number } = {}): Promise<string[]> {
  const filesPerWalk = limits.filesPerWalk ?? INPUT_LIMITS.filesPerWalk;
  const out: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = statSync(path);
    } catch {
      throw new UsageError(`${path}: no such file or folder`);
    }
    if (info.isDirectory()) walk(path, out, paths, filesPerWalk);
    else out.push(path);
  }
  return [...new Set(out)];
}

function walk(directory: string, out: string[], roots: readonly string[], filesPerWalk: number): void {
  const entries = readdirSync(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(path, out, roots, filesPerWalk);
    } else if (entry.isFile() && MANIFEST_EXTENSION.test(entry.name)) {
      out.push(path);
      if (out.length > filesPerWalk) {
        throw new UsageError(`more than ${filesPerWalk.toLocaleString("en-US")} manifest files under ${roots.join(", ")} (INPUT_LIMITS.filesPerWalk); validate its folders separately`);
      }
    }
  }
}

/**
 * Reads and parses files. Sizes are checked before a file is read whole: a file over the per-file
 * limit is one finding; more bytes in all than a run reads is a usage error that names the limit.
 */
export async function readManifestFiles(paths: readonly string[], options: { relativeTo?: string; bytesPerRun?: number } = {}): Promise<ManifestFile[]> {
  const bytesPerRun = options.bytesPerRun ?? INPUT_LIMITS.bytesPerRun;
  const sizes = paths.map((path) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  });
  const total = sizes.reduce((sum, size) => sum + (size <= INPUT_LIMITS.manifestBytes ? size : 0), 0);
  if (total > bytesPerRun) {
    throw new UsageError(
      `${paths.length} files hold ${total} bytes of manifests, more than the ${bytesPerRun} one run reads (INPUT_LIMITS.bytesPerRun, a bound on memory); validate their folders separately`,
    );
  }
  const charts = new Map<string, boolean>();
  return paths.map((path, i) => readManifestFile(path, options.relativeTo ? relative(options.relativeTo, path) : path, sizes[i]!, isChartTemplate(path, charts)));
}

/**
 * Whether a file is under the templates/ folder of a Helm chart (a folder with a Chart.yaml): Helm
 * renders everything there, so it is a template even without `{{ }}`. `charts` caches the answer
 * per templates/ folder.
 */
export function isChartTemplate(path: string, charts: Map<string, boolean> = new Map()): boolean {
  const parts = resolve(path).split(sep);
  for (let i = parts.length - 2; i > 0; i -= 1) {
    if (parts[i] !== "templates") continue;
    const templates = parts.slice(0, i + 1).join(sep);
    let known = charts.get(templates);
    if (known === undefined) charts.set(templates, (known = existsSync(join(dirname(templates), "Chart.yaml"))));
    if (known) return true;
  }
  return false;
}

function readManifestFile(path: string, shown: string, size: number, helmTemplate: boolean): ManifestFile {
  try {
    if (size > INPUT_LIMITS.manifestBytes) return buildOversizeFile({ path: shown, byteLength: size });
    return parseManifestFile({ path: shown, content: readFileSync(path), helmTemplate });
  } catch (error) {
    return {
      path: shown,
      documents: [],
      findings: [
        {
          code: "FILE_UNREADABLE",
          severity: "error",
          message: `The file could not be read (${error instanceof Error ? error.message : String(error)}).`,
          path: "",
          line: 1,
          column: 1,
        },
      ],
    };
  }
}

/**
 * The git repository a path belongs to, and the repository config that applies: `configFile` as
 * given, else the repository's `.github/canary-bot.yml` when it exists. Globs in the config are
 * relative to the repository root (for a config given outside any repository: the folder that
 * holds its `.github/`, else the current folder).
 */
export function findRepositoryContext(params: { firstPath: string; configFile?: string }): { root?: string; configFile?: string } {
  let root: string | undefined;
  for (let dir = resolve(params.firstPath); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) {
      root = dir;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  if (params.configFile) {
    const configDir = dirname(resolve(params.configFile));
    return { root: root ?? (configDir.endsWith(`${sep}.github`) ? dirname(configDir) : process.cwd()), configFile: params.configFile };
  }
  if (root === undefined) return {};
  const configFile = join(root, ".github", "canary-bot.yml");
  return existsSync(configFile) ? { root, configFile } : { root };
}

/**
 * The paths the App would read: those matching the config's `manifests` globs, taken relative to
 * the repository root with `/` separators (the matcher of src/config, shared with the App). Paths
 * outside the root are kept.
 */
export async function filterByRepositoryConfig(params: { paths: readonly string[]; root: string; manifests: { include: readonly string[]; exclude: readonly string[] } }): Promise<string[]> {
  const { buildPathMatcher } = await import("../config/glob.js");
  const isManifest = buildPathMatcher(params.manifests);
  return params.paths.filter((path) => {
    const inRepo = relative(params.root, resolve(path));
    if (inRepo.startsWith("..") || inRepo === "") return true;
    return isManifest(inRepo.split(sep).join("/"));
  });
}
