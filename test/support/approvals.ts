/** Builders for the approvals' tests: a command record, a promotion record with one run (the port's data). */
import type { CanaryIdentity, CommandRecord, GateCallRecord } from "../../src/commands/records.js";
import { buildRecordKey } from "../../src/commands/records.js";
import type { GateHook } from "../../src/commands/verbs.js";
import { buildEmptyRecord, type PromotionRecord, type RunOutcome } from "../../src/gate/promotion.js";
import type { CanaryPhase } from "../../src/gate/flagger-event.js";

export const CANARY: CanaryIdentity = { environment: "staging", cluster: "staging", namespace: "test", name: "podinfo" };
export const IMAGES = ["ghcr.io/stefanprodan/podinfo:6.1.0"];
export const REVISION = "ghcr.io/stefanprodan/podinfo:6.1.0";
export const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

export function commandRecord(overrides: Partial<CommandRecord> & { commentId?: number; hook?: GateHook | null } = {}): CommandRecord {
  const commentId = overrides.commentId ?? 1001;
  const canary = overrides.canary === undefined ? CANARY : overrides.canary;
  return {
    key: buildRecordKey({ commentId, line: overrides.line ?? 1, canary }),
    verb: "promote",
    hook: "confirm-promotion",
    outcome: "accepted",
    refusal: null,
    grounds: "alice has write permission",
    actor: "alice",
    at: "2026-11-29T12:05:00.000Z",
    repository: "acme/gitops",
    pullRequest: 7,
    commentId,
    line: 1,
    headSha: HEAD_SHA,
    canary,
    runId: "staging/test/podinfo@2026-11-29T12:00:00.000Z",
    revision: REVISION,
    reason: null,
    consumedAt: null,
    invalidatedAt: null,
    invalidation: null,
    ...overrides,
  };
}

/** A promotion record whose newest run started at `startedAt` and rolls out `images`. */
export function promotionWithRun(params: {
  cluster?: string;
  namespace?: string;
  name?: string;
  startedAt: number;
  images?: string[] | null;
  phase?: CanaryPhase;
  outcome?: RunOutcome;
  endedAt?: number | null;
}): PromotionRecord {
  const record = buildEmptyRecord({ cluster: params.cluster ?? CANARY.cluster, namespace: params.namespace ?? CANARY.namespace, name: params.name ?? CANARY.name });
  record.runs = [
    {
      source: "watch",
      revision: "lastAppliedSpec",
      startedAt: params.startedAt,
      startSeen: true,
      phase: params.phase ?? "Progressing",
      outcome: params.outcome ?? "active",
      endedAt: params.endedAt ?? null,
      canaryWeight: 50,
      iterations: 5,
      images: params.images === undefined ? IMAGES : params.images,
      attribution: { kind: "cluster" },
    },
  ];
  return record;
}

/** The id of the run promotionWithRun({ startedAt: 2026-11-29T12:00:00Z }) records. */
export const RUN_ID = "staging/test/podinfo@2026-11-29T12:00:00.000Z";

/** A call of podinfo's confirm-promotion gate, answered 403 for want of an approval. */
export function gateCallRecord(overrides: Partial<GateCallRecord> = {}): GateCallRecord {
  return {
    at: "2026-11-29T12:06:00.000Z",
    cluster: "staging",
    hook: "confirm-promotion",
    namespace: "test",
    name: "podinfo",
    phase: "WaitingPromotion",
    checksum: "85d557f47b",
    runId: RUN_ID,
    status: 403,
    code: "NOT_APPROVED",
    reason: "waits for /canary promote on the pull request that owns this run",
    approvalKey: null,
    ...overrides,
  };
}
