/**
 * Rules about the Canary as a Kubernetes object: the API version and the metadata the API server
 * itself requires.
 */
import { SERVED_CANARY_API_VERSION } from "../../canary/model.js";
import type { PendingFinding } from "../../canary/findings.js";
import type { CanaryRule } from "../rule.js";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const checkApiVersion: CanaryRule = ({ resolved }) => {
  const { document } = resolved.canary;
  if (document.apiVersion === SERVED_CANARY_API_VERSION) return [];
  const legacy = document.apiVersion === "flagger.app/v1alpha3" || document.apiVersion === "flagger.app/v1alpha2" || document.apiVersion === "flagger.app/v1alpha1";
  return [
    {
      code: "CANARY_API_VERSION",
      severity: "error",
      message: legacy
        ? `\`apiVersion: ${document.apiVersion}\` is no longer served by Flagger's CRD (v1.44 serves only ${SERVED_CANARY_API_VERSION}): the API server answers "no matches for kind Canary" and the object is never created. Change it to ${SERVED_CANARY_API_VERSION} and rename \`canaryAnalysis\` to \`analysis\`; the findings below are what ${SERVED_CANARY_API_VERSION} would report.`
        : `\`apiVersion: ${document.apiVersion}\` is not a version of Flagger's Canary (the CRD serves only ${SERVED_CANARY_API_VERSION}): the API server refuses the object. Use ${SERVED_CANARY_API_VERSION}.`,
      path: ["apiVersion"],
    },
  ];
};

export const checkMetadata: CanaryRule = ({ resolved }) => {
  const { canary } = resolved;
  const findings: PendingFinding[] = [];
  if (!canary.name) {
    findings.push({
      code: "METADATA_NAME_MISSING",
      severity: "error",
      message: "The Canary has no `metadata.name`: the API server refuses an object without a name. Add one (usually the target's name).",
      path: ["metadata"],
      at: "key",
    });
  } else if (!DNS_SUBDOMAIN.test(canary.name) || canary.name.length > 253) {
    findings.push({
      code: "METADATA_NAME_INVALID",
      severity: "error",
      message: `\`metadata.name\` ${JSON.stringify(canary.name)} is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253 characters): the API server refuses the object.`,
      path: ["metadata", "name"],
    });
  }
  return findings;
};
