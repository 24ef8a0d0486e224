/**
 * Flagger calls a gate: may it pass? `POST /flagger/gates/<cluster>/<hook>` answers from stored
 * approvals only, never by asking GitHub while Flagger waits (its timeout is 10 s per attempt).
 * Flagger's contract (docs/flagger-scheduler.md §4.1–§4.2): any status up to 202 opens, anything else
 * keeps the gate closed; the payload (`name`, `namespace`, `phase`, `checksum`, `metadata`) does not
 * say which hook is calling, so the URL does.
 *
 * An approval opens its hook for the run it was given for, as often as Flagger asks during that
 * run (blue/green asks confirm-promotion twice), and never for a later run: unlike the load
 * tester's gate, which stays open until someone closes it (§4.6). Pure: the caller reads the run
 * and the records, stores what this returns, and maps the decision to HTTP (httpStatusOf).
 */
import { editDistance } from "../canary/edit-distance.js";
import { sameCanary, type CanaryRun, type CommandRecord, type GateCallRecord } from "../commands/records.js";
import { GATE_HOOKS, isGateHook, verbOfHook, type GateHook } from "../commands/verbs.js";

export interface GatePayload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  metadata: Readonly<Record<string, string>>;
}

export interface GateCall extends GatePayload {
  cluster: string;
  hook: GateHook;
}

export type GateCallCode =
  | "APPROVED"
  | "UNKNOWN_CLUSTER"
  | "UNKNOWN_HOOK"
  | "INVALID_PAYLOAD"
  | "PHASE_MISMATCH"
  | "NO_RUN"
  | "RUN_ENDED"
  | "RUN_UNKNOWN"
  | "NOT_APPROVED"
  | "APPROVAL_FOR_ANOTHER_RUN"
  | "APPROVAL_OUTDATED";

export interface GateDecision {
  /** 200 opens the gate (Flagger: any status ≤ 202), 403 keeps it closed. */
  status: 200 | 403;
  code: GateCallCode;
  reason: string;
}

export type GateCallParse = { ok: true; call: GateCall } | { ok: false; decision: GateDecision };

/** Kubernetes names as Flagger sends them: DNS-1123 subdomain (name) and label (namespace). */
const OBJECT_NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** The phases each hook is called with (docs/flagger-scheduler.md §4.2); another phase means the URL names the wrong hook. */
const PHASES: Readonly<Record<GateHook, readonly string[]>> = {
  "confirm-rollout": ["Initialized", "Succeeded", "Failed", "Waiting"],
  "confirm-traffic-increase": ["Progressing"],
  "confirm-promotion": ["Progressing"],
  rollback: ["Progressing", "Waiting", "WaitingPromotion"],
};

function refusal(code: GateCallCode, reason: string): GateDecision {
  return { status: 403, code, reason };
}

function opening(reason: string): GateDecision {
  const approved: GateCallCode = "APPROVED";
  return { status: 200, code: approved, reason };
}

/**
 * Checks the URL's cluster and hook and the JSON body Flagger sent. `body` is the parsed JSON
 * (the HTTP layer answers 400 itself when it is not JSON).
 */
export function parseGateCall(params: {
  cluster: string;
  hook: string;
  body: unknown;
  knownClusters: readonly string[];
}): GateCallParse {
  const { cluster, hook, body } = params;
  const reject = (decision: GateDecision): GateCallParse => ({ ok: false, decision });
  if (!params.knownClusters.includes(cluster)) {
    return reject(refusal("UNKNOWN_CLUSTER", `no cluster named "${cluster}" is configured on this canary-bot server (CLUSTERS_FILE)`));
  }
  if (!isGateHook(hook)) {
    const nearest = [...GATE_HOOKS]
      .sort((a, b) => editDistance(hook, a) - editDistance(hook, b))
      .find((h) => editDistance(hook, h, 3) <= 3);
    const hint = nearest ? ` (did you mean ${nearest}?)` : "";
    return reject(refusal("UNKNOWN_HOOK", `"${hook}" is not a gate canary-bot answers${hint}: use one of ${GATE_HOOKS.join(", ")}`));
  }
  const invalid = (why: string) => reject(refusal("INVALID_PAYLOAD", `the body is not Flagger's webhook payload: ${why}`));
  if (typeof body !== "object" || body === null || Array.isArray(body)) return invalid("expected a JSON object");
  const { name, namespace, phase, checksum, metadata } = body as Record<string, unknown>;
  if (typeof name !== "string" || !OBJECT_NAME.test(name)) return invalid("name must be the Canary's name");
  if (typeof namespace !== "string" || !LABEL.test(namespace)) return invalid("namespace must be the Canary's namespace");
  if (typeof phase !== "string") return invalid("phase must be a string");
  if (checksum !== undefined && typeof checksum !== "string") return invalid("checksum must be a string");
  if (metadata !== undefined && metadata !== null) {
    const values = typeof metadata === "object" && !Array.isArray(metadata) ? Object.values(metadata) : null;
    if (!values || values.some((v) => typeof v !== "string")) return invalid("metadata must map strings to strings");
  }
  return {
    ok: true,
    call: {
      cluster,
      hook,
      name,
      namespace,
      phase,
      checksum: (checksum as string | undefined) ?? "",
      metadata: (metadata as Record<string, string> | undefined | null) ?? {},
    },
  };
}

