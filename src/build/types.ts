/**
 * What building a revision produces: the objects each cluster (or environment) receives, each one
 * placed in the file and line it came from. The review compares these per Canary identity.
 */
import type { ManifestDocument, ManifestFile } from "../canary/parse.js";

/** How a revision was read: built with kustomize, or read as raw files (no kustomize binary). */
export type BuildMode = "kustomize" | "raw";

export interface BuildRootInfo {
  /** `Kustomization flux-system/apps (clusters/staging/apps.yaml)`, `apps/production`, or "" for loose files. */
  id: string;
  /** The folder kustomize built ("" for loose files). */
  folder: string;
}

/** The objects one environment or cluster receives. */
export interface RevisionScope {
  /** environment, else cluster, else "" (unknown). */
  id: string;
  environment: string | null;
  cluster: string | null;
  /** Rendered objects, grouped by the source file they were placed in. */
  files: ManifestFile[];
  /** The build root of each rendered document. */
  rootOf: ReadonlyMap<ManifestDocument, BuildRootInfo>;
}

export interface BuiltRevision {
  mode: BuildMode;
  scopes: RevisionScope[];
  /** What the build could not do, one sentence each, for the comment and the check. */
  notes: string[];
}
