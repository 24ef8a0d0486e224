/**
 * docs/merge-gate.md §7 as a test: staging and production, Flagger's events posted to the events
 * route on a real socket, the records in the store port (its in-memory double), and the gate's
 * decision and check output after each step.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFlaggerEventsHandler } from "../../src/cluster/events-route.js";
import { ingestObservation } from "../../src/cluster/ingest.js";
import type { EnvironmentConfig } from "../../src/config/schema.js";
import { parseFlaggerEvent } from "../../src/gate/flagger-event.js";
import { decideMergeGate, type ChangedCanary } from "../../src/gate/merge-gate.js";
import { renderPromotionCheck } from "../../src/gate/render-promotion.js";
import { eventPayload, MINUTE, T0 } from "../gate/helpers.js";
import { createMemoryPromotionStore, type MemoryPromotionStore } from "../support/memory-promotion-store.js";

const ENVIRONMENTS: EnvironmentConfig[] = [
  { name: "staging", paths: ["clusters/staging/**"], cluster: "staging" },
  { name: "production", paths: ["clusters/production/**"], cluster: "production", promotedIn: "staging" },
];
const TOKENS = { staging: "staging-0123456789abcdef01234567", production: "production-0123456789abcdef0123" };
const IMAGE = "ghcr.io/stefanprodan/podinfo:6.5.0";
const pr = (environment: string): ChangedCanary => ({ environment, namespace: "test", name: "podinfo", change: "changed", newRevision: true, images: [IMAGE] });

describe("walk-through: a staging PR merges, staging promotes, the production PR passes", () => {
  let server: Server;
  let base: string;
  let store: MemoryPromotionStore;

  beforeEach(async () => {
    store = createMemoryPromotionStore();
    const handler = createFlaggerEventsHandler({
      clusters: Object.entries(TOKENS).map(([name, eventToken]) => ({ name, eventToken })),
      ingest: (event) => ingestObservation(store, { kind: "event", event }),
      now: () => T0,
      log: { warn: () => undefined, error: () => undefined },
    });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = async (cluster: "staging" | "production", phase: Parameters<typeof eventPayload>[0]["phase"], checksum: string, message: string, minutes: number, token: string = TOKENS[cluster]) => {
    const response = await fetch(`${base}/flagger/events/${cluster}?token=${token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(eventPayload({ phase, checksum, message, at: T0 + minutes * MINUTE })),
    });
    return { status: response.status, body: (await response.json()) as { changed?: boolean; duplicate?: boolean; error?: string } };
  };
  const records = () => [...store.records.values()].map((v) => v.record);
  const gate = (environment: string, now = T0 + 30 * MINUTE) => decideMergeGate({ environments: ENVIRONMENTS, headSha: "4".repeat(40), canaries: [pr(environment)], records: records(), decisions: [], now });
  const recordMerge = (cluster: string, pullRequest: number, minutes: number) =>
    ingestObservation(store, { kind: "merge", key: { cluster, namespace: "test", name: "podinfo" }, merge: { pullRequest, sha: String(pullRequest).repeat(20), mergedAt: T0 + minutes * MINUTE, images: [IMAGE] } });

  const stagingRun = [
    ["Progressing", "6f7c5d8b9", "New revision detected! Scaling up podinfo.test", 1],
    ["Progressing", "7d9b8c6f5", "Starting canary analysis for podinfo.test", 2],
    ["Progressing", "7d9b8c6f5", "Advance podinfo.test canary weight 10", 2],
    ["Progressing", "7d9b8c6f5", "Advance podinfo.test canary weight 20", 3],
    ["Promoting", "7d9b8c6f5", "Routing all traffic to primary", 5],
  ] as const;

  it("goes from pending to success, ignores replays, and answers 401 to a wrong token without change", async () => {
    expect(gate("staging").verdict).toBe("success");
    await recordMerge("staging", 41, 0);
    expect(renderPromotionCheck(gate("production")).status).toBe("in_progress");

    for (const [phase, checksum, message, minutes] of stagingRun.slice(0, 3)) expect((await post("staging", phase, checksum, message, minutes)).status).toBe(202);
    const analysing = gate("production");
    expect([analysing.verdict, analysing.canaries[0]?.progress?.canaryWeight]).toEqual(["pending", 10]);

    for (const [phase, checksum, message, minutes] of stagingRun.slice(3)) await post("staging", phase, checksum, message, minutes);
    const refused = await post("staging", "Succeeded", "7d9b8c6f5", "Promotion completed! Scaling down podinfo.test", 6, "wrong-token-0123456789abcdef");
    expect([refused.status, refused.body.error]).toEqual([401, "wrong_token"]);
    expect(gate("production").verdict).toBe("pending");

    expect((await post("staging", "Succeeded", "7d9b8c6f5", "Promotion completed! Scaling down podinfo.test", 6)).status).toBe(202);
    const passed = renderPromotionCheck(gate("production"));
    expect([passed.status, passed.conclusion, passed.title]).toEqual(["completed", "success", "Promoted where required"]);

    const before = structuredClone(records());
    for (const [phase, checksum, message, minutes] of [...stagingRun].reverse()) {
      expect((await post("staging", phase, checksum, message, minutes)).body).toMatchObject({ changed: false, duplicate: true });
    }
    expect(records()).toEqual(before);
  });

  it("fails when staging's run fails, whatever order the events arrive in", async () => {
    await recordMerge("staging", 41, 0);
    const failing = [...stagingRun.slice(0, 4), ["Progressing", "7d9b8c6f5", "Rolling back podinfo.test failed checks threshold reached 5", 6], ["Failed", "7d9b8c6f5", "Canary failed! Scaling down podinfo.test", 6]] as const;
    for (const [phase, checksum, message, minutes] of [...failing].reverse()) await post("staging", phase, checksum, message, minutes);
    const failed = gate("production");
    expect([failed.verdict, failed.reason]).toEqual(["failure", `production/test/podinfo: ${IMAGE} failed its analysis in staging`]);
    expect(renderPromotionCheck(failed).conclusion).toBe("failure");
  });

  it("tells a second production PR that #42's rollout is in progress, until it ends", async () => {
    await recordMerge("staging", 41, 0);
    for (const [phase, checksum, message, minutes] of stagingRun) await post("staging", phase, checksum, message, minutes);
    await post("staging", "Succeeded", "7d9b8c6f5", "Promotion completed! Scaling down podinfo.test", 6);
    await recordMerge("production", 42, 10);
    await post("production", "Progressing", "1a2b3c4d5", "New revision detected! Scaling up podinfo.test", 11);
    await post("production", "Progressing", "5d4c3b2a1", "Advance podinfo.test canary weight 10", 12);
    const second = gate("production");
    expect([second.verdict, second.canaries[0]?.lock?.pullRequest]).toEqual(["pending", 42]);
    await post("production", "Succeeded", "5d4c3b2a1", "Promotion completed! Scaling down podinfo.test", 16);
    expect(gate("production").verdict).toBe("success");
  });
});

describe("the walk-through's shell snippet", () => {
  it("posts payloads that are Flagger events", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../docs/merge-gate.md"), "utf8");
    const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/^ {3}/gm, ""));
    const setup = blocks.find((b) => b.includes("ev() {"))!;
    const steps = blocks.filter((b) => /^ev /m.test(b) && !b.includes("ev() {"));
    const dir = mkdtempSync(join(tmpdir(), "walkthrough-"));
    try {
      writeFileSync(join(dir, "staging-token"), TOKENS.staging);
      // curl replaced by a function that prints its last argument, the -d body.
      const script = ['curl() { for a; do last="$a"; done; printf "%s\\n" "$last"; }', setup, ...steps].join("\n");
      const out = execFileSync("bash", ["-c", script], { cwd: dir, encoding: "utf8" });
      const bodies = out.split("\n").filter((l) => l.startsWith("{"));
      expect(bodies).toHaveLength(4);
      const phases = bodies.map((b) => {
        const parsed = parseFlaggerEvent({ body: JSON.parse(b), cluster: "staging", receivedAt: T0 });
        if (!parsed.ok) throw new Error(parsed.reason);
        return [parsed.event.phase, parsed.event.progress.kind];
      });
      expect(phases).toEqual([["Progressing", "new-revision"], ["Progressing", "canary-weight"], ["Promoting", "other"], ["Succeeded", "promotion-completed"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
