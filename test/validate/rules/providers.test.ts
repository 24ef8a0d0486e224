import { describe, expect, it } from "vitest";
import { baseDeployment, canaryWith, only, validate, type Json } from "../support.js";

function withProvider(provider: string | undefined, edit: (spec: Json) => void = () => {}, settings = {}) {
  return validate(
    [
      canaryWith((c) => {
        if (provider === undefined) delete c.spec.provider;
        else c.spec.provider = provider;
        edit(c.spec);
      }),
      baseDeployment(),
    ],
    settings,
  );
}

const INGRESS_REF = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "podinfo" };

describe("provider-specific references (flagger-scheduler.md §2)", () => {
  it.each([
    ["nginx", "INGRESS_REF_MISSING", "ingress selector is empty"],
    ["skipper", "INGRESS_REF_MISSING", "ingress selector is empty"],
    ["apisix", "ROUTE_REF_MISSING", "apisix route selector is empty"],
    ["gatewayapi:v1", "GATEWAY_REFS_MISSING", "GatewayRefs must be specified"],
    ["gatewayapi:v1beta1", "GATEWAY_REFS_MISSING", "GatewayRefs must be specified"],
    ["appmesh", "MESH_NAME_MISSING", "mesh name cannot be empty"],
  ])("%s without its reference: %s, quoting Flagger's error", (provider, code, quote) => {
    const v = withProvider(provider);
    const [finding] = only(v, code);
    expect(finding).toMatchObject({ severity: "error" });
    expect(finding!.message).toContain(quote);
  });

  it("points at spec.provider when it is written", () => {
    expect(only(withProvider("nginx"), "INGRESS_REF_MISSING")[0]).toMatchObject({ path: "spec.provider" });
  });

  it("uses the controller's mesh provider when spec.provider is unset, and says so", () => {
    const v = withProvider(undefined, () => {}, { meshProvider: "nginx" });
    const [finding] = only(v, "INGRESS_REF_MISSING");
    expect(finding).toMatchObject({ path: "spec" });
    expect(finding!.message).toContain("-mesh-provider");
    expect(withProvider(undefined).codes).not.toContain("INGRESS_REF_MISSING");
  });

  it("appmesh:v1beta2 selects the mesh by namespace label and needs no meshName", () => {
    expect(withProvider("appmesh:v1beta2").codes).not.toContain("MESH_NAME_MISSING");
  });

  it("is satisfied by the reference", () => {
    expect(withProvider("nginx", (s) => (s.ingressRef = INGRESS_REF)).codes).toEqual(["INGRESS_NOT_FOUND"]);
    expect(withProvider("gatewayapi:v1", (s) => (s.service.gatewayRefs = [{ name: "public", namespace: "gateways" }])).findings).toEqual([]);
  });
});

describe("references the provider ignores", () => {
  it("ingressRef on traefik (the corpus' questionable iamfreelancercm Canary)", () => {
    const v = withProvider("traefik", (s) => (s.ingressRef = INGRESS_REF));
    expect(v.findings).toEqual([expect.objectContaining({ code: "REF_IGNORED_BY_PROVIDER", severity: "warning", path: "spec.ingressRef" })]);
  });

  it("ingressRef is not ignored when a query renders {{ ingress }}", () => {
    const v = withProvider("traefik", (s) => {
      s.ingressRef = INGRESS_REF;
      s.analysis.metrics.push({ name: "errors", query: 'sum(rate(x{ingress="{{ ingress }}"}[{{ interval }}]))', thresholdRange: { max: 1 }, interval: "1m" });
    });
    expect(v.codes).toEqual([]);
  });

  it("gatewayRefs on istio", () => {
    expect(withProvider("istio", (s) => (s.service.gatewayRefs = [{ name: "public" }])).codes).toEqual(["REF_IGNORED_BY_PROVIDER"]);
  });

  it("when the provider is only Flagger's default mesh provider, the advice is to configure it, not to remove the reference", () => {
    const [byDefault] = only(withProvider(undefined, (s) => (s.ingressRef = INGRESS_REF)), "REF_IGNORED_BY_PROVIDER");
    expect(byDefault!.message).toContain("set `controller.meshProvider` in .github/canary-bot.yml");
    expect(byDefault!.message).not.toMatch(/\. Remove it/);
    const [configured] = only(withProvider(undefined, (s) => (s.ingressRef = INGRESS_REF), { meshProvider: "linkerd" }), "REF_IGNORED_BY_PROVIDER");
    expect(configured!.message).toContain("Remove it, or set spec.provider");
    const [explicit] = only(withProvider("istio", (s) => (s.ingressRef = INGRESS_REF)), "REF_IGNORED_BY_PROVIDER");
    expect(explicit!.message).not.toContain("controller.meshProvider");
  });
});

