/**
 * The one function the CLI and the App call to turn two revisions of a repository into the input
 * of a review (src/review): both revisions built as the clusters build them. An I/O edge (a
 * temporary folder and the kustomize binary, through build-revision.ts).
 *
 * What the caller passes: for each revision, path → content of every file under the build roots
 * that contain a changed file (the CLI passes every YAML file and every file of a kustomization
 * folder; the App reads the tree listing and those blobs), plus the changed paths and the
 * repository config of the base (the default branch for the App).
 */
import type { ManifestFile } from "../canary/parse.js";
import type { ControllerSettings } from "../canary/settings.js";
import { buildControllerSettings, buildPathMatcher, type RepositoryConfig } from "../config/index.js";
import { runRevisionBuild, type BuildCache, type RevisionFiles } from "./build-revision.js";
import { findKustomizeEngine, type KustomizeEngine } from "./kustomize.js";
import { KUSTOMIZATION_FILE_NAMES } from "./roots.js";
import type { BuildMode, RevisionScope } from "./types.js";

/** Structurally a `ReviewInput` (src/review/review.ts) plus what the build has to say. */
export interface BuiltReviewInput {
  base: ManifestFile[];
  head: ManifestFile[];
  changedPaths: string[];
  settings: ControllerSettings;
  scopes: { base: RevisionScope[]; head: RevisionScope[] };
  /** Sentences for the comment and the check (no kustomize binary, a root that failed to build …). */
  notes: string[];
  mode: BuildMode;
}

/** A changed file that can change what the clusters receive: a manifest, or a kustomization file. */
export function isBuildInput(path: string, isManifest: (path: string) => boolean): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return isManifest(path) || (KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(name);
}

/**
 * Builds both revisions and returns the review input. `engine`: omitted to find kustomize on this
 * machine (KUSTOMIZE_BIN, kustomize, kubectl), `null` to read raw files.
 */
export async function getBuiltReviewInput(params: {
  base: RevisionFiles;
  head: RevisionFiles;
  /** Every changed path (both names of a rename); filtered here to the build's inputs. */
  changedPaths: readonly string[];
  config: RepositoryConfig;
  engine?: KustomizeEngine | null;
}): Promise<BuiltReviewInput> {
  const engine = params.engine === null ? undefined : (params.engine ?? (await findKustomizeEngine()));
  const isManifest = buildPathMatcher(params.config.manifests);
  // A root whose inputs are the same on both sides is built once (build-revision.ts, BuildCache).
  const cache: BuildCache = new Map();
  const [base, head] = await Promise.all([
    runRevisionBuild({ files: params.base, config: params.config, engine, cache }),
    runRevisionBuild({ files: params.head, config: params.config, engine, cache }),
  ]);
  const notes = [...new Set([...head.notes, ...base.notes.filter((n) => !head.notes.includes(n)).map((n) => `Base revision: ${n}`)])];
  return {
    base: base.scopes.flatMap((s) => s.files),
    head: head.scopes.flatMap((s) => s.files),
    changedPaths: params.changedPaths.filter((p) => isBuildInput(p, isManifest)),
    settings: buildControllerSettings(params.config),
    scopes: { base: base.scopes, head: head.scopes },
    notes,
    mode: head.mode,
  };
}
