/**
 * Reading manifests from disk for the CLI (an I/O edge). Folders are walked for *.yaml and *.yml;
 * every file found is read, and a file that cannot be read becomes a finding, never a crash.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { INPUT_LIMITS } from "../limits.js";
import { buildOversizeFile, parseManifestFile, type ManifestFile } from "../canary/parse.js";

const SKIPPED_DIRECTORIES = new Set([".git", "node_modules"]);
const MANIFEST_EXTENSION = /\.ya?ml$/i;

export class UsageError extends Error {}

/** Lists the manifest files under the given paths (files are taken as given, folders walked). */
export async function findManifestPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new UsageError(`${path}: no such file or folder`);
    }
    if (info.isDirectory()) await walk(path, out);
    else out.push(path);
    if (out.length > INPUT_LIMITS.filesPerWalk) throw new UsageError(`more than ${INPUT_LIMITS.filesPerWalk} manifest files under ${paths.join(", ")}; name smaller folders`);
  }
  return [...new Set(out)];
}

async function walk(directory: string, out: string[]): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(path, out);
    } else if (entry.isFile() && MANIFEST_EXTENSION.test(entry.name)) {
      out.push(path);
    }
  }
}

/** Reads and parses files. The size limit is checked before reading a file whole. */
export async function readManifestFiles(paths: readonly string[], options: { relativeTo?: string } = {}): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const path of paths) {
    const shown = options.relativeTo ? relative(options.relativeTo, path) : path;
    files.push(await readManifestFile(path, shown));
  }
  return files;
}

async function readManifestFile(path: string, shown: string): Promise<ManifestFile> {
  try {
    const info = await stat(path);
    if (info.size > INPUT_LIMITS.manifestBytes) {
      return buildOversizeFile({ path: shown, byteLength: info.size });
    }
    return parseManifestFile({ path: shown, content: await readFile(path) });
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
