import { describe, expect, it } from "vitest";
import { baseDeployment, canaryWith, only, validate, type Json } from "../support.js";

const named = (name: string, edit: (c: Json) => void = () => {}) =>
  canaryWith((c) => {
    c.metadata.name = name;
    edit(c);
  });

describe("two Canaries with the same target (flagger-scheduler.md §2 scheduleCanaries)", () => {
  it("warns on both, naming the other", () => {
    const v = validate({ "apps/podinfo/canary.yaml": [named("podinfo"), baseDeployment()], "apps/podinfo/canary-ab.yaml": [named("podinfo-ab")] });
    const findings = only(v, "DUPLICATE_TARGET");
    expect(findings).toEqual([
      expect.objectContaining({ severity: "warning", path: "spec.targetRef.name" }),
      expect.objectContaining({ severity: "warning", path: "spec.targetRef.name" }),
    ]);
    expect(findings[0]!.message).toContain("podinfo-ab (apps/podinfo/canary-ab.yaml:1)");
    expect(findings[1]!.message).toContain("podinfo (apps/podinfo/canary.yaml:1)");
  });

  it("copies of one Canary (same name and namespace, e.g. one per cluster) are not compared", () => {
    const v = validate({ "clusters/dev/podinfo.yaml": [named("podinfo")], "clusters/prod/podinfo.yaml": [named("podinfo")] });
    expect(v.codes).not.toContain("DUPLICATE_TARGET");
  });

  it("different namespaces are different targets", () => {
    const v = validate([named("a"), named("b", (c) => (c.metadata.namespace = "prod"))]);
    expect(v.codes).not.toContain("DUPLICATE_TARGET");
  });

  it("without namespaces, only Canaries in one folder are compared", () => {
    const noNs = (name: string) => named(name, (c) => delete c.metadata.namespace);
    expect(validate({ "apps/a.yaml": [noNs("a")], "apps/b.yaml": [noNs("b")] }).codes).toContain("DUPLICATE_TARGET");
    expect(validate({ "dev/a.yaml": [noNs("a")], "prod/b.yaml": [noNs("b")] }).codes).not.toContain("DUPLICATE_TARGET");
  });
});

describe("two Canaries claiming one host on one gateway (flagger-routing.md §4.2, §5)", () => {
  const onGateway = (name: string, gateways: string[], host = "app.example.com") =>
    named(name, (c) => {
      c.spec.targetRef.name = name;
      c.spec.service.gateways = gateways;
      c.spec.service.hosts = [host];
    });

  it("Istio: the same Gateway written three ways", () => {
    const v = validate([onGateway("frontend", ["istio-system/public-gateway"]), onGateway("backend", ["public-gateway.istio-system.svc.cluster.local"]), onGateway("admin", ["public-gateway.istio-system"])]);
    const findings = only(v, "HOST_CONFLICT");
    expect(findings).toHaveLength(3);
    expect(findings[0]).toMatchObject({ severity: "warning", path: "spec.service.hosts" });
    expect(findings[0]!.message).toContain("istio Gateway istio-system/public-gateway");
  });

  it("Istio: a relative gateway name is in the Canary's namespace", () => {
    expect(validate([onGateway("frontend", ["public-gateway"]), onGateway("backend", ["test/public-gateway"])]).codes).toContain("HOST_CONFLICT");
    expect(validate([onGateway("frontend", ["public-gateway"]), onGateway("backend", ["istio-system/public-gateway"])]).codes).not.toContain("HOST_CONFLICT");
  });

  it("different hosts, the mesh gateway and wildcard hosts do not conflict", () => {
    expect(validate([onGateway("frontend", ["istio-system/gw"], "a.example.com"), onGateway("backend", ["istio-system/gw"], "b.example.com")]).codes).not.toContain("HOST_CONFLICT");
    expect(validate([onGateway("frontend", ["mesh"]), onGateway("backend", ["mesh"])]).codes).not.toContain("HOST_CONFLICT");
    expect(validate([onGateway("frontend", ["istio-system/gw"], "*"), onGateway("backend", ["istio-system/gw"], "*")]).codes).not.toContain("HOST_CONFLICT");
  });

  it("Gateway API: gatewayRefs with the Canary's namespace as default", () => {
    const gw = (name: string, ref: Json) =>
      named(name, (c) => {
        c.spec.provider = "gatewayapi:v1";
        c.spec.targetRef.name = name;
        c.spec.service.gatewayRefs = [ref];
        c.spec.service.hosts = ["app.example.com"];
      });
    expect(only(validate([gw("frontend", { name: "public", namespace: "test" }), gw("backend", { name: "public" })]), "HOST_CONFLICT")[0]!.message).toContain("Gateway test/public");
    expect(validate([gw("frontend", { name: "public", namespace: "gateways" }), gw("backend", { name: "public" })]).codes).not.toContain("HOST_CONFLICT");
  });
});

