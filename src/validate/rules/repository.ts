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

function listOthers(others: Others): string {
  const shown = others.listed.map(describe).join(", ");
  return others.count > others.listed.length ? `${shown} and ${others.count - others.listed.length} more` : shown;
}

/** The other Canaries a member is compared with: the first few by name, and how many in all. */
interface Others {
  listed: CanaryModel[];
  count: number;
}

/**
 * The Canaries of `candidates` (lists that may overlap) whose identity differs from `member`'s:
 * the first LISTED_OTHERS and their number. One list is counted without visiting it, so a bucket
 * of thousands stays linear; several lists are merged through a set.
 */
function findOthers(member: CanaryModel, candidates: ReadonlyArray<Bucket>): Others {
  const own = identity(member);
  const listed: CanaryModel[] = [];
  const seen = new Set<CanaryModel>();
  for (const bucket of candidates) {
    for (const other of bucket.members) {
      if (listed.length >= LISTED_OTHERS) break;
      if (identity(other.canary) === own || seen.has(other.canary)) continue;
      seen.add(other.canary);
      listed.push(other.canary);
    }
  }
  if (candidates.length === 1) {
    const bucket = candidates[0]!;
    return { listed, count: bucket.members.length - (bucket.identities.get(own) ?? 0) };
  }
  const all = new Set<CanaryModel>();
  for (const bucket of candidates) for (const other of bucket.members) if (identity(other.canary) !== own) all.add(other.canary);
  return { listed, count: all.size };
}

/** Canaries that share a key, and how many of them have each identity. */
interface Bucket {
  members: ResolvedCanary[];
  identities: Map<string, number>;
}

function createBucket(): Bucket {
  return { members: [], identities: new Map() };
}

function addToBucket(bucket: Bucket, resolved: ResolvedCanary): void {
  // A Canary is added once per bucket; the Set of its keys guarantees it (callers dedupe keys).
  bucket.members.push(resolved);
  const key = identity(resolved.canary);
  bucket.identities.set(key, (bucket.identities.get(key) ?? 0) + 1);
}

function bucketOf<K>(buckets: Map<K, Bucket>, key: K): Bucket {
  let bucket = buckets.get(key);
  if (!bucket) buckets.set(key, (bucket = createBucket()));
  return bucket;
}

/** Whether a bucket holds more than one distinct Canary. */
function holdsSeveral(bucket: Bucket): boolean {
  return bucket.identities.size > 1;
}

/**
 * Same target: same kind and name in the same namespace. Without explicit namespaces only Canaries
 * in the same folder are compared (kustomize and Flux give a folder one namespace).
 */
export const checkDuplicateTargets: RepositoryRule = ({ canaries }) => {
  const buckets = new Map<string, Bucket>();
  for (const resolved of canaries) {
    const { spec, namespace, document } = resolved.canary;
    const ref = spec.targetRef;
    if (!ref?.name || !ref.kind) continue;
    const scope = namespace !== undefined ? `ns:${namespace}` : `folder:${folderOf(document.file)}`;
    addToBucket(bucketOf(buckets, `${scope}\u0000${ref.kind}\u0000${ref.name}`), resolved);
  }
  const out: Array<{ canary: CanaryModel; finding: PendingFinding }> = [];
  for (const bucket of buckets.values()) {
    if (!holdsSeveral(bucket)) continue;
    for (const member of bucket.members) {
      const ref = member.canary.spec.targetRef!;
      const others = findOthers(member.canary, [bucket]);
      out.push({
        canary: member.canary,
        finding: buildFinding({
          code: "DUPLICATE_TARGET",
          message: `${ref.kind} ${ref.name} is also the target of ${listOthers(others)}. Flagger only logs "Bad things will happen!": each Canary creates and promotes ${ref.name}-primary and scales ${ref.name} on its own schedule, so they undo each other's rollouts (Flagger v1.44 scheduleCanaries in pkg/controller/scheduler.go). Keep one Canary per workload.`,
          path: ["spec", "targetRef", "name"],
        }),
      });
    }
  }
  return out;
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
 *
 * Canaries that split the host with `spec.service.match` do not conflict: Flagger's FAQ ("How can I
 * expose multiple canaries on the same external domain?", docs/gitbook/faq.md) puts `prefix: /` and
 * `prefix: /api` on one host and gateway, and Istio's merge moves the catch-all rule last; Gateway
 * API orders matches by specificity. Conservatively, two Canaries still conflict when either has
 * no match (it catches everything) or when both write one identical match entry.
 */
export const checkHostConflicts: RepositoryRule = ({ canaries }) => {
  const hosts = new Map<string, HostBucket>();
  for (const resolved of canaries) {
    const { spec, namespace } = resolved.canary;
    const names = (spec.service?.hosts ?? []).map((host) => host.toLowerCase()).filter((host) => host !== "*" && host !== "");
    if (names.length === 0) continue;
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
    const matches = [...new Set((spec.service?.match ?? []).map(canonicalJson))];
    for (const gateway of new Set(gateways)) {
      for (const host of new Set(names)) {
        const key = `${gateway}\u0000${host}`;
        let bucket = hosts.get(key);
        if (!bucket) hosts.set(key, (bucket = { all: createBucket(), catchAll: createBucket(), byMatch: new Map(), matchesOf: new Map() }));
        addToBucket(bucket.all, resolved);
        if (matches.length === 0) addToBucket(bucket.catchAll, resolved);
        for (const match of matches) addToBucket(bucketOf(bucket.byMatch, match), resolved);
        bucket.matchesOf.set(resolved, matches);
      }
    }
  }
  const out: Array<{ canary: CanaryModel; finding: PendingFinding }> = [];
  for (const [key, bucket] of hosts) {
    if (!holdsSeveral(bucket.all)) continue;
    const [gateway, host] = key.split("\u0000") as [string, string];
    for (const member of bucket.all.members) {
      const matches = bucket.matchesOf.get(member)!;
      // A catch-all member conflicts with everyone; a member with matches with the catch-alls and
      // with those that share one of its match entries.
      const candidates =
        matches.length === 0
          ? [bucket.all]
          : [...(bucket.catchAll.members.length > 0 ? [bucket.catchAll] : []), ...matches.map((m) => bucket.byMatch.get(m)!).filter((b) => b.members.length > 1)];
      if (candidates.length === 0) continue;
      const others = findOthers(member.canary, candidates);
      if (others.count === 0) continue;
      out.push({
        canary: member.canary,
        finding: buildFinding({
          code: "HOST_CONFLICT",
          message: `Host ${host} on ${gateway} is also claimed by ${listOthers(others)}${matches.length === 0 ? "" : " with the same match rule or none"}. If these Canaries run in the same cluster, the routes Flagger generates for each catch the same requests to that host, and one Canary's route takes the other's traffic (Istio merges the VirtualServices in no defined order; Gateway API gives the match to the oldest HTTPRoute). Give each Canary its own host, or split the host with distinct spec.service.match rules (Flagger FAQ, "multiple canaries on the same external domain").`,
          path: ["spec", "service", "hosts"],
          at: "key",
        }),
      });
    }
  }
  return out;
};

interface HostBucket {
  all: Bucket;
  /** Members without `service.match`: they route every request to the host. */
  catchAll: Bucket;
  /** Members by each of their match entries (canonical JSON). */
  byMatch: Map<string, Bucket>;
  /** Each member's match entries, as keys of `byMatch`. */
  matchesOf: Map<ResolvedCanary, string[]>;
}

/** JSON with sorted keys, so that two spellings of one match entry compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
