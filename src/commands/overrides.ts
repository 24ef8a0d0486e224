/**
 * What holds and skips mean for the merge gate now: the `canary/promotion` decision (gate/,
 * another module) reads this to stay pending on a hold and to pass on a skip. Folded from the
 * stored command records, in the order the comments were written. Pure.
 */
import type { CanaryIdentity, CommandRecord } from "./records.js";

export interface HoldState {
  canary: CanaryIdentity;
  actor: string;
  at: string;
  reason: string | null;
}

export interface SkipState {
  canary: CanaryIdentity;
  actor: string;
  at: string;
  reason: string;
  headSha: string;
}

function canaryKey(c: CanaryIdentity): string {
  return `${c.environment}\u0000${c.cluster}\u0000${c.namespace}\u0000${c.name}`;
}

/**
 * Active holds per Canary (the latest accepted hold not followed by an accepted unhold) and the
 * skips given on the pull request's current head: a skip, like an approval, is void after a push.
 */
export function buildMergeGateOverrides(params: { records: readonly CommandRecord[]; repository: string; pullRequest: number; headSha: string }): { holds: HoldState[]; skips: SkipState[] } {
  const relevant = params.records
    .filter((r) => r.repository === params.repository && r.pullRequest === params.pullRequest && r.outcome === "accepted" && r.canary !== null)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.line - b.line);
  const holds = new Map<string, HoldState>();
  const skips = new Map<string, SkipState>();
  for (const r of relevant) {
    const canary = r.canary!;
    const key = canaryKey(canary);
    if (r.verb === "hold") holds.set(key, { canary, actor: r.actor, at: r.at, reason: r.reason });
    else if (r.verb === "unhold") holds.delete(key);
    else if (r.verb === "skip-gate" && r.headSha === params.headSha && !skips.has(key)) {
      skips.set(key, { canary, actor: r.actor, at: r.at, reason: r.reason ?? "", headSha: r.headSha });
    }
  }
  return { holds: [...holds.values()], skips: [...skips.values()] };
}