describe("Canaries that split one host with service.match (Flagger FAQ, multiple canaries on the same domain)", () => {
  const onHost = (name: string, match?: Json[], namespace = "test") =>
    named(name, (c) => {
      c.metadata.namespace = namespace;
      c.spec.targetRef.name = name;
      c.spec.service.gateways = ["istio-system/public-gateway"];
      c.spec.service.hosts = ["my-site.com"];
      if (match) c.spec.service.match = match;
    });
  const prefix = (p: string) => [{ uri: { prefix: p } }];

  it("the FAQ's website on / and webapi on /api do not conflict", () => {
    expect(validate([onHost("website", prefix("/")), onHost("webapi", prefix("/api"))]).codes).not.toContain("HOST_CONFLICT");
  });

  it("the same match entry, however its keys are ordered, still conflicts", () => {
    const a = [{ uri: { prefix: "/api" }, method: { exact: "GET" } }];
    const b = [{ method: { exact: "GET" }, uri: { prefix: "/api" } }];
    const findings = only(validate([onHost("a", a), onHost("b", [...prefix("/other"), ...b])]), "HOST_CONFLICT");
    expect(findings).toHaveLength(2);
    expect(findings[0]!.message).toContain("with the same match rule or none");
  });

  it("a Canary without match catches every request, so it conflicts with the ones that have one", () => {
    const findings = only(validate([onHost("catchall"), onHost("api", prefix("/api")), onHost("web", prefix("/web"))]), "HOST_CONFLICT");
    // The catch-all against both; each of the others against the catch-all only.
    const claimedBy = findings.map((f) => /claimed by (.*?) with the same|claimed by (.*?)\. If/.exec(f.message)!.slice(1).find(Boolean)!.replace(/ \(manifests\.yaml:\d+\)/g, ""));
    expect(claimedBy.sort()).toEqual(["api, web", "catchall", "catchall"]);
  });

  it("lists three others and counts the rest, without comparing every pair", () => {
    // 2,000 Canaries on one host: 1,999 with distinct paths and two sharing /shared.
    const files: Record<string, Json[]> = {};
    for (let i = 0; i < 2000; i += 1) files[`apps/a${i}.yaml`] = [onHost(`a${i}`, prefix(i < 2 ? "/shared" : `/p${i}`), `ns${i}`)];
    files["apps/all.yaml"] = [onHost("all")];
    const findings = only(validate(files), "HOST_CONFLICT");
    expect(findings).toHaveLength(2001);
    const catchAll = findings.find((f) => f.message.includes("claimed by a0"))!;
    expect(catchAll.message).toContain("a0 (apps/a0.yaml:1), a1 (apps/a1.yaml:1), a2 (apps/a2.yaml:1) and 1997 more");
    const shared = findings.filter((f) => f.message.includes("claimed by a1 ") || f.message.includes("claimed by all "));
    expect(shared.length).toBeGreaterThan(0);
    expect(findings.filter((f) => / and \d+ more/.test(f.message))).toHaveLength(1);
  });
});

describe("a bucket of many Canaries on one target", () => {
  it("counts the others of each member exactly, copies of one Canary excluded", () => {
    const files: Record<string, Json[]> = {};
    for (let i = 0; i < 50; i += 1) files[`apps/c${i}.yaml`] = [named(`c${i}`)];
    files["clusters/prod/c0.yaml"] = [named("c0")];
    const findings = only(validate(files), "DUPLICATE_TARGET");
    expect(findings).toHaveLength(51);
    // The two copies of c0 see the 49 others; every other Canary sees 50 documents (c0 twice).
    expect(findings.filter((f) => f.message.includes(" and 46 more."))).toHaveLength(2);
    expect(findings.filter((f) => f.message.includes(" and 47 more."))).toHaveLength(49);
  });
});

