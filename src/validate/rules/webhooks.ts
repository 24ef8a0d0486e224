/**
 * Rules about `analysis.webhooks` and `analysis.alerts` (docs/flagger-scheduler.md §2, §4).
 */
import type { CanaryWebhook } from "../../canary/crd.js";
import { formatDurationMs, parseGoDuration } from "../../canary/duration.js";
import type { PendingFinding } from "../../canary/findings.js";
import { buildFinding } from "../codes.js";
import type { CanaryRule } from "../rule.js";
import { isGoParsableUrl } from "./facts.js";

/**
 * Below this a call cannot complete a TCP and TLS handshake and an HTTP round trip reliably; such
 * values are almost always a unit mistake (`10ms` for `10m`). The timeout is per attempt (§4.1).
 */
const SHORTEST_WEBHOOK_TIMEOUT_MS = 1000;

/** What a failing call means, per hook type (docs/flagger-scheduler.md §4.2). */
function consequence(type: CanaryWebhook["type"]): string {
  switch (type) {
    case undefined:
    case "":
    case "rollout":
    case "pre-rollout":
      return "each call is a failed check, so every rollout is rolled back after `threshold` ticks";
    case "confirm-rollout":
    case "confirm-traffic-increase":
    case "confirm-promotion":
      return "the gate never opens, so the rollout waits forever";
    case "rollback":
      return "the hook can never signal a rollback";
    case "post-rollout":
      return "the hook is never delivered (and later post-rollout hooks are skipped)";
    case "event":
      return "no event is ever delivered";
  }
}

function hookType(type: CanaryWebhook["type"]): string {
  return type ? type : "rollout";
}

export const checkWebhooks: CanaryRule = ({ resolved }) => {
  const findings: PendingFinding[] = [];
  (resolved.canary.spec.analysis?.webhooks ?? []).forEach((hook, i) => {
    const label = `Webhook ${JSON.stringify(hook.name ?? `#${i + 1}`)} (${hookType(hook.type)})`;
    if (hook.timeout !== undefined) {
      const parsed = parseGoDuration(hook.timeout);
      const path = ["spec", "analysis", "webhooks", i, "timeout"];
      if (parsed === undefined) {
        findings.push(
          buildFinding({
            code: "WEBHOOK_TIMEOUT_UNPARSABLE",
            message: `${label} has timeout ${JSON.stringify(hook.timeout)}: it passes the CRD's pattern, but Go's time.ParseDuration rejects it, so every call errors before it is sent: ${consequence(hook.type)} (Flagger v1.44 CallWebhook in pkg/controller/webhook.go). Write a Go duration such as 30s or 5m.`,
            path,
          }),
        );
      } else if (parsed < SHORTEST_WEBHOOK_TIMEOUT_MS) {
        const hint = /ms$/.test(hook.timeout) ? ` ${JSON.stringify(hook.timeout)} is milliseconds; did you mean ${hook.timeout.replace(/ms$/, "m")}?` : "";
        findings.push(
          buildFinding({
            code: "WEBHOOK_TIMEOUT_TOO_SHORT",
            message: `${label} has timeout ${JSON.stringify(hook.timeout)}${formatDurationMs(parsed) === hook.timeout ? "" : ` (${formatDurationMs(parsed)})`}: the HTTP call cannot complete in that time, so every call times out: ${consequence(hook.type)} (Flagger v1.44 pkg/controller/webhook.go).${hint} Use seconds, e.g. 30s.`,
            path,
          }),
        );
      }
    }
    if (hook.url !== undefined && !isCallableUrl(hook.url)) {
      findings.push(
        buildFinding({
          code: "WEBHOOK_URL_INVALID",
          message: `${label} has url ${JSON.stringify(hook.url)}, which Flagger cannot POST to (the CRD's \`format: url\` is not enforced by the API server; Flagger v1.44 artifacts/flagger/crd.yaml): ${consequence(hook.type)}. Write an absolute http:// or https:// URL, e.g. http://flagger-loadtester.test/.`,
          path: ["spec", "analysis", "webhooks", i, "url"],
        }),
      );
    }
  });
  return findings;
};

/** An absolute http(s) URL Go's net/http can send a request to. */
function isCallableUrl(url: string): boolean {
  return /^https?:\/\/[^/?#]+/i.test(url) && isGoParsableUrl(url);
}

export const checkAlerts: CanaryRule = ({ resolved }) => {
  const findings: PendingFinding[] = [];
  (resolved.canary.spec.analysis?.alerts ?? []).forEach((alert, i) => {
    if (alert.severity !== undefined && alert.severity !== "") return;
    findings.push(
      buildFinding({
        code: "ALERT_SEVERITY_EMPTY",
        message: `Alert ${JSON.stringify(alert.name ?? `#${i + 1}`)} has ${alert.severity === "" ? "an empty" : "no"} severity: Flagger sends an alert only to providers whose severity admits it, and "" admits nothing, so this provider never receives an alert (although the docs say the default is info) (Flagger v1.44 alert in pkg/controller/events.go). Set severity: info, warn or error.`,
        path: alert.severity === "" ? ["spec", "analysis", "alerts", i, "severity"] : ["spec", "analysis", "alerts", i, "name"],
      }),
    );
  });
  return findings;
};
