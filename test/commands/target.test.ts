import { describe, expect, it } from "vitest";
import { parseCommands } from "../../src/commands/parse.js";
import { buildRecordKey, mergeCommandRecords, type CanaryIdentity, type CommandRecord } from "../../src/commands/records.js";
import { resolveCommandTargets } from "../../src/commands/target.js";

const c = (environment: string, namespace: string, name: string): CanaryIdentity => ({ environment, cluster: `${environment}-1`, namespace, name });
const podinfoStaging = c("staging", "test", "podinfo");
const podinfoProd = c("production", "test", "podinfo");
const frontendProd = c("production", "web", "frontend");
const podinfoOther = c("production", "other", "podinfo");

const resolve = (body: string, canaries: CanaryIdentity[]) => resolveCommandTargets({ command: parseCommands(body).commands[0]!, canaries });

describe("resolveCommandTargets", () => {
  it("takes the only Canary of the pull request when none is named", () => {
    expect(resolve("/canary promote", [podinfoProd])).toEqual({ ok: true, targets: [podinfoProd] });
  });

  it("needs a gate command to name one Canary among several, with an example that would work", () => {
    expect(resolve("/canary promote", [podinfoStaging, podinfoProd])).toEqual({
      ok: false,
      reason:
        "/canary promote opens one Canary's gate and this pull request changes 2 that match: test/podinfo in staging, test/podinfo in production. Name one, e.g. /canary promote podinfo --env staging",
    });
    expect(resolve("/canary promote podinfo", [podinfoProd, podinfoOther])).toMatchObject({ ok: false, reason: expect.stringContaining("e.g. /canary promote test/podinfo") });
  });

  it("narrows by name, namespace and environment", () => {
    expect(resolve("/canary promote podinfo --env production", [podinfoStaging, podinfoProd, frontendProd])).toEqual({ ok: true, targets: [podinfoProd] });
    expect(resolve("/canary rollback web/frontend", [podinfoProd, frontendProd])).toEqual({ ok: true, targets: [frontendProd] });
    expect(resolve("/canary promote other/podinfo", [podinfoProd, podinfoOther])).toEqual({ ok: true, targets: [podinfoOther] });
  });

  it("says what the pull request changes when nothing matches", () => {
    expect(resolve("/canary promote podinfo --env qa", [podinfoProd])).toEqual({
      ok: false,
      reason: "this pull request changes no Canary podinfo in environment qa; it changes test/podinfo in production",
    });
  });

  it("applies hold, unhold and skip-gate to every matching Canary", () => {
    expect(resolve("/canary hold", [podinfoStaging, podinfoProd])).toEqual({ ok: true, targets: [podinfoStaging, podinfoProd] });
    expect(resolve("/canary skip-gate --env production hotfix", [podinfoStaging, podinfoProd, frontendProd])).toEqual({ ok: true, targets: [podinfoProd, frontendProd] });
    expect(resolve("/canary unhold podinfo", [podinfoStaging, frontendProd])).toEqual({ ok: true, targets: [podinfoStaging] });
  });

  it("needs no Canary for help and refresh, and refuses the rest on a pull request without one", () => {
    expect(resolve("/canary help", [])).toEqual({ ok: true, targets: [] });
    expect(resolve("/canary hold", [])).toMatchObject({ ok: false, reason: expect.stringContaining("changes no Canary of a configured environment") });
  });
});

describe("records", () => {
  it("keys a record by comment, line and Canary", () => {
    expect(buildRecordKey({ commentId: 42, line: 3, canary: podinfoProd })).toBe("comment/42/line/3/production-1/test/podinfo");
    expect(buildRecordKey({ commentId: 42, line: 3, canary: null })).toBe("comment/42/line/3");
  });

  it("keeps the first record of a key, as the store does", () => {
    const record = (key: string, actor: string) => ({ key, actor }) as CommandRecord;
    const merged = mergeCommandRecords([record("a", "first")], [record("a", "replay"), record("b", "new"), record("b", "again")]);
    expect(merged.records.map((r) => [r.key, r.actor])).toEqual([["a", "first"], ["b", "new"]]);
    expect(merged.added.map((r) => r.key)).toEqual(["b"]);
  });
});
