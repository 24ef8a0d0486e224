/** The Services, primary workload and autoscaler every provider gets (flagger-routing.md §1–§3). */
import { describe, expect, it } from "vitest";
import { canary, DEPLOYMENT, find, generate, MARKERS, OWNER } from "./helpers.js";

const ports = [
  { name: "http", protocol: "TCP", port: 80, targetPort: "http", appProtocol: "http" },
  { name: "metrics", protocol: "TCP", port: 9797, targetPort: 9797 },
  { name: "tcp-app-2", protocol: "TCP", port: 9999, targetPort: 9999 },
];
const discovering = canary({ service: "    port: 80\n    targetPort: http\n    portDiscovery: true\n    appProtocol: http" }) + DEPLOYMENT;

describe("the three Services (flagger-routing.md §2)", () => {
  it("apex: selector on the primary pods, label under the selector key with its own name, ports discovered (§1.2, §1.3, §1.4)", () => {
    expect(find(generate(discovering), "Service", "podinfo")).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "podinfo", namespace: "test", labels: { "app.kubernetes.io/name": "podinfo" }, annotations: MARKERS, ownerReferences: [OWNER] },
      spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": "podinfo-app-primary" }, ports },
    });
  });

  it("canary: selects the target's own pods with the selector's value, not the Deployment's name (§1.2)", () => {
    expect(find(generate(discovering), "Service", "podinfo-canary")).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "podinfo-canary", namespace: "test", labels: { "app.kubernetes.io/name": "podinfo-canary" }, annotations: MARKERS, ownerReferences: [OWNER] },
      spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": "podinfo-app" }, ports },
    });
  });

  it("primary: portName defaults to http, targetPort to port; headless, trafficDistribution and custom metadata (§1.3, §1.4)", () => {
    const generated = generate(
      canary({ service: "    port: 9898\n    headless: true\n    trafficDistribution: PreferClose\n    primary:\n      labels: {tier: web, app: overwritten}\n      annotations: {note: kept}" }),
    );
    expect(find(generated, "Service", "podinfo-primary")).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "podinfo-primary", namespace: "test", labels: { tier: "web", app: "podinfo-primary" }, annotations: { note: "kept", ...MARKERS }, ownerReferences: [OWNER] },
      spec: { type: "ClusterIP", selector: { app: "podinfo-primary" }, ports: [{ name: "http", protocol: "TCP", port: 9898, targetPort: 9898 }], clusterIP: "None", trafficDistribution: "PreferClose" },
    });
    // The target is not among the files: the first selector key is assumed, and said so.
    expect(generated.notes[0]).toContain("is not in the repository: the selector label is assumed to be app: podinfo");
  });

  it("service.name names the Services; targetRef.name names the workload (§1.1)", () => {
    const generated = generate(canary({ service: "    name: web\n    port: 80" }) + DEPLOYMENT);
    expect(generated.resources.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual([
      "Service/web",
      "Service/web-primary",
      "Service/web-canary",
      "Deployment/podinfo-primary",
      "ConfigMap/podinfo-config-primary",
      "DestinationRule/web-canary",
      "DestinationRule/web-primary",
      "VirtualService/web",
    ]);
  });

  it("a target whose selector has none of the selector labels gets nothing, with Flagger's error (§1.2)", () => {
    const generated = generate(canary() + DEPLOYMENT.replace("matchLabels: {app.kubernetes.io/name: podinfo-app, other: x}", "matchLabels: {other: x}"));
    expect(generated.resources.filter((r) => r.kind === "Service" || r.kind === "Deployment")).toEqual([]);
    expect(generated.notes[0]).toContain("spec.selector.matchLabels must contain one of");
  });
});

