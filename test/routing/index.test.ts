/** The dispatcher: Kubernetes objects plus the provider's routing objects (docs/flagger-routing.md §0, §2). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { parseManifestFile } from "../../src/canary/parse.js";
import { buildRepositoryIndex, resolveCanary } from "../../src/canary/resolve.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { generateRoutingResources } from "../../src/routing/index.js";
import type { RouteWeights } from "../../src/routing/types.js";
import { renderResourcesYaml } from "../../src/routing/yaml.js";
import { canary, DEPLOYMENT, generate, MARKERS, OWNER } from "./helpers.js";

const CORPUS = join(import.meta.dirname, "../../../shared/corpus/canaries");
const kinds = (yaml: string, routes?: RouteWeights) => generate(yaml, routes ? { routes } : {}).resources.map((r) => `${r.kind}/${r.metadata.name}`);

describe("generateRoutingResources (flagger-routing.md §0)", () => {
  it("§0, §2: Services first, then the primary workload and its configs, then the provider's objects in Reconcile order", () => {
    expect(kinds(canary() + DEPLOYMENT)).toEqual([
      "Service/podinfo",
      "Service/podinfo-primary",
      "Service/podinfo-canary",
      "ConfigMap/podinfo-config-primary",
      "Deployment/podinfo-primary",
      "DestinationRule/podinfo-canary",
      "DestinationRule/podinfo-primary",
      "VirtualService/podinfo",
    ]);
  });

  it("§0: the whole result names the Canary and its provider, and carries the generators' notes", () => {
    const generated = generate(canary({ spec: "  provider: kubernetes\n" }));
    expect(generated).toEqual({
      name: "podinfo",
      namespace: "test",
      provider: "kubernetes",
      resources: (["podinfo", "podinfo-primary", "podinfo-canary"] as const).map((name) => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace: "test", labels: { app: name }, annotations: MARKERS, ownerReferences: [OWNER] },
        spec: { type: "ClusterIP", selector: { app: name === "podinfo-canary" ? "podinfo" : "podinfo-primary" }, ports: [{ name: "http", protocol: "TCP", port: 9898, targetPort: 9898 }] },
      })),
      notes: ["The target podinfo is not in the repository: the selector label is assumed to be app: podinfo, and discovered ports and the primary workload are not shown."],
    });
  });

  it("§0: each provider family goes to its generator; -mesh-provider applies when spec.provider is absent", () => {
    const tail = (provider: string) => kinds(canary({ spec: `  provider: ${provider}\n` })).slice(3);
    expect(tail("istio")).toEqual(["DestinationRule/podinfo-canary", "DestinationRule/podinfo-primary", "VirtualService/podinfo"]);
    expect(tail("linkerd")).toEqual(["TrafficSplit/podinfo"]);
    expect(tail("osm")).toEqual(["TrafficSplit/podinfo"]);
    expect(tail("smi:v1alpha3")).toEqual(["TrafficSplit/podinfo"]);
    expect(tail("contour")).toEqual(["HTTPProxy/podinfo"]);
    expect(tail("kubernetes")).toEqual([]);
    const settings = { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "linkerd" };
    expect(generate(canary(), { settings }).resources.map((r) => r.kind).slice(3)).toEqual(["TrafficSplit"]);
  });

  it("§0: an unknown provider (here from -mesh-provider; the CRD's enum keeps it out of spec.provider) falls back to Istio, and a note says so", () => {
    const generated = generate(canary(), { settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "istio-ambient" } });
    expect(generated.provider).toBe("istio-ambient");
    expect(generated.resources.map((r) => r.kind).slice(3)).toEqual(["DestinationRule", "DestinationRule", "VirtualService"]);
    expect(generated.notes).toContain("Provider istio-ambient is not one Flagger knows: its router factory falls back to Istio, shown here.");
  });

  it("§0: families canary-bot does not render get a note, never silence", () => {
    for (const provider of ["appmesh", "appmesh:v1beta2", "gloo", "kuma", "skipper", "traefik", "apisix", "knative"]) {
      const generated = generate(canary({ spec: `  provider: ${provider}\n` }));
      expect({ provider, kinds: generated.resources.map((r) => r.kind) }).toEqual({ provider, kinds: ["Service", "Service", "Service"] });
      expect(generated.notes).toContain(`The ${provider} routing objects are not rendered yet: only the Services and the primary workload are shown.`);
    }
  });

  it("§2 (factory.go): a Service target gets no Services from the Kubernetes router, but the mesh router still writes its objects", () => {
    const generated = generate(canary().replace("apiVersion: apps/v1\n    kind: Deployment", "apiVersion: v1\n    kind: Service"));
    expect(generated.resources.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual(["DestinationRule/podinfo-canary", "DestinationRule/podinfo-primary", "VirtualService/podinfo"]);
    expect(generated.notes[0]).toContain("its Service controller copies the target Service podinfo to podinfo-primary and podinfo-canary");
  });
});

describe("every corpus Canary generates without throwing (flagger-routing.md §0, §8)", () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));

  it("each file alone, on initialization and after SetRoutes(50, 50, mirrored)", () => {
    expect(files.length).toBeGreaterThan(100);
    let canaries = 0;
    for (const name of files) {
      const file = parseManifestFile({ path: name, content: readFileSync(join(CORPUS, name), "utf8") });
      const index = buildRepositoryIndex([file]);
      for (const model of index.canaries) {
        const resolved = resolveCanary({ canary: model, index, settings: DEFAULT_CONTROLLER_SETTINGS });
        for (const routes of [undefined, { primaryWeight: 50, canaryWeight: 50, mirrored: true }]) {
          const generated = generateRoutingResources({ resolved, settings: DEFAULT_CONTROLLER_SETTINGS, ...(routes ? { routes } : {}) });
          // Something is always said or shown, and it prints.
          expect({ name, empty: generated.resources.length + generated.notes.length === 0 }).toEqual({ name, empty: false });
          expect(() => renderResourcesYaml(generated.resources)).not.toThrow();
        }
        canaries++;
      }
    }
    expect(canaries).toBeGreaterThan(100);
  });

  it("arbitrary values in any spec field never make a generator throw (fast-check)", () => {
    const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -5, max: 200 }), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }), fc.dictionary(fc.constantFrom("name", "port", "headers", "uri", "exact"), fc.string({ maxLength: 4 }), { maxKeys: 2 }));
    const service = fc.dictionary(
      fc.constantFrom("name", "port", "targetPort", "portName", "portDiscovery", "appProtocol", "gateways", "hosts", "match", "rewrite", "retries", "headers", "corsPolicy", "trafficPolicy", "delegation", "timeout", "apex", "primary", "canary", "gatewayRefs", "headless"),
      value,
      { maxKeys: 6 },
    );
    const analysis = fc.dictionary(fc.constantFrom("interval", "iterations", "match", "mirror", "mirrorWeight", "sessionAffinity", "stepWeight"), fc.oneof(value, fc.constant({ cookieName: "c", primaryCookieName: "p" })), { maxKeys: 4 });
    const provider = fc.constantFrom("istio", "gatewayapi:v1", "nginx", "linkerd", "contour", "kubernetes", "kuma", "bogus");
    const routes = fc.option(fc.record({ primaryWeight: fc.integer({ min: 0, max: 100 }), mirrored: fc.boolean() }).map((r) => ({ ...r, canaryWeight: 100 - r.primaryWeight })), { nil: undefined });
    fc.assert(
      fc.property(service, analysis, provider, routes, (serviceSpec, analysisSpec, providerName, weights) => {
        const yaml = stringify({
          apiVersion: "flagger.app/v1beta1",
          kind: "Canary",
          metadata: { name: "podinfo", namespace: "test" },
          spec: { provider: providerName, targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" }, service: serviceSpec, analysis: analysisSpec },
        });
        const generated = generate(yaml + DEPLOYMENT, weights ? { routes: weights } : {});
        expect(generated.name).toBe("podinfo");
        renderResourcesYaml(generated.resources);
      }),
      { numRuns: 200 },
    );
  });
});
