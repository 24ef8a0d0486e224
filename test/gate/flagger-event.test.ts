import { describe, expect, it } from "vitest";
import { parseEventProgress, parseFlaggerEvent } from "../../src/gate/flagger-event.js";
import { eventPayload, T0 } from "./helpers.js";

const receivedAt = T0 + 1000;

describe("parseFlaggerEvent", () => {
  it("reads Flagger's event payload into a typed event with an idempotency key", () => {
    const body = eventPayload({ phase: "Progressing", checksum: "85d557f47b", message: "Advance podinfo.test canary weight 20", at: T0 });
    const parsed = parseFlaggerEvent({ body, cluster: "staging", receivedAt });
    expect(parsed).toEqual({
      ok: true,
      event: {
        cluster: "staging",
        namespace: "test",
        name: "podinfo",
        phase: "Progressing",
        checksum: "85d557f47b",
        eventType: "Normal",
        message: "Advance podinfo.test canary weight 20",
        at: T0,
        receivedAt,
        progress: { kind: "canary-weight", weight: 20 },
        key: expect.stringMatching(/^[0-9a-f]{40}$/),
      },
    });
    const again = parseFlaggerEvent({ body: structuredClone(body), cluster: "staging", receivedAt: receivedAt + 5000 });
    const otherCluster = parseFlaggerEvent({ body, cluster: "production", receivedAt });
    expect(again.ok && parsed.ok && again.event.key === parsed.event.key).toBe(true);
    expect(otherCluster.ok && parsed.ok && otherCluster.event.key !== parsed.event.key).toBe(true);
  });

  it("keeps hook metadata out of the way and accepts the controller-wide webhook's payload", () => {
    const body = { ...eventPayload({ phase: "Succeeded", checksum: "abc", message: "Promotion completed! Scaling down podinfo.test", at: T0 }) };
    body.metadata = { ...body.metadata, cluster: "eu-1", extra: "x" } as typeof body.metadata;
    const parsed = parseFlaggerEvent({ body, cluster: "staging", receivedAt });
    expect(parsed.ok && parsed.event.progress).toEqual({ kind: "promotion-completed" });
  });

  it.each([
    ["[]", [], "the payload is not a JSON object"],
    ["no name", { namespace: "test", phase: "Progressing", checksum: "a" }, '"name" is missing or not a string'],
    ["bad name", { ...eventPayload({ phase: "Progressing", checksum: "a", message: "m", at: T0 }), name: "Pod Info" }, '"name" is not a Kubernetes object name'],
    ["bad namespace", { ...eventPayload({ phase: "Progressing", checksum: "a", message: "m", at: T0 }), namespace: "a.b" }, '"namespace" is not a Kubernetes namespace'],
    ["unknown phase", { ...eventPayload({ phase: "Progressing", checksum: "a", message: "m", at: T0 }), phase: "Done" }, '"phase" is not a Canary phase'],
    ["a rollout hook's payload", { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "a" }, '"metadata" is missing: only Flagger event webhooks'],
    ["metadata without timestamp", { name: "podinfo", namespace: "test", phase: "Progressing", checksum: "a", metadata: { eventMessage: "m", eventType: "Normal" } }, '"metadata.timestamp" is missing'],
    ["seconds, not milliseconds", eventPayload({ phase: "Progressing", checksum: "a", message: "m", at: Math.floor(T0 / 1000) }), '"metadata.timestamp" is not Unix milliseconds'],
    ["event type", { ...eventPayload({ phase: "Progressing", checksum: "a", message: "m", at: T0 }), metadata: { eventMessage: "m", eventType: "Error", timestamp: String(T0) } }, '"metadata.eventType" is neither'],
    ["long checksum", eventPayload({ phase: "Progressing", checksum: "a".repeat(300), message: "m", at: T0 }), '"checksum" is longer than 256'],
  ])("rejects %s with a reason", (_, body, reason) => {
    const parsed = parseFlaggerEvent({ body, cluster: "staging", receivedAt });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  it("cuts a long message but keys the event on all of it", () => {
    const long = (tail: string) => eventPayload({ phase: "Progressing", checksum: "a", message: `${"x".repeat(2000)}${tail}`, at: T0 });
    const a = parseFlaggerEvent({ body: long("a"), cluster: "staging", receivedAt });
    const b = parseFlaggerEvent({ body: long("b"), cluster: "staging", receivedAt });
    expect(a.ok && a.event.message.length).toBe(1000);
    expect(a.ok && b.ok && a.event.key !== b.event.key).toBe(true);
  });
});

describe("parseEventProgress reads Flagger's message templates", () => {
  it.each([
    ["New revision detected! Scaling up podinfo.test", { kind: "new-revision" }],
    ["New revision detected! Restarting analysis for podinfo.test", { kind: "restart" }],
    ["Advance podinfo.test canary weight 40", { kind: "canary-weight", weight: 40 }],
    ["Advance podinfo.test primary weight 70", { kind: "primary-weight", weight: 70 }],
    ["Advance podinfo.test canary iteration 3/10", { kind: "iteration", iteration: 3, of: 10 }],
    ["Promotion completed! Canary analysis was skipped for podinfo.test", { kind: "promotion-completed" }],
    ["Canary failed! Scaling down podinfo.test", { kind: "failed" }],
    ["Promotion of podinfo.test failed, primary not ready: timeout", { kind: "failed" }],
    ["Halt podinfo.test advancement success rate 50.00% < 99%", { kind: "other" }],
  ])("%s", (message, progress) => {
    expect(parseEventProgress(message)).toEqual(progress);
  });
});
