/**
 * Every rule, in the order their findings are produced. Each rule file holds the rules of one topic;
 * docs/rules.md documents every code they emit.
 */
import type { CanaryRule, RepositoryRule } from "../rule.js";
import { checkApiVersion, checkMetadata } from "./document.js";

export const CANARY_RULES: readonly CanaryRule[] = [checkApiVersion, checkMetadata];

export const REPOSITORY_RULES: readonly RepositoryRule[] = [];