describe("NGINX keeps the last header of analysis.match (IngressRouter.SetRoutes)", () => {
  const nginx = (match: Json[]) =>
    withProvider("nginx", (s) => {
      s.ingressRef = INGRESS_REF;
      delete s.analysis.stepWeight;
      delete s.analysis.maxWeight;
      s.analysis.iterations = 10;
      s.analysis.match = match;
    });

  it("several header conditions: one warning naming the one that survives", () => {
    const [finding] = only(nginx([{ headers: { "x-canary": { exact: "insider" } } }, { headers: { "x-beta": { exact: "1" } } }]), "NGINX_MATCH_LAST_ONLY");
    expect(finding).toMatchObject({ severity: "warning", path: "spec.analysis.match" });
    expect(finding!.message).toContain("Of the 2 header conditions only one routes to the canary (`x-beta`, the last one)");
  });

  it("two headers in one entry: Go's map order decides", () => {
    const [finding] = only(nginx([{ headers: { "x-canary": { exact: "insider" }, "x-beta": { exact: "1" } } }]), "NGINX_MATCH_LAST_ONLY");
    expect(finding!.message).toContain("Go's map order picks one at random");
  });

  it("one header and one cookie are what NGINX supports: no warning", () => {
    expect(nginx([{ headers: { "x-canary": { exact: "insider" } } }, { headers: { cookie: { exact: "canary" } } }]).codes).not.toContain("NGINX_MATCH_LAST_ONLY");
  });

  it("other providers are not concerned", () => {
    const istio = withProvider("istio", (s) => {
      s.analysis.match = [{ headers: { a: { exact: "1" } } }, { headers: { b: { exact: "2" } } }];
      s.analysis.iterations = 10;
      delete s.analysis.stepWeight;
      delete s.analysis.maxWeight;
    });
    expect(istio.codes).not.toContain("NGINX_MATCH_LAST_ONLY");
  });
});

describe("A/B matching (§2)", () => {
  const ab = (s: Json) => {
    delete s.analysis.stepWeight;
    delete s.analysis.maxWeight;
    s.analysis.iterations = 10;
    s.analysis.match = [{ headers: { "x-canary": { prefix: "insider" } } }];
  };

  it.each(["linkerd", "smi:v1alpha3", "osm", "kuma", "skipper", "traefik", "apisix"])("%s ignores match: all traffic goes to the canary", (provider) => {
    const v = withProvider(provider, ab);
    expect(only(v, "AB_MATCH_IGNORED_BY_PROVIDER")).toEqual([expect.objectContaining({ severity: "error", path: "spec.analysis.match" })]);
  });

  it.each(["istio", "contour", "gloo", "nginx", "appmesh:v1beta2"])("%s routes on match", (provider) => {
    expect(withProvider(provider, (s) => {
      ab(s);
      s.ingressRef = INGRESS_REF;
      s.service.meshName = "global";
    }).codes).not.toContain("AB_MATCH_IGNORED_BY_PROVIDER");
  });

  it("Gateway API cannot express a prefix header match: all traffic to the canary", () => {
    const v = withProvider("gatewayapi:v1", (s) => {
      ab(s);
      s.service.gatewayRefs = [{ name: "public", namespace: "gateways" }];
    });
    expect(v.findings).toEqual([expect.objectContaining({ code: "AB_MATCH_UNSUPPORTED_BY_GATEWAY_API", severity: "error", path: "spec.analysis.match[0].headers.x-canary" })]);
  });

  it("Gateway API with an exact or regex header match is fine", () => {
    const v = withProvider("gatewayapi:v1", (s) => {
      ab(s);
      s.analysis.match = [{ headers: { "x-canary": { exact: "insider" } } }, { queryParams: { canary: { regex: "^y" } } }];
      s.service.gatewayRefs = [{ name: "public", namespace: "gateways" }];
    });
    expect(v.findings).toEqual([]);
  });

  it("Gateway API fails to build the HTTPRoute for a prefix header in service.match", () => {
    const v = withProvider("gatewayapi:v1", (s) => {
      s.service.gatewayRefs = [{ name: "public", namespace: "gateways" }];
      s.service.match = [{ headers: { "x-env": { prefix: "prod" } } }];
    });
    expect(v.findings).toEqual([expect.objectContaining({ code: "AB_MATCH_UNSUPPORTED_BY_GATEWAY_API", path: "spec.service.match[0].headers.x-env" })]);
  });
});

