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
