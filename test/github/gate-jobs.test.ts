/** Which gate jobs events and record changes ask for: one waiting job per pull request per burst. */
import { describe, expect, it } from "vitest";
import { buildGateJobsForEvent, ingestAndNotifyBatch } from "../../src/github/gate-jobs.js";
import { buildJobsForEvent } from "../../src/github/events.js";
import { replaceWaitingKeys } from "../../src/store/gate-store.js";
import { getQueueStats, type Store } from "../../src/store/index.js";
import { runEvents, T0 } from "../gate/helpers.js";
import { loadEvent } from "../support/github.js";
import { storeBackends , useStore } from "../support/store.js";

const closed = (merged: boolean) => {
  const event = loadEvent("pull_request.synchronize");
  const payload = structuredClone(event.payload) as Record<string, any>;
  payload.action = "closed";
  Object.assign(payload.pull_request, { state: "closed", merged, merge_commit_sha: merged ? "d".repeat(40) : null, merged_at: merged ? "2026-11-29T12:00:00Z" : null });
  return { name: "pull_request", payload };
};

describe("gate jobs for events", () => {
  it("follows a merged pull request, forgets a closed one, answers a merge group, and leaves the rest to the review", () => {
    expect(buildJobsForEvent(closed(true))).toEqual({
      action: "enqueue",
      event: "pull_request.closed",
      jobs: [{ kind: "gate-evaluate", key: "1/Codertocat/Hello-World#2", installationId: 1, payload: { owner: "Codertocat", repo: "Hello-World", number: 2, merged: { sha: "d".repeat(40), at: Date.parse("2026-11-29T12:00:00Z") } } }],
    });
    expect(buildJobsForEvent(closed(false))).toMatchObject({ action: "enqueue", jobs: [{ kind: "gate-evaluate", payload: { number: 2, closed: true } }] });
    const group = {
      name: "merge_group",
      payload: {
        action: "checks_requested",
        merge_group: { head_sha: "e".repeat(40), head_ref: `refs/heads/gh-readonly-queue/main/pr-104-${"f".repeat(40)}`, base_sha: "a".repeat(40), base_ref: "refs/heads/main" },
        repository: { name: "octo-repo", owner: { login: "octo-org" } },
        installation: { id: 5 },
      },
    };
    expect(buildJobsForEvent(group)).toEqual({
      action: "enqueue",
      event: "merge_group.checks_requested",
      jobs: [{ kind: "gate-evaluate", key: `5/octo-org/octo-repo@${"e".repeat(40)}`, installationId: 5, payload: { owner: "octo-org", repo: "octo-repo", mergeGroup: { headSha: "e".repeat(40), pullRequests: [104] } } }],
    });
    expect(buildGateJobsForEvent(loadEvent("pull_request.opened"))).toBeNull();
    expect(buildJobsForEvent({ name: "merge_group", payload: { ...group.payload, installation: undefined } })).toMatchObject({ action: "reject" });
  });
});

describe.each(storeBackends())("record changes on $name", (backend) => {
  const store = useStore(backend, "TRUNCATE jobs, promotion_records, flagger_events, gate_waiting");

  it("queue one gate-evaluate job per waiting pull request for a burst, and none for a replay", async () => {
    const key = { cluster: "staging", namespace: "test", name: "podinfo" };
    for (const number of [1, 2]) await replaceWaitingKeys(store, { owner: "acme", repo: "gitops", number, installationId: 7, keys: [key] });
    await replaceWaitingKeys(store, { owner: "acme", repo: "gitops", number: 3, installationId: 7, keys: [{ ...key, name: "other" }] });
    let woken = 0;
    const events = runEvents({ previous: "a", checksum: "b", start: T0, outcome: "succeeded" });
    const queued = [];
    for (const event of events) queued.push((await ingestAndNotifyBatch({ store, observations: [{ kind: "event", event }], wake: () => woken++ }))[0]!.queued);
    expect(queued.every((n) => n === 2 || n === 0)).toBe(true);
    const jobs = await store.query<{ key: string }>("SELECT key FROM jobs WHERE kind = 'gate-evaluate' ORDER BY key");
    expect(jobs.map((j) => j.key)).toEqual(["7/acme/gitops#1", "7/acme/gitops#2"]);
    expect(woken).toBeGreaterThan(0);

    await store.query("DELETE FROM jobs");
    for (const event of events) expect((await ingestAndNotifyBatch({ store, observations: [{ kind: "event", event }] }))[0]!.queued).toBe(0);
    expect((await getQueueStats(store)).queued).toEqual({});
  });
});