describe("the kubernetes provider (§2 advanceCanary)", () => {
  it("drops match", () => {
    const v = withProvider("kubernetes", (s) => {
      delete s.analysis.stepWeight;
      delete s.analysis.maxWeight;
      s.analysis.iterations = 5;
      s.analysis.match = [{ headers: { "x-canary": { exact: "1" } } }];
    });
    expect(v.findings).toEqual([expect.objectContaining({ code: "KUBERNETES_MATCH_DROPPED", severity: "warning" })]);
  });

  it("runs blue/green with 10 iterations instead of stepWeights", () => {
    const v = withProvider("kubernetes", (s) => {
      delete s.analysis.stepWeight;
      delete s.analysis.maxWeight;
      s.analysis.stepWeights = [10, 20];
    });
    expect(v.findings).toEqual([expect.objectContaining({ code: "KUBERNETES_BLUE_GREEN_COERCED", severity: "warning", path: "spec.analysis.stepWeights" })]);
  });

  it("is quiet with iterations", () => {
    expect(withProvider("kubernetes", (s) => {
      delete s.analysis.stepWeight;
      delete s.analysis.maxWeight;
      s.analysis.iterations = 5;
    }).findings).toEqual([]);
  });
});

describe("mirroring (§2, §3.3)", () => {
  const blueGreen = (s: Json) => {
    delete s.analysis.stepWeight;
    delete s.analysis.maxWeight;
    s.analysis.iterations = 10;
    s.analysis.mirror = true;
  };

  it("blue/green mirroring works on istio and gatewayapi", () => {
    expect(withProvider("istio", blueGreen).findings).toEqual([]);
    expect(withProvider("gatewayapi:v1", (s) => {
      blueGreen(s);
      s.service.gatewayRefs = [{ name: "public" }];
    }).findings).toEqual([]);
  });

  it("blue/green mirroring is ignored elsewhere", () => {
    expect(withProvider("linkerd", blueGreen).findings).toEqual([expect.objectContaining({ code: "MIRROR_IGNORED_BY_PROVIDER", severity: "warning", path: "spec.analysis.mirror" })]);
  });

  it("progressive mirroring works only on Istio HTTP", () => {
    const mirror = (s: Json) => (s.analysis.mirror = true);
    expect(withProvider("istio", mirror).findings).toEqual([]);
    expect(withProvider("linkerd", mirror).findings).toEqual([expect.objectContaining({ code: "MIRROR_STALLS_PROGRESSIVE", severity: "error" })]);
    expect(withProvider("gatewayapi:v1", (s) => {
      mirror(s);
      s.service.gatewayRefs = [{ name: "public" }];
    }).codes).toEqual(["MIRROR_STALLS_PROGRESSIVE"]);
    expect(withProvider("istio", (s) => {
      mirror(s);
      s.service.appProtocol = "TCP";
    }).codes).toEqual(["MIRROR_STALLS_PROGRESSIVE"]);
  });

  it("mirrorWeight is Istio-only and needs mirror", () => {
    expect(withProvider("linkerd", (s) => (s.analysis.mirrorWeight = 50)).codes).toEqual(["MIRROR_WEIGHT_IGNORED"]);
    expect(withProvider("istio", (s) => (s.analysis.mirrorWeight = 50)).codes).toEqual(["MIRROR_WEIGHT_IGNORED"]);
    expect(withProvider("istio", (s) => {
      blueGreen(s);
      s.analysis.mirrorWeight = 50;
    }).findings).toEqual([]);
  });
});

