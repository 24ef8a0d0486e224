import type { PendingFinding } from "../canary/findings.js";
import type { CanaryModel } from "../canary/model.js";
import type { ManifestDocument } from "../canary/parse.js";
import type { RepositoryIndex, ResolvedCanary } from "../canary/resolve.js";
import type { ControllerSettings } from "../canary/settings.js";

export interface CanaryRuleContext {
  resolved: ResolvedCanary;
  index: RepositoryIndex;
  settings: ControllerSettings;
}

/** A check of one Canary. Pure; returns findings against the Canary's own document. */
export type CanaryRule = (ctx: CanaryRuleContext) => PendingFinding[];

export interface RepositoryRuleContext {
  canaries: readonly ResolvedCanary[];
  index: RepositoryIndex;
  settings: ControllerSettings;
}

/** A check across Canaries (same target, same host …); each finding names the Canary it belongs to. */
export type RepositoryRule = (ctx: RepositoryRuleContext) => Array<{ canary: CanaryModel; finding: PendingFinding }>;

export interface DocumentRuleContext {
  document: ManifestDocument;
  index: RepositoryIndex;
  settings: ControllerSettings;
}

/**
 * A check of any document of a reported file (a MetricTemplate, or a document that is almost a
 * Canary); its findings are placed on that document and reported with the file.
 */
export type DocumentRule = (ctx: DocumentRuleContext) => PendingFinding[];
