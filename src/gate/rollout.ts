/**
 * After merge (DESIGN.md "Merge gate"): the bot follows the merged revision's rollout in the
 * PR's own environments and reports it on the merged PR, as a comment section and as a commit
 * status on the merge commit. Pure: the same judgement as the gate, asked of the environment the
 * PR changed instead of the one it waits for.
 */
import type { EnvironmentConfig } from "../config/schema.js";
import { GATE_LIMITS } from "../limits.js";
import { table } from "../markdown/blocks.js";
import { escapeText } from "../markdown/escape.js";
import { judgeRevision, type ChangedCanary, type GateVerdict, type RunProgress } from "./merge-gate.js";
import type { PromotionRecord } from "./promotion.js";

export interface CanaryRollout {
  environment: string;
  cluster: string;
  namespace: string;
  name: string;
  verdict: GateVerdict;
  reason: string;
  progress: RunProgress | null;
}

export interface RolloutReport {
  /** pending until every followed Canary succeeded or one failed. */
  verdict: GateVerdict;
  reason: string;
  canaries: CanaryRollout[];
}

export const ROLLOUT_STATUS_CONTEXT = "canary/rollout";

const ICONS: Record<GateVerdict, string> = { pending: "⏳", success: "✅", failure: "❌" };

export function decideMergedRollout(params: { environments: readonly EnvironmentConfig[]; canaries: readonly ChangedCanary[]; records: readonly PromotionRecord[] }): RolloutReport {
  const environments = new Map(params.environments.map((e) => [e.name, e] as const));
  const canaries = params.canaries.flatMap((canary): CanaryRollout[] => {
    const environment = canary.environment === null ? undefined : environments.get(canary.environment);
    // Preview environments run PR heads, not merges; a change without a new revision starts no run.
    if (!environment || environment.previewOf !== undefined || !canary.newRevision || canary.change === "removed") return [];
    const record = params.records.find((r) => r.cluster === environment.cluster && r.namespace === canary.namespace && r.name === canary.name);
    const judged = judgeRevision({ record, images: canary.images, where: environment.name, cluster: environment.cluster });
    return [{ environment: environment.name, cluster: environment.cluster, namespace: canary.namespace, name: canary.name, ...judged }];
  });
  if (canaries.length === 0) return { verdict: "success", reason: "the merge starts no Flagger analysis to follow", canaries };
  const failed = canaries.filter((c) => c.verdict === "failure");
  const pending = canaries.filter((c) => c.verdict === "pending");
  const id = (c: CanaryRollout) => `${c.environment}/${c.namespace}/${c.name}`;
  if (failed.length > 0) return { verdict: "failure", reason: failed.length === 1 ? `${id(failed[0]!)}: ${failed[0]!.reason}` : `${failed.length} Canaries failed their rollout`, canaries };
  if (pending.length > 0) return { verdict: "pending", reason: pending.length === 1 ? `${id(pending[0]!)}: ${pending[0]!.reason}` : `following ${pending.length} rollouts`, canaries };
  return { verdict: "success", reason: canaries.length === 1 ? `${id(canaries[0]!)}: ${canaries[0]!.reason}` : `all ${canaries.length} rollouts were promoted`, canaries };
}

/** The commit status on the merge commit. Its description is plain text, cut to GitHub's limit. */
export function renderRolloutCommitStatus(report: RolloutReport): { context: typeof ROLLOUT_STATUS_CONTEXT; state: "pending" | "success" | "failure"; description: string } {
  const max = GATE_LIMITS.commitStatusDescriptionChars;
  const description = report.reason.length > max ? `${report.reason.slice(0, max - 1)}…` : report.reason;
  return { context: ROLLOUT_STATUS_CONTEXT, state: report.verdict, description };
}

/** The merged PR's comment section. */
export function renderRolloutSection(report: RolloutReport): string {
  const lines = [`#### Rollout ${ICONS[report.verdict]}`, "", escapeText(report.reason)];
  if (report.canaries.length > 0) {
    lines.push(
      "",
      table({
        headers: ["", "Canary", "Status"],
        rows: report.canaries.map((c) => [ICONS[c.verdict], `${escapeText(c.environment)} · ${escapeText(c.namespace)}/${escapeText(c.name)}`, escapeText(c.reason)]),
      }),
    );
  }
  return lines.join("\n");
}
