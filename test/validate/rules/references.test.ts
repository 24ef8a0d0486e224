import { describe, expect, it } from "vitest";
import { baseCanary, baseDeployment, canaryWith, only, validate, type Json } from "../support.js";

function deploymentWith(edit: (d: Json) => void): Json {
  const d = baseDeployment();
  edit(d);
  return d;
}

describe("spec.service (flagger-scheduler.md §1.0, flagger-routing.md §1.3)", () => {
  it("a Deployment target without service gets Services with port 0", () => {
    const v = validate([canaryWith((c) => delete c.spec.service), baseDeployment()]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "SERVICE_MISSING", severity: "error", path: "spec", line: 6, column: 1 })]);
  });

  it("a Service target needs no service block (no-op Kubernetes router)", () => {
    const v = validate([canaryWith((c) => {
      delete c.spec.service;
      c.spec.targetRef = { apiVersion: "v1", kind: "Service", name: "podinfo" };
    })]);
    expect(v.codes).not.toContain("SERVICE_MISSING");
  });

  it.each([
    [(c: Json) => (c.spec.service.port = 70000), "spec.service.port"],
    [(c: Json) => (c.spec.service.port = 0), "spec.service.port"],
    [(c: Json) => (c.spec.service.targetPort = 70000), "spec.service.targetPort"],
    [(c: Json) => (c.spec.service.targetPort = "http_port"), "spec.service.targetPort"],
    [(c: Json) => (c.spec.service.targetPort = "a-very-long-port-name"), "spec.service.targetPort"],
  ])("an invalid port (%#)", (edit, path) => {
    expect(only(validate([canaryWith(edit), baseDeployment()]), "SERVICE_PORT_INVALID")).toEqual([expect.objectContaining({ severity: "error", path })]);
  });
});

describe("names Flagger derives (flagger-routing.md §1.1)", () => {
  it("<apex>-canary must be a DNS-1035 label of at most 63 characters", () => {
    const long = "a".repeat(58);
    const v = validate([canaryWith((c) => (c.spec.service.name = long))]);
    expect(only(v, "DERIVED_NAME_INVALID")).toEqual([expect.objectContaining({ severity: "error", path: "spec.service.name" })]);
    expect(only(v, "DERIVED_NAME_INVALID")[0]!.message).toContain(`${long}-primary`);
  });

  it("a Service name must start with a letter", () => {
    expect(only(validate([canaryWith((c) => (c.spec.targetRef.name = "1podinfo"))]), "DERIVED_NAME_INVALID")).toEqual([expect.objectContaining({ path: "spec.targetRef.name" })]);
  });

  it("the primary selector value must stay a valid label value", () => {
    const value = "p".repeat(60);
    const v = validate([baseCanary(), deploymentWith((d) => {
      d.spec.selector.matchLabels.app = value;
      d.spec.template.metadata.labels.app = value;
    })]);
    expect(only(v, "DERIVED_NAME_INVALID")[0]!.message).toContain(`app: ${value}-primary`);
  });
});

