/**
 * Which Canaries of a pull request a command applies to. A gate command (approve, advance,
 * promote, rollback) opens one Canary's gate, so it must name one when the pull request changes
 * several; hold, unhold and skip-gate apply to every Canary that matches. Pure.
 */
import type { Command } from "./parse.js";
import { describeCanary, type CanaryIdentity } from "./records.js";
import { VERBS, isGateVerb } from "./verbs.js";

export type TargetResolution = { ok: true; targets: CanaryIdentity[] } | { ok: false; reason: string };

function listCanaries(canaries: readonly CanaryIdentity[]): string {
  const shown = canaries.slice(0, 10).map(describeCanary).join(", ");
  return canaries.length > 10 ? `${shown} and ${canaries.length - 10} more` : shown;
}

/** `canaries`: the Canaries the pull request changes, with a known environment. */
export function resolveCommandTargets(params: { command: Command; canaries: readonly CanaryIdentity[] }): TargetResolution {
  const { command, canaries } = params;
  const info = VERBS[command.verb];
  if (info.arguments === "none" || info.arguments === "topic") return { ok: true, targets: [] };
  if (canaries.length === 0) {
    return { ok: false, reason: `this pull request changes no Canary of a configured environment, so /canary ` +
      `${command.verb} has nothing to act on` };
  }
  const matching = canaries.filter(
    (c) =>
      (command.environment === null || c.environment === command.environment) &&
      (command.canary === null ||
        (c.name === command.canary.name && (command.canary.namespace === null || c.namespace === command.canary.namespace))),
  );
  if (matching.length === 0) {
    const named = command.canary ? `Canary ${command.canary.namespace ? `${command.canary.namespace}/` : ""}${command.canary.name}` : "";
    const asked = [named, command.environment ? `environment ${command.environment}` : ""].filter(Boolean).join(" in ");
    return { ok: false, reason: `this pull request changes no ${asked}; it changes ${listCanaries(canaries)}` };
  }
  if (isGateVerb(command.verb) && matching.length > 1) {
    const example = matching[0]!;
    const sameName = matching.filter((c) => c.name === example.name).length > 1;
    const sameNamespacedName = matching.filter((c) => c.name === example.name && c.namespace === example.namespace).length > 1;
    const name = sameName && !sameNamespacedName ? `${example.namespace}/${example.name}` : example.name;
    const env = sameNamespacedName ? ` --env ${example.environment}` : "";
    return {
      ok: false,
      reason: `/canary ${command.verb} opens one Canary's gate and this pull request changes ${matching.length} that ` +
        `match: ${listCanaries(matching)}. Name one, e.g. /canary ${command.verb} ${name}${env}`,
    };
  }
  return { ok: true, targets: matching };
}
