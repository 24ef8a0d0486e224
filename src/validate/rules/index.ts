/**
 * Every rule, in the order their findings are produced. Each rule file holds the rules of one topic;
 * docs/rules.md documents every code they emit (src/validate/codes.ts lists them).
 */
import type { CanaryRule, DocumentRule, RepositoryRule } from "../rule.js";
import { checkAnalysisInterval, checkMatchWithoutIterations, checkMetricsPresent, checkReadyThresholds, checkSessionAffinity, checkStrategy, checkThreshold } from "./analysis.js";
import { checkApiVersion, checkCanaryFragment, checkForeignCanary, checkMetadata, checkSpecPresent } from "./document.js";
import { checkMetrics, checkMetricTemplate } from "./metrics.js";
import {
  checkIgnoredReferences,
  checkIstioDelegation,
  checkKnative,
  checkKubernetesCoercion,
  checkMatchSupport,
  checkMetricsObserver,
  checkMirror,
  checkProviderReferences,
} from "./providers.js";
import {
  checkAutoscaler,
  checkCrossNamespaceReferences,
  checkDerivedNames,
  checkIngress,
  checkService,
  checkTarget,
  checkTemplateAndProviderReferences,
} from "./references.js";
import { checkDuplicateTargets, checkHostConflicts } from "./repository.js";
import { checkAlerts, checkWebhooks } from "./webhooks.js";

export const CANARY_RULES: readonly CanaryRule[] = [
  // The object itself
  checkApiVersion,
  checkMetadata,
  checkSpecPresent,
  // Analysis
  checkAnalysisInterval,
  checkThreshold,
  checkStrategy,
  checkReadyThresholds,
  checkSessionAffinity,
  checkMatchWithoutIterations,
  checkMetricsPresent,
  // Provider
  checkProviderReferences,
  checkIgnoredReferences,
  checkMatchSupport,
  checkKubernetesCoercion,
  checkMirror,
  checkIstioDelegation,
  checkKnative,
  checkMetricsObserver,
  // Metrics, webhooks, alerts
  checkMetrics,
  checkWebhooks,
  checkAlerts,
  // References
  checkService,
  checkDerivedNames,
  checkTarget,
  checkAutoscaler,
  checkIngress,
  checkTemplateAndProviderReferences,
  checkCrossNamespaceReferences,
];

export const REPOSITORY_RULES: readonly RepositoryRule[] = [checkDuplicateTargets, checkHostConflicts];

export const DOCUMENT_RULES: readonly DocumentRule[] = [checkCanaryFragment, checkForeignCanary, checkMetricTemplate];