/**
 * The record of a call refused before it could be read (unknown cluster or hook, not Flagger's
 * payload): every call is stored, and what the body said is kept when it is a short string.
 */
export function buildRejectedGateCallRecord(params: { cluster: string; hook: string; body: unknown; decision: GateDecision; now: string }): GateCallRecord {
  const fields = typeof params.body === "object" && params.body !== null ? (params.body as Record<string, unknown>) : {};
  const text = (value: unknown): string | null => (typeof value === "string" && value.length <= 253 ? value : null);
  return {
    at: params.now,
    cluster: params.cluster.slice(0, 253),
    hook: params.hook.slice(0, 253),
    namespace: text(fields.namespace),
    name: text(fields.name),
    phase: text(fields.phase),
    checksum: text(fields.checksum),
    runId: null,
    status: params.decision.status,
    code: params.decision.code,
    reason: params.decision.reason,
    approvalKey: null,
  };
}

/** The key of a pull request in `currentHeads`. */
export function buildPullRequestKey(repository: string, pullRequest: number): string {
  return `${repository}#${pullRequest}`;
}

export interface GateCallOutcome {
  decision: GateDecision;
  /** The call and its answer, to store. */
  record: GateCallRecord;
  /** The approval that opened the gate for the first time, to mark consumed; null otherwise. */
  consume: { key: string; at: string } | null;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

/** Why an approval cannot open this run's gate (a refusal), or null when it can. */
function whyNotValid(approval: CommandRecord, run: CanaryRun, currentHeads: ReadonlyMap<string, string>): GateDecision | null {
  const verb = approval.verb;
  const who = `${approval.actor}'s /canary ${verb}`;
  if (approval.runId !== run.id) {
    return refusal(
      "APPROVAL_FOR_ANOTHER_RUN",
      `${who} was for run ${approval.runId ?? "(none)"}, and this is run ${run.id}: ` +
        `an approval opens only the run it was given for; comment /canary ${verb} again`,
    );
  }
  if (run.revision === null || run.revisionAmbiguous) {
    return refusal("APPROVAL_OUTDATED", `canary-bot no longer knows which revision run ${run.id} rolls out, so ${who} cannot be tied to it`);
  }
  if (approval.revision !== run.revision) {
    return refusal("APPROVAL_OUTDATED", `${who} was for revision ${approval.revision}, and run ${run.id} now rolls out ${run.revision}`);
  }
  const head = currentHeads.get(buildPullRequestKey(approval.repository, approval.pullRequest));
  if (head !== undefined && head !== approval.headSha) {
    return refusal(
      "APPROVAL_OUTDATED",
      `${who} was given on head ${short(approval.headSha)} of #${approval.pullRequest}, ` +
        `which was pushed to since (now ${short(head)}): comment again`,
    );
  }
  return null;
}

export function decideGateCall(params: {
  call: GateCall;
  /** The current (or pending) run of the called Canary in the call's cluster; null when none is known. */
  run: CanaryRun | null;
  /** Stored command records; only accepted approvals of this hook and Canary count. */
  records: readonly CommandRecord[];
  /** Each pull request's head SHA now, by buildPullRequestKey. */
  currentHeads: ReadonlyMap<string, string>;
  now: string;
}): GateCallOutcome {
  const { call, run, now } = params;
  const verb = verbOfHook(call.hook);
  const who = `${call.namespace}/${call.name} in cluster ${call.cluster}`;
  const outcome = (decision: GateDecision, approvalKey: string | null = null, consume = false): GateCallOutcome => ({
    decision,
    record: {
      at: now,
      cluster: call.cluster,
      hook: call.hook,
      namespace: call.namespace,
      name: call.name,
      phase: call.phase,
      checksum: call.checksum || null,
      runId: run?.id ?? null,
      status: decision.status,
      code: decision.code,
      reason: decision.reason,
      approvalKey,
    },
    consume: consume && approvalKey ? { key: approvalKey, at: now } : null,
  });

  if (!PHASES[call.hook].includes(call.phase)) {
    return outcome(
      refusal("PHASE_MISMATCH", `Flagger called the ${call.hook} URL with phase ${call.phase || "(empty)"}, which ` +
        `${call.hook} is never called with: check that the webhook's type is ${call.hook}`),
    );
  }
  if (!run || !sameCanary(run, { cluster: call.cluster, namespace: call.namespace, name: call.name })) {
    return outcome(refusal("NO_RUN", `canary-bot knows no run of ${who} yet, so no approval can apply: it learns of ` +
      `runs from Flagger's events and the Kubernetes API`));
  }
  if (run.endedAt !== null) {
    return outcome(refusal("RUN_ENDED", `the last run of ${who} known to canary-bot (${run.id}) ended ${run.phase}; ` +
      `an approval for it opens nothing new`));
  }

  // A call of a run canary-bot has not heard of yet (Flagger's events come seconds after it acts,
  // and the store's memory may be a little later still): every hook but confirm-rollout carries the
  // run's own checksum (confirm-rollout carries the previous revision's, §4.3).
  if (call.hook !== "confirm-rollout" && run.checksum !== null && call.checksum !== "" && call.checksum !== run.checksum) {
    return outcome(
      refusal("RUN_UNKNOWN", `Flagger calls with checksum ${call.checksum}, not that of run ${run.id} of ${who} ` +
        `(${run.checksum}): a newer run canary-bot has not heard of yet, which no approval given so far opens`),
    );
  }

  const approvals = params.records
    .filter((r) => r.outcome === "accepted" && r.hook === call.hook && r.canary !== null && sameCanary(r.canary, call) && r.invalidatedAt === null)
    .sort((a, b) => (a.at === b.at ? (a.key < b.key ? -1 : 1) : Date.parse(a.at) - Date.parse(b.at)));
  let closest: GateDecision | null = null;
  for (const approval of approvals) {
    const problem = whyNotValid(approval, run, params.currentHeads);
    if (!problem) {
      const reason = `opened by ${approval.actor}'s /canary ${verb} on #${approval.pullRequest} (head ` +
        `${short(approval.headSha)}) for run ${run.id}`;
      return outcome(opening(reason), approval.key, approval.consumedAt === null);
    }
    closest = problem; // the latest approval explains best why none applies
  }
  if (closest) return outcome(closest);
  return outcome(
    refusal(
      "NOT_APPROVED",
      call.hook === "rollback"
        ? `no /canary rollback was given for run ${run.id} of ${who}: not rolling back`
        : `run ${run.id} of ${who} waits for /canary ${verb} on its pull request`,
    ),
  );
}

/** Maps a decision to the HTTP status of the gate route: unknown cluster 404, bad request 400, else the decision's. */
export function httpStatusOf(decision: GateDecision): 200 | 400 | 403 | 404 {
  if (decision.code === "UNKNOWN_CLUSTER") return 404;
  if (decision.code === "UNKNOWN_HOOK" || decision.code === "INVALID_PAYLOAD") return 400;
  return decision.status;
}

/**
 * A push to a pull request voids its approvals given on an older head: the records to update.
 * (The gate also compares heads at call time, so an approval is never honoured between the push
 * and this update.)
 */
export function invalidateApprovalsOnPush(params: { records: readonly CommandRecord[]; repository: string; pullRequest: number; headSha: string; at: string }): CommandRecord[] {
  return params.records
    .filter(
      (r) =>
        r.repository === params.repository &&
        r.pullRequest === params.pullRequest &&
        r.outcome === "accepted" &&
        r.hook !== null &&
        r.invalidatedAt === null &&
        r.headSha !== params.headSha,
    )
    .map((r) => ({ ...r, invalidatedAt: params.at, invalidation: `pushed to: head ${short(r.headSha)} → ` +
      `${short(params.headSha)}` }));
}