describe("Istio delegation (§1.2)", () => {
  it("a delegate with hosts never reconciles", () => {
    const v = withProvider("istio", (s) => {
      s.service.delegation = true;
      s.service.hosts = ["app.example.com"];
    });
    expect(v.findings).toEqual([expect.objectContaining({ code: "DELEGATION_WITH_HOSTS", severity: "error", path: "spec.service.hosts" })]);
  });
});

describe("Knative (§2 verifyKnativeCanary)", () => {
  const knative = (s: Json) => {
    s.targetRef = { apiVersion: "serving.knative.dev/v1", kind: "Service", name: "podinfo" };
    delete s.service;
  };

  it("a Knative target needs spec.provider knative; the controller flag does not count", () => {
    // The base Deployment podinfo is among the files: Flagger would look for a Knative Service.
    expect(withProvider("knative", knative).codes).toEqual(["TARGET_KIND_MISMATCH"]);
    const unset = withProvider(undefined, knative, { meshProvider: "knative" });
    expect(only(unset, "KNATIVE_PROVIDER_MISMATCH")).toEqual([expect.objectContaining({ severity: "error", path: "spec.targetRef.apiVersion" })]);
    expect(withProvider("istio", knative).codes).toContain("KNATIVE_PROVIDER_MISMATCH");
  });

  it("provider knative needs a Knative target", () => {
    expect(only(withProvider("knative"), "KNATIVE_PROVIDER_MISMATCH")).toEqual([expect.objectContaining({ path: "spec.targetRef.kind" })]);
  });

  it("a Knative target with an autoscaler is refused", () => {
    const v = withProvider("knative", (s) => {
      knative(s);
      s.autoscalerRef = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name: "podinfo" };
    });
    expect(only(v, "KNATIVE_WITH_AUTOSCALER")).toEqual([expect.objectContaining({ severity: "error", path: "spec.autoscalerRef" })]);
  });
});

describe("the built-in metrics observer (§6.1)", () => {
  it("a linkerd mesh provider overrides spec.provider for built-in metrics", () => {
    const v = withProvider("nginx", (s) => (s.ingressRef = INGRESS_REF), { meshProvider: "linkerd" });
    expect(only(v, "BUILTIN_METRICS_PROVIDER_OVERRIDDEN")).toEqual([expect.objectContaining({ severity: "warning", path: "spec.provider" })]);
    expect(withProvider("nginx", (s) => (s.ingressRef = INGRESS_REF)).codes).not.toContain("BUILTIN_METRICS_PROVIDER_OVERRIDDEN");
  });

  it("a Service target falls back to Istio queries unless the provider is appmesh, gloo, gatewayapi or istio", () => {
    const service = (s: Json) => (s.targetRef = { apiVersion: "v1", kind: "Service", name: "podinfo" });
    expect(only(withProvider("linkerd", service), "SERVICE_TARGET_METRICS_FALLBACK")).toEqual([expect.objectContaining({ severity: "warning", path: "spec.targetRef.kind" })]);
    expect(withProvider("istio", service).codes).not.toContain("SERVICE_TARGET_METRICS_FALLBACK");
    expect(withProvider("gloo", service).codes).not.toContain("SERVICE_TARGET_METRICS_FALLBACK");
  });
});