describe("the target workload", () => {
  it("not among the files: a notice", () => {
    expect(validate([baseCanary()]).findings).toEqual([expect.objectContaining({ code: "TARGET_NOT_FOUND", severity: "notice", path: "spec.targetRef.name" })]);
  });

  it("the same name with another kind", () => {
    const daemonSet = deploymentWith((d) => (d.kind = "DaemonSet"));
    expect(validate([baseCanary(), daemonSet]).findings).toEqual([expect.objectContaining({ code: "TARGET_KIND_MISMATCH", severity: "warning", path: "spec.targetRef.kind" })]);
  });

  it("in another namespace it is not the target", () => {
    expect(validate([baseCanary(), deploymentWith((d) => (d.metadata.namespace = "prod"))]).codes).toEqual(["TARGET_NOT_FOUND"]);
  });

  it("without any of the controller's selector labels", () => {
    const d = deploymentWith((x) => {
      x.spec.selector.matchLabels = { component: "podinfo" };
      x.spec.template.metadata.labels = { component: "podinfo" };
    });
    const v = validate([baseCanary(), d]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "SELECTOR_LABEL_MISSING", severity: "error", path: "spec.targetRef.name" })]);
    expect(v.findings[0]!.message).toContain("`component`");
  });

  it("uses the controller's selectorLabels setting, not Flagger's defaults", () => {
    const d = deploymentWith((x) => {
      x.spec.selector.matchLabels = { component: "podinfo" };
      x.spec.template.metadata.labels = { component: "podinfo" };
    });
    expect(validate([baseCanary(), d], { selectorLabels: ["component"] }).findings).toEqual([]);
    expect(validate([baseCanary(), baseDeployment()], { selectorLabels: ["component"] }).codes).toEqual(["SELECTOR_LABEL_MISSING"]);
  });

  it("checks a DaemonSet target the same way", () => {
    const ds = deploymentWith((x) => {
      x.kind = "DaemonSet";
      x.spec.selector.matchLabels = { tier: "x" };
    });
    expect(validate([canaryWith((c) => (c.spec.targetRef.kind = "DaemonSet")), ds]).codes).toEqual(["SELECTOR_LABEL_MISSING"]);
  });

  it("a named targetPort that no container port has", () => {
    const v = validate([canaryWith((c) => (c.spec.service.targetPort = "grpc")), baseDeployment()]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "TARGET_PORT_NOT_FOUND", severity: "error", path: "spec.service.targetPort" })]);
    expect(v.findings[0]!.message).toContain("http (9898)");
  });

  it("a named targetPort that a container has", () => {
    expect(validate([canaryWith((c) => (c.spec.service.targetPort = "http")), baseDeployment()]).findings).toEqual([]);
  });

  it("a numeric port the containers do not declare; no targetPort means service.port", () => {
    expect(validate([canaryWith((c) => (c.spec.service.targetPort = 8080)), baseDeployment()]).findings).toEqual([
      expect.objectContaining({ code: "SERVICE_PORT_NOT_DECLARED", severity: "warning", path: "spec.service.targetPort" }),
    ]);
    expect(validate([canaryWith((c) => {
      c.spec.service = { port: 80 };
    }), baseDeployment()]).findings).toEqual([expect.objectContaining({ code: "SERVICE_PORT_NOT_DECLARED", path: "spec.service.port" })]);
  });

  it("says nothing about ports when the containers declare none", () => {
    expect(validate([canaryWith((c) => (c.spec.service.targetPort = 8080)), deploymentWith((d) => delete d.spec.template.spec.containers[0].ports)]).findings).toEqual([]);
  });
});

describe("other references", () => {
  it("autoscaler not among the files", () => {
    const v = validate([canaryWith((c) => (c.spec.autoscalerRef = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name: "podinfo" })), baseDeployment()]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "AUTOSCALER_NOT_FOUND", severity: "notice", path: "spec.autoscalerRef.name" })]);
    const hpa = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "podinfo", namespace: "test" }, spec: {} };
    expect(validate([canaryWith((c) => (c.spec.autoscalerRef = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name: "podinfo" })), baseDeployment(), hpa]).findings).toEqual([]);
  });

  const nginx = (c: Json) => {
    c.spec.provider = "nginx";
    c.spec.ingressRef = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "podinfo" };
  };
  const ingress = (service: string): Json => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "podinfo", namespace: "test" },
    spec: { rules: [{ host: "app.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: 9898 } } } }] } }] },
  });

  it("an NGINX Ingress whose backend is the apex Service", () => {
    expect(validate([canaryWith(nginx), baseDeployment(), ingress("podinfo")]).findings).toEqual([]);
  });

  it("an NGINX Ingress without the apex Service as backend", () => {
    const v = validate([canaryWith(nginx), baseDeployment(), ingress("frontend")]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "INGRESS_BACKEND_MISSING", severity: "error", path: "spec.ingressRef.name" })]);
    expect(v.findings[0]!.message).toContain("backend podinfo not found in ingress podinfo");
  });

  it("an NGINX Ingress not among the files", () => {
    expect(validate([canaryWith(nginx), baseDeployment()]).codes).toEqual(["INGRESS_NOT_FOUND"]);
  });
});

describe("-no-cross-namespace-refs (§2 verifyNoCrossNamespaceRefs)", () => {
  const crossNamespace = (c: Json) => {
    c.spec.analysis.metrics = [{ name: "errors", templateRef: { name: "errors", namespace: "istio-system" }, thresholdRange: { max: 1 }, interval: "1m" }];
    c.spec.analysis.alerts = [{ name: "a", severity: "info", providerRef: { name: "slack", namespace: "test" } }];
  };

  it("is silent when the setting is off", () => {
    expect(validate([canaryWith(crossNamespace), baseDeployment()]).codes).not.toContain("CROSS_NAMESPACE_REF");
  });

  it("rejects a template in another namespace when it is on", () => {
    const v = validate([canaryWith(crossNamespace), baseDeployment()], { noCrossNamespaceRefs: true });
    expect(only(v, "CROSS_NAMESPACE_REF")).toEqual([expect.objectContaining({ severity: "error", path: "spec.analysis.metrics[0].templateRef.namespace" })]);
  });
});
