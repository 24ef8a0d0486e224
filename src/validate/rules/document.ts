/**
 * Rules about the Canary as a Kubernetes object: the API version, the metadata and spec the API
 * server and Flagger need, and documents that look like a Canary but are not one.
 */
import { SERVED_CANARY_API_VERSION } from "../../canary/model.js";
import type { PendingFinding } from "../../canary/findings.js";
import { isRecord } from "../../canary/parse.js";
import { buildFinding } from "../codes.js";
import type { CanaryRule, DocumentRule } from "../rule.js";
import { isWritten } from "./facts.js";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Keys only a Canary has; a document holding them without apiVersion/kind is a Canary fragment. */
const CANARY_KEYS = ["analysis", "canaryAnalysis", "targetRef"] as const;

export const checkApiVersion: CanaryRule = ({ resolved }) => {
  const { document } = resolved.canary;
  if (document.apiVersion === SERVED_CANARY_API_VERSION) return [];
  const legacy = document.apiVersion === "flagger.app/v1alpha3" || document.apiVersion === "flagger.app/v1alpha2" || document.apiVersion === "flagger.app/v1alpha1";
  return [
    buildFinding({
      code: "CANARY_API_VERSION",
      message: legacy
        ? `\`apiVersion: ${document.apiVersion}\` is no longer served by Flagger's CRD (v1.44 serves only ${SERVED_CANARY_API_VERSION}): the API server answers "no matches for kind Canary" and the object is never created. Change it to ${SERVED_CANARY_API_VERSION} and rename \`canaryAnalysis\` to \`analysis\`; the findings below are what ${SERVED_CANARY_API_VERSION} would report.`
        : `\`apiVersion: ${document.apiVersion}\` is not a version of Flagger's Canary (the CRD serves only ${SERVED_CANARY_API_VERSION}): the API server refuses the object. Use ${SERVED_CANARY_API_VERSION}.`,
      path: ["apiVersion"],
    }),
  ];
};

export const checkMetadata: CanaryRule = ({ resolved }) => {
  const { canary } = resolved;
  const findings: PendingFinding[] = [];
  if (!canary.name) {
    findings.push(
      buildFinding({
        code: "METADATA_NAME_MISSING",
        message: "The Canary has no `metadata.name`: the API server refuses an object without a name. Add one (usually the target's name).",
        path: isWritten(canary.document, ["metadata"]) ? ["metadata"] : [],
        at: "key",
      }),
    );
  } else if (!DNS_SUBDOMAIN.test(canary.name) || canary.name.length > 253) {
    findings.push(
      buildFinding({
        code: "METADATA_NAME_INVALID",
        message: `\`metadata.name\` ${JSON.stringify(canary.name)} is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253 characters): the API server refuses the object.`,
        path: ["metadata", "name"],
      }),
    );
  }
  return findings;
};

export const checkSpecPresent: CanaryRule = ({ resolved }) => {
  if (isWritten(resolved.canary.document, ["spec"])) return [];
  return [
    buildFinding({
      code: "CANARY_SPEC_MISSING",
      message: "The Canary has no `spec`. The CRD only requires targetRef and analysis inside a spec, so the API server stores it, but Flagger has no target to work on and fails on every tick. Add spec.targetRef, spec.service and spec.analysis.",
      path: [],
    }),
  ];
};

/**
 * A mapping with Canary keys but no apiVersion or kind: a pasted snippet or a half-written
 * manifest. kubectl and Flux refuse it ("Object 'Kind' is missing"), so it is an error, not noise.
 */
export const checkCanaryFragment: DocumentRule = ({ document }) => {
  if (document.kind !== "other" || !isRecord(document.value)) return [];
  const value = document.value;
  const hasIdentity = typeof value.apiVersion === "string" && value.apiVersion !== "" && typeof value.kind === "string" && value.kind !== "";
  if (hasIdentity) return [];
  const spec = isRecord(value.spec) ? value.spec : undefined;
  const key = CANARY_KEYS.find((k) => Object.hasOwn(value, k)) ?? (spec ? CANARY_KEYS.find((k) => Object.hasOwn(spec, k)) : undefined);
  if (key === undefined && value.kind !== "Canary") return [];
  const missing = [typeof value.apiVersion === "string" && value.apiVersion !== "" ? undefined : "apiVersion", typeof value.kind === "string" && value.kind !== "" ? undefined : "kind"].filter(Boolean).join(" and ");
  return [
    buildFinding({
      code: "CANARY_FRAGMENT",
      message: `This document looks like ${key ? `part of a Flagger Canary (it has \`${key}\`)` : "a Canary"} but has no ${missing}: kubectl and Flux refuse it ("Object 'Kind' is missing") and it was not validated as a Canary. Write a whole Canary (apiVersion: ${SERVED_CANARY_API_VERSION}, kind: Canary, metadata, spec), or keep snippets out of the manifest paths.`,
      path: [],
    }),
  ];
};

export const checkForeignCanary: DocumentRule = ({ document }) => {
  if (document.kind !== "other" || document.kindName !== "Canary" || !document.apiVersion) return [];
  const group = document.apiVersion.includes("/") ? document.apiVersion.slice(0, document.apiVersion.indexOf("/")) : "";
  if (group === "flagger.app") return [];
  return [
    buildFinding({
      code: "NOT_FLAGGER_CANARY",
      message: `This \`kind: Canary\` belongs to the API group ${group === "" ? "(core)" : group}, not Flagger's flagger.app, so canary-bot does not validate it.`,
      path: ["apiVersion"],
    }),
  ];
};
