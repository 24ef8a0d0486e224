/**
 * The merge gate on two `canary-bot serve` processes sharing one real PostgreSQL (issue 12):
 * 1,000 Flagger events for 50 staging Canaries, posted in a shuffled order to either process,
 * re-evaluate 100 waiting production pull requests. Every PR ends with one canary/promotion check
 * run and the right conclusion; no check run is sent the same content twice in a row. The waiting
 * PRs (their Canaries and record keys) are seeded through the store functions the gate's read uses,
 * so the test exercises ingestion and re-evaluation, not 100 reviews. Skipped without
 * TEST_DATABASE_URL (.ci/run sets it).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ingestObservation } from "../../src/cluster/ingest.js";
import { listGateRecordKeys, type ChangedCanary } from "../../src/gate/merge-gate.js";
import { replaceWaitingKeys, upsertGatedPullRequest } from "../../src/store/gate-store.js";
import { getQueueStats } from "../../src/store/index.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { eventPayload, MINUTE, T0, type PayloadParams } from "../gate/helpers.js";
import { waitForQueueIdle } from "../support/github-app.js";
import { useProcessesOnOnePostgres } from "../support/processes.js";
import { TEST_DATABASE_URL } from "../support/store.js";

const TOKEN = "staging-token-0123456789abcdef0123";
const CANARIES = 50;
const PULLS = 100;
const environments = [
  { name: "staging", paths: ["clusters/staging/**"], cluster: "staging" },
  { name: "production", paths: ["clusters/production/**"], cluster: "production", promotedIn: "staging" },
];
const fails = (k: number) => k % 5 === 0;

/** Twenty events of one staging run of app-k (the detection event carries the previous checksum). */
function run(k: number): PayloadParams[] {
  const start = T0 + k * 1000;
  const e = (phase: PayloadParams["phase"], message: string, minutes: number, checksum = `new-${k}`): PayloadParams => ({ name: `app-${k}`, namespace: "test", phase, message, checksum, at: start + minutes * MINUTE });
  const events = [e("Progressing", `New revision detected! Scaling up app-${k}.test`, 0, `old-${k}`), e("Progressing", `Starting canary analysis for app-${k}.test`, 1)];
  for (let step = 1; step <= 16; step++) events.push(e("Progressing", `Advance app-${k}.test canary weight ${step * 5}`, 1 + step));
  if (fails(k)) events.push(e("Progressing", `Rolling back app-${k}.test failed checks threshold reached 3`, 18), e("Failed", `Canary failed! Scaling down app-${k}.test`, 19));
  else events.push(e("Progressing", `Copying app-${k}.test template spec to app-${k}-primary.test`, 18), e("Succeeded", `Promotion completed! Scaling down app-${k}.test`, 19));
  return events;
}

describe.skipIf(!TEST_DATABASE_URL)("the merge gate on two processes and one PostgreSQL", () => {
  const shared = useProcessesOnOnePostgres({ stop: "after-all" });

  it("processes 1,000 events for 50 Canaries and 100 waiting PRs: every PR ends right, no update lost or sent twice", async () => {
    const { github, store, dir } = shared;
    const repository = github.addRepository({ owner: "acme", repo: "gitops", installationId: 31 });
    const records = createStorePromotionStore(store);
    const heads: string[] = [];
    for (let k = 0; k < CANARIES; k++) {
      // Staging merged app-k's new image: the push runs are attributed to it.
      await ingestObservation(records, { kind: "merge", key: { cluster: "staging", namespace: "test", name: `app-${k}` }, merge: { pullRequest: 1000 + k, sha: `${k}`.padStart(40, "0"), mergedAt: T0 - MINUTE, images: [`registry/app-${k}:2`] } });
    }
    for (let n = 1; n <= PULLS; n++) {
      const k = n % CANARIES;
      const canaries: ChangedCanary[] = [{ environment: "production", namespace: "test", name: `app-${k}`, change: "changed", newRevision: true, images: [`registry/app-${k}:2`] }];
      const headSha = n.toString(16).padStart(40, "a");
      heads[n] = headSha;
      await upsertGatedPullRequest(store, { owner: "acme", repo: "gitops", number: n, installationId: 31, headSha, state: "open", environments, canaries });
      await replaceWaitingKeys(store, { owner: "acme", repo: "gitops", number: n, installationId: 31, keys: listGateRecordKeys({ environments, canaries }) });
    }
    const clustersFile = join(dir, "clusters.yaml");
    writeFileSync(clustersFile, `clusters:\n  - name: staging\n    eventToken: ${TOKEN}\n  - name: production\n    eventToken: ${TOKEN}x\n`);
    const env = { CLUSTERS_FILE: clustersFile, JOB_CONCURRENCY: "8" };
    const [a, b] = await shared.start(2, env);

    const events = Array.from({ length: CANARIES }, (_, k) => run(k)).flat().map(eventPayload);
    expect(events).toHaveLength(1000);
    // A fixed shuffle (the verdict must not depend on chance), then to either process, 20 at a time.
    const shuffled = events.map((event, i) => ({ event, order: (i * 7919) % events.length })).sort((x, y) => x.order - y.order).map((x) => x.event);
    for (let i = 0; i < shuffled.length; i += 20) {
      const statuses = await Promise.all(
        shuffled.slice(i, i + 20).map(async (event, j) => {
          const target = [a!, b!][(i + j) % 2]!;
          return (await fetch(`${target.url}/flagger/events/staging?token=${TOKEN}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) })).status;
        }),
      );
      expect(statuses.every((s) => s === 202)).toBe(true);
    }
    await waitForQueueIdle(store, 120_000);
    expect((await getQueueStats(store)).failed).toEqual({});

    for (let n = 1; n <= PULLS; n++) {
      const runs = repository.checkRuns.filter((r) => r.head_sha === heads[n] && r.name === "canary/promotion");
      expect(runs, `check runs of #${n}`).toHaveLength(1);
      expect([n, runs[0]!.status, runs[0]!.conclusion]).toEqual([n, "completed", fails(n % CANARIES) ? "failure" : "success"]);
    }
    // No check run got the same content twice in a row (the footer's time aside).
    const bodies = new Map<string, string[]>();
    for (const r of github.requests.filter((x) => x.method === "PATCH" && /\/check-runs\/\d+$/.test(x.path))) {
      const body = JSON.stringify({ ...(r.body as object), completed_at: undefined }).replace(/Evaluated \S+ from/, "");
      bodies.set(r.path, [...(bodies.get(r.path) ?? []), body]);
    }
    const repeated = [...bodies.values()].flatMap((list) => list.filter((b, i) => i > 0 && b === list[i - 1]));
    expect(repeated).toEqual([]);
    // Every PR's check was created while pending and updated as the records moved on.
    expect(bodies.size).toBe(PULLS);
    expect(github.openApiProblems()).toEqual([]);
    const ingested = await store.query<{ n: number }>("SELECT count(*)::int AS n FROM flagger_events");
    expect(ingested).toEqual([{ n: 1000 }]);
    // Both processes evaluated pull requests.
    expect([a!, b!].every((p) => p.logs.some((l) => l.msg === "merge gate evaluated"))).toBe(true);
  }, 240_000);
});
