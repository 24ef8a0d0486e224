/**
 * Every limit canary-bot applies, in one place (STYLE.md §12). A limit protects a resource (time,
 * memory, a GitHub quota); the comment next to it says which and where the number comes from.
 */

export const INPUT_LIMITS = {
  /**
   * A manifest larger than this is not parsed; it becomes one finding. Real Canary manifests are a
   * few KiB; multi-document rendered charts reach a few hundred KiB.
   */
  manifestBytes: 1024 * 1024,
  /** Documents read from one file; the rest become one finding. */
  documentsPerFile: 1000,
  /** Alias expansions per document before it is treated as an alias bomb (yaml's own default). */
  aliasExpansions: 100,
  /** Nesting depth of a YAML document; deeper documents are not converted (stack safety). */
  nestingDepth: 200,
  /** Findings kept per file; a last finding says how many more there were. */
  findingsPerFile: 500,
  /** Files read from one folder walk by the CLI. */
  filesPerWalk: 20_000,
} as const;

export const SIMULATION_LIMITS = {
  /**
   * Ticks simulated per scenario. Flagger itself has no cap; a spec that would run longer is
   * reported as not finishing within this horizon (a stall).
   */
  maxTicks: 2_000,
} as const;

export const GITHUB_LIMITS = {
  /**
   * Our budget for the sticky comment. GitHub rejects bodies over 65,536 characters ("Body is too
   * long"); changesets/action and Renovate keep about 60,000 to leave room for edits.
   */
  commentChars: 60_000,
  /** Check run output.summary and output.text: 65,535 characters each (GitHub REST checks API). */
  checkOutputChars: 65_535,
  /** Annotations per checks create/update request (GitHub REST checks API). */
  annotationsPerRequest: 50,
  /** Annotation title: 255 characters (GitHub REST checks API). */
  annotationTitleChars: 255,
  /** Annotation message and raw_details: 64 KB each (GitHub REST checks API). */
  annotationMessageChars: 64 * 1024,
  /** Annotations we send per check run in total; the summary says when more were found. */
  annotationsPerCheckRun: 500,
  /** Blobs fetched in one GraphQL request (each is an aliased `object(expression:)` field). */
  blobsPerGraphqlRequest: 50,
  /** Bytes of manifests read per pull request, base and head together. */
  bytesPerReview: 32 * 1024 * 1024,
  /** `pulls.listFiles` returns at most 3,000 files (GitHub REST pulls API). */
  pullRequestFiles: 3_000,
} as const;

export const HTTP_LIMITS = {
  /** Largest request body accepted by our own routes (DESIGN.md: over 1 MiB is a 4xx). */
  requestBodyBytes: 1024 * 1024,
} as const;