describe("the primary workload (flagger-routing.md §3.1)", () => {
  it("primary Deployment: filtered metadata, selector on the primary value, flagger-id, configs renamed, anti-affinity pointed at the primary", () => {
    expect(find(generate(discovering), "Deployment", "podinfo-primary")).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "podinfo-primary", namespace: "test", labels: { "app.kubernetes.io/name": "podinfo-app-primary" }, annotations: { owner: "web" }, ownerReferences: [OWNER] },
      spec: {
        replicas: 2,
        minReadySeconds: 3,
        selector: { matchLabels: { "app.kubernetes.io/name": "podinfo-app-primary" } },
        template: {
          metadata: { labels: { "app.kubernetes.io/name": "podinfo-app-primary", other: "x" }, annotations: { "prometheus.io/scrape": "true", "flagger-id": "<random UUID, new on every promotion>" } },
          spec: {
            containers: [
              {
                name: "app",
                image: "podinfo:1",
                ports: [{ name: "http", containerPort: 9898 }, { name: "metrics", containerPort: 9797 }, { containerPort: 9999 }],
                envFrom: [{ configMapRef: { name: "podinfo-env" } }],
              },
              { name: "istio-proxy", image: "proxy", ports: [{ name: "admin", containerPort: 15000 }] },
            ],
            volumes: [{ name: "config", configMap: { name: "podinfo-config-primary" } }],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "podinfo-primary" } } } },
                ],
              },
            },
          },
        },
      },
    });
  });

  it("tracked ConfigMaps in the repository are copied to -primary (§3.1 config tracking)", () => {
    expect(find(generate(discovering), "ConfigMap", "podinfo-config-primary")).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "podinfo-config-primary", namespace: "test", ownerReferences: [OWNER] },
      data: { a: "1" },
    });
  });

  it("primary DaemonSet: no replicas, updateStrategy copied", () => {
    const daemonSet = `---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: podinfo, namespace: test}
spec:
  updateStrategy: {type: RollingUpdate}
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers: [{name: app, image: podinfo:1}]
`;
    const generated = generate(canary().replace("kind: Deployment", "kind: DaemonSet") + daemonSet);
    expect(find(generated, "DaemonSet", "podinfo-primary")).toEqual({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "podinfo-primary", namespace: "test", labels: { app: "podinfo-primary" }, ownerReferences: [OWNER] },
      spec: {
        updateStrategy: { type: "RollingUpdate" },
        selector: { matchLabels: { app: "podinfo-primary" } },
        template: { metadata: { labels: { app: "podinfo-primary" }, annotations: { "flagger-id": "<random UUID, new on every promotion>" } }, spec: { containers: [{ name: "app", image: "podinfo:1" }] } },
      },
    });
  });
});

describe("the primary autoscaler (flagger-routing.md §3.3)", () => {
  const autoscalerRef = (kind: string) => `  autoscalerRef:\n    apiVersion: ${kind === "ScaledObject" ? "keda.sh/v1alpha1" : "autoscaling/v2"}\n    kind: ${kind}\n    name: podinfo\n`;

  it("primary HPA: scale target renamed, min/max/metrics/behavior copied, primaryScalerReplicas override", () => {
    const hpa = `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: podinfo, namespace: test, labels: {team: web, kustomize.toolkit.fluxcd.io/name: apps}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
`;
    const generated = generate(canary({ spec: `${autoscalerRef("HorizontalPodAutoscaler")}    primaryScalerReplicas: {maxReplicas: 10}\n` }) + DEPLOYMENT + hpa);
    expect(find(generated, "HorizontalPodAutoscaler", "podinfo-primary")).toEqual({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "podinfo-primary", namespace: "test", labels: { team: "web" }, ownerReferences: [OWNER] },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo-primary" },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }],
      },
    });
  });

  it("primary ScaledObject: scale target and trigger queries point at the primary", () => {
    const scaledObject = `---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: podinfo, namespace: test}
spec:
  scaleTargetRef: {name: podinfo}
  advanced: {horizontalPodAutoscalerConfig: {name: podinfo-hpa}}
  triggers:
    - type: prometheus
      metadata:
        query: sum(rate(http_requests_total{app="podinfo"}[1m]))
`;
    const generated = generate(canary({ spec: autoscalerRef("ScaledObject") }) + DEPLOYMENT + scaledObject);
    expect(find(generated, "ScaledObject", "podinfo-primary")).toEqual({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: "podinfo-primary", namespace: "test", ownerReferences: [OWNER] },
      spec: {
        scaleTargetRef: { name: "podinfo-primary" },
        advanced: { horizontalPodAutoscalerConfig: { name: "podinfo-hpa-primary" } },
        triggers: [{ type: "prometheus", metadata: { query: 'sum(rate(http_requests_total{app="podinfo-primary"}[1m]))' } }],
      },
    });
  });

  it("an autoscaler outside the repository is a note, not a guess", () => {
    const generated = generate(canary({ spec: autoscalerRef("HorizontalPodAutoscaler") }) + DEPLOYMENT);
    expect(generated.resources.some((r) => r.kind === "HorizontalPodAutoscaler")).toBe(false);
    expect(generated.notes).toContain("The HorizontalPodAutoscaler podinfo is not in the repository: its primary copy podinfo-primary is not shown.");
  });
});
