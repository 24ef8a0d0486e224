/**
 * Rules across Canaries: two Canaries driving the same workload, and two Canaries claiming the
 * same host on the same gateway. A repository often holds one copy of a Canary per cluster or
 * overlay; two Canaries with the same name and namespace are taken to be such copies and are
 * never compared with each other.
 */
import type { PendingFinding } from "../../canary/findings.js";
import type { CanaryModel } from "../../canary/model.js";
import type { ResolvedCanary } from "../../canary/resolve.js";
import { routerFamily } from "../../canary/settings.js";
import { buildFinding } from "../codes.js";
import type { RepositoryRule } from "../rule.js";

/** Others listed by name in a message; the rest are counted. */
const LISTED_OTHERS = 3;

function identity(canary: CanaryModel): string {
  return `${canary.namespace ?? ""}/${canary.name}`;
}

function folderOf(file: string): string {
  return file.slice(0, Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"), 0));
}

function describe(canary: CanaryModel): string {
  return `${canary.name} (${canary.document.file}:${canary.document.line})`;
}

function listOthers(others: readonly CanaryModel[]): string {
  const shown = others.slice(0, LISTED_OTHERS).map(describe).join(", ");
  return others.length > LISTED_OTHERS ? `${shown} and ${others.length - LISTED_OTHERS} more` : shown;
}

/** Groups canaries by key and reports each group that holds more than one distinct Canary. */
function reportGroups(
  groups: Map<string, ResolvedCanary[]>,
  build: (canary: ResolvedCanary, others: CanaryModel[], key: string) => PendingFinding,
): Array<{ canary: CanaryModel; finding: PendingFinding }> {
  const out: Array<{ canary: CanaryModel; finding: PendingFinding }> = [];
  for (const [key, members] of groups) {
    if (new Set(members.map((m) => identity(m.canary))).size < 2) continue;
    for (const member of members) {
      const others = members.filter((m) => identity(m.canary) !== identity(member.canary)).map((m) => m.canary);
      out.push({ canary: member.canary, finding: build(member, others, key) });
    }
  }
  return out;
}

function add(groups: Map<string, ResolvedCanary[]>, key: string, canary: ResolvedCanary): void {
  const list = groups.get(key);
  if (!list) groups.set(key, [canary]);
  else if (!list.includes(canary)) list.push(canary);
}

/**
 * Same target: same kind and name in the same namespace. Without explicit namespaces only Canaries
 * in the same folder are compared (kustomize and Flux give a folder one namespace).
 */
export const checkDuplicateTargets: RepositoryRule = ({ canaries }) => {
  const groups = new Map<string, ResolvedCanary[]>();
  for (const resolved of canaries) {
    const { spec, namespace, document } = resolved.canary;
    const ref = spec.targetRef;
    if (!ref?.name || !ref.kind) continue;
    const scope = namespace !== undefined ? `ns:${namespace}` : `folder:${folderOf(document.file)}`;
    add(groups, `${scope}\u0000${ref.kind}\u0000${ref.name}`, resolved);
  }
  return reportGroups(groups, (member, others) => {
    const ref = member.canary.spec.targetRef!;
    return buildFinding({
      code: "DUPLICATE_TARGET",
      message: `${ref.kind} ${ref.name} is also the target of ${listOthers(others)}. Flagger only logs "Bad things will happen!": each Canary creates and promotes ${ref.name}-primary and scales ${ref.name} on its own schedule, so they undo each other's rollouts (Flagger v1.44 scheduleCanaries in pkg/controller/scheduler.go). Keep one Canary per workload.`,
      path: ["spec", "targetRef", "name"],
    });
  });
};

/** Istio gateway reference → "namespace/name" (`ns/name`, `name.ns[.svc.cluster.local]`, or `name` in the Canary's namespace). */
function istioGatewayKey(gateway: string, namespace: string | undefined): string | undefined {
  if (gateway === "mesh") return undefined;
  const slash = gateway.indexOf("/");
  if (slash !== -1) return `${gateway.slice(0, slash)}/${gateway.slice(slash + 1)}`;
  const dot = gateway.indexOf(".");
  if (dot !== -1) {
    const [name, ns] = gateway.split(".");
    return `${ns}/${name}`;
  }
  return namespace === undefined ? undefined : `${namespace}/${gateway}`;
}

/**
 * Same host on the same gateway: Istio merges gateway-bound VirtualServices of one host in no
 * defined order, and Gateway API gives a conflicting HTTPRoute match to the oldest route; either
 * way one Canary's catch-all route takes the other's traffic (docs/flagger-routing.md §4.2, §5).
 */
export const checkHostConflicts: RepositoryRule = ({ canaries }) => {
  const groups = new Map<string, ResolvedCanary[]>();
  for (const resolved of canaries) {
    const { spec, namespace } = resolved.canary;
    const hosts = (spec.service?.hosts ?? []).map((host) => host.toLowerCase()).filter((host) => host !== "*" && host !== "");
    if (hosts.length === 0) continue;
    const family = routerFamily(resolved.provider);
    let gateways: string[] = [];
    if (family === "istio") {
      gateways = (spec.service?.gateways ?? []).flatMap((g) => istioGatewayKey(g, namespace) ?? []).map((g) => `istio Gateway ${g}`);
    } else if (family === "gatewayapi") {
      gateways = (spec.service?.gatewayRefs ?? []).flatMap((ref) => {
        const ns = ref.namespace ?? namespace;
        return ref.name && ns !== undefined ? [`${ref.kind ?? "Gateway"} ${ns}/${ref.name}`] : [];
      });
    }
    for (const gateway of new Set(gateways)) for (const host of new Set(hosts)) add(groups, `${gateway}\u0000${host}`, resolved);
  }
  return reportGroups(groups, (_member, others, key) => {
    const [gateway, host] = key.split("\u0000") as [string, string];
    return buildFinding({
      code: "HOST_CONFLICT",
      message: `Host ${host} on ${gateway} is also claimed by ${listOthers(others)}. If these Canaries run in the same cluster, the routes Flagger generates for each catch all requests to that host, and one Canary's route takes the other's traffic (Istio merges the VirtualServices in no defined order; Gateway API gives the match to the oldest HTTPRoute). Give each Canary its own host, or split by path with spec.service.match.`,
      path: ["spec", "service", "hosts"],
      at: "key",
    });
  });
};
