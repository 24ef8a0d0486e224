/**
 * Building a GitOps repository as its clusters do (docs/gitops-build.md). The App and the CLI call
 * `selectBuildInputs` to know which files to read and `getBuiltReviewInput` to build both revisions.
 */
export { getBuiltReviewInput, isBuildInput, type BuiltReviewInput } from "./review-input.js";
export { runRevisionBuild, type RevisionFiles } from "./build-revision.js";
export { findKustomizeEngine, type KustomizeEngine } from "./kustomize.js";
export { selectBuildInputs } from "./roots.js";
export type { BuildMode, BuildRootInfo, BuiltRevision, RevisionScope } from "./types.js";
