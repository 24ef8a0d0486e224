/**
 * Flagger's gates on two `canary-bot serve` processes sharing one real PostgreSQL (issue 13): each
 * process remembers the inputs of its gate decisions (src/cluster/gate-inputs.ts), so a write
 * made through one process must reach the other's memory. A `/canary promote` accepted by process
 * A opens the gate that Flagger polls on process B (polled until, with a generous deadline: the
 * verdict does not depend on speed), and a new run written by a third party closes it on both
 * as soon as their memory hears of it (at most GATE_LIMITS.openFromMemoryMs after the write,
 * docs/approvals.md), after which no call opens it again. Skipped without TEST_DATABASE_URL
 * (.ci/run sets it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensurePullRequestCanaries, listCommandRecords } from "../../src/store/approvals.js";
import { createStorePromotionStore } from "../../src/store/promotion-store.js";
import { CANARY, promotionWithRun, REVISION } from "../support/approvals.js";
import { until } from "../support/github-app.js";
import type { BotProcess } from "../support/github-process.js";
import { useProcessesOnOnePostgres } from "../support/processes.js";
import { TEST_DATABASE_URL } from "../support/store.js";

const TOKEN = "staging-token-0123456789abcdef0123";
const T_RUN = Date.UTC(2026, 10, 29, 12, 0, 0);
const RUN_ID = "staging/test/podinfo@2026-11-29T12:00:00.000Z";
const CONFIG = 'environments:\n  - name: staging\n    paths: ["clusters/staging/**"]\n    cluster: staging\n';
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/events/issue_comment.created.pull-request.json"), "utf8")) as Record<string, any>;
const flaggerPayload = { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "85d557f47b", metadata: {} };

describe.skipIf(!TEST_DATABASE_URL)("Flagger's gates on two processes and one PostgreSQL", () => {
  const shared = useProcessesOnOnePostgres({ stop: "after-all" });

  it("an approval accepted by process A opens the gate polled on process B, and B never opens the next run with it", async () => {
    const { github, store, dir } = shared;
    const repository = github.addRepository({ owner: "acme", repo: "gitops", installationId: 51, files: { ".github/canary-bot.yml": CONFIG } });
    const manifest = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n  namespace: test\n";
    const pull = github.openPull(repository, { number: 7, base: { ".github/canary-bot.yml": CONFIG }, head: { ".github/canary-bot.yml": CONFIG, "clusters/staging/podinfo.yaml": manifest } });
    repository.collaborators.set("alice", "write");
    const promotions = createStorePromotionStore(store);
    expect((await promotions.upsertPromotionRecord({ record: promotionWithRun({ startedAt: T_RUN }), expectedVersion: null })).ok).toBe(true);
    // What the review of the pull request would have stored.
    await ensurePullRequestCanaries(store, { repository: "acme/gitops", pullRequest: 7, headSha: pull.headSha, canaries: [{ canary: CANARY, revision: REVISION, gates: ["confirm-promotion"] }] });

    const clustersFile = join(dir, "clusters.yaml");
    writeFileSync(clustersFile, `clusters:\n  - name: staging\n    eventToken: ${TOKEN}\n`);
    const env = { CLUSTERS_FILE: clustersFile, JOB_CONCURRENCY: "2" };
    const [a, b] = await shared.start(2, env);
    const gate = async (bot: BotProcess) => {
      const response = await fetch(`${bot.url}/flagger/gates/staging/confirm-promotion?token=${TOKEN}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(flaggerPayload) });
      return [response.status, ((await response.json()) as { code: string }).code] as const;
    };

    // B answers (and remembers) the closed gate.
    expect(await gate(b!)).toEqual([403, "NOT_APPROVED"]);
    expect(await gate(b!)).toEqual([403, "NOT_APPROVED"]);

    const payload = structuredClone(fixture);
    payload.repository.full_name = "acme/gitops";
    payload.repository.name = "gitops";
    payload.repository.owner.login = "acme";
    payload.installation.id = 51;
    payload.issue.number = 7;
    payload.comment.id = 90_001;
    payload.comment.body = "/canary promote";
    payload.comment.user.login = payload.sender.login = "alice";
    payload.comment.created_at = payload.comment.updated_at = new Date().toISOString();
    expect((await a!.deliver({ name: "issue_comment", payload })).status).toBe(202);
    await until(async () => (await listCommandRecords(store, { repository: "acme/gitops", pullRequest: 7 })).length > 0, 60_000, "the command to be recorded by A");
    const [record] = await listCommandRecords(store, { repository: "acme/gitops", pullRequest: 7 });
    expect([record!.outcome, record!.refusal, record!.runId]).toEqual(["accepted", null, RUN_ID]);

    await until(async () => (await gate(b!))[0] === 200, 60_000, "B to open the gate");
    expect(await gate(b!)).toEqual([200, "APPROVED"]);
    expect(await gate(a!)).toEqual([200, "APPROVED"]);

    // A new run, written by neither process: once each process heard of it, it answers 403 and
    // never again 200 with the old approval.
    const stored = await promotions.getPromotionRecord({ cluster: "staging", namespace: "test", name: "podinfo" });
    expect((await promotions.upsertPromotionRecord({ record: promotionWithRun({ startedAt: T_RUN + 3600_000 }), expectedVersion: stored!.version })).ok).toBe(true);
    for (const process of [b!, a!]) {
      await until(async () => (await gate(process))[0] === 403, 60_000, "the new run to close the gate");
      for (let poll = 0; poll < 10; poll += 1) expect(await gate(process)).toEqual([403, "APPROVAL_FOR_ANOTHER_RUN"]);
    }
    expect(repository.reactions).toEqual([{ commentId: 90_001, content: "+1" }]);
  }, 180_000);
});
