/** The Services, primary workload and autoscaler every provider gets (docs/flagger-routing.md §1–§3). */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
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
      "ConfigMap/podinfo-config-primary",
      "Deployment/podinfo-primary",
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
  it("primary Deployment: filtered metadata, selector on the primary value, flagger-id, configs renamed, anti-affinity pointed at the primary (§3.1)", () => {
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

  it("primary DaemonSet: no replicas, updateStrategy copied (§3.1, daemonset_controller.go)", () => {
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

  it("primary HPA: scale target renamed, min/max/metrics/behavior copied, primaryScalerReplicas override (§3.3)", () => {
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

  it("primary ScaledObject: scale target and trigger queries point at the primary (§3.3)", () => {
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

  it("an autoscaler outside the repository is a note, not a guess (§3.3)", () => {
    const generated = generate(canary({ spec: autoscalerRef("HorizontalPodAutoscaler") }) + DEPLOYMENT);
    expect(generated.resources.some((r) => r.kind === "HorizontalPodAutoscaler")).toBe(false);
    expect(generated.notes).toContain("The HorizontalPodAutoscaler podinfo is not in the repository: its primary copy podinfo-primary is not shown.");
  });
});

describe("Service names and ports in detail (flagger-routing.md §1.1, §1.3)", () => {
  it("§1.1: with service.name the apex Service is named and labelled after it, and selects the target's primary pods", () => {
    const generated = generate(canary({ service: "    name: web\n    port: 80\n    targetPort: 9898\n    portName: web-http\n    appProtocol: http" }) + DEPLOYMENT);
    expect(find(generated, "Service", "web")).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "test", labels: { "app.kubernetes.io/name": "web" }, annotations: MARKERS, ownerReferences: [OWNER] },
      spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": "podinfo-app-primary" }, ports: [{ name: "web-http", protocol: "TCP", port: 80, targetPort: 9898, appProtocol: "http" }] },
    });
  });

  it("§1.3 QUIRK: portDiscovery with a named targetPort keeps a discovered port with the main port's number; a later port of the same name wins; a numeric targetPort excludes by number", () => {
    const target = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: podinfo, namespace: test}
spec:
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers:
        - name: app
          image: podinfo:1
          ports:
            - {name: http, containerPort: 8080}
            - {name: http-metrics, containerPort: 8080}
            - {name: grpc, containerPort: 9999}
        - name: sidecar
          image: sidecar:1
          ports:
            - {name: grpc, containerPort: 7777}
            - {containerPort: 9898}
        - name: envoy
          image: envoy
          ports: [{containerPort: 15001}]
`;
    const byName = generate(canary({ service: "    port: 8080\n    targetPort: http\n    portDiscovery: true" }) + target);
    expect(find(byName, "Service", "podinfo-primary")).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "podinfo-primary", namespace: "test", labels: { app: "podinfo-primary" }, annotations: MARKERS, ownerReferences: [OWNER] },
      spec: {
        type: "ClusterIP",
        selector: { app: "podinfo-primary" },
        ports: [
          { name: "http", protocol: "TCP", port: 8080, targetPort: "http" },
          { name: "grpc", protocol: "TCP", port: 7777, targetPort: 7777 },
          { name: "http-metrics", protocol: "TCP", port: 8080, targetPort: 8080 },
          { name: "tcp-sidecar-1", protocol: "TCP", port: 9898, targetPort: 9898 },
        ],
      },
    });
    const byNumber = generate(canary({ service: "    port: 80\n    targetPort: 8080\n    portDiscovery: true" }) + target);
    expect((find(byNumber, "Service", "podinfo")!.spec as { ports: unknown[] }).ports).toEqual([
      { name: "http", protocol: "TCP", port: 80, targetPort: 8080 },
      { name: "grpc", protocol: "TCP", port: 7777, targetPort: 7777 },
      { name: "tcp-sidecar-1", protocol: "TCP", port: 9898, targetPort: 9898 },
    ]);
  });

  it("§1.2: a target outside the repository still gets its three Services, with the first selector key assumed and a note", () => {
    const generated = generate(canary({ service: "    port: 9898\n    portDiscovery: true" }));
    expect(generated.resources.slice(0, 3)).toEqual(
      (["podinfo", "podinfo-primary", "podinfo-canary"] as const).map((name) => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace: "test", labels: { app: name }, annotations: MARKERS, ownerReferences: [OWNER] },
        spec: { type: "ClusterIP", selector: { app: name === "podinfo-canary" ? "podinfo" : "podinfo-primary" }, ports: [{ name: "http", protocol: "TCP", port: 9898, targetPort: 9898 }] },
      })),
    );
    expect(generated.resources.some((r) => r.kind === "Deployment")).toBe(false);
    expect(generated.notes[0]).toBe(
      "The target podinfo is not in the repository: the selector label is assumed to be app: podinfo, and discovered ports and the primary workload are not shown.",
    );
  });
});

describe("primary workload details (flagger-routing.md §3.1)", () => {
  const target = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: test
  labels: {app: podinfo, team.example.com/owner: web, helm.toolkit.fluxcd.io/name: podinfo}
spec:
  progressDeadlineSeconds: 120
  revisionHistoryLimit: 3
  paused: true
  strategy: {type: Recreate}
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata:
      labels: {app: podinfo, version: v1}
    spec:
      initContainers:
        - name: init
          image: busybox
          env:
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: podinfo-token, key: token}}
      containers:
        - name: app
          image: podinfo:1
          envFrom:
            - secretRef: {name: registry}
            - configMapRef: {name: untracked}
            - configMapRef: {name: elsewhere, optional: true}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: zone
          labelSelector:
            matchExpressions: [{key: app, operator: In, values: [other, podinfo, podinfo]}]
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: zone
              labelSelector: {matchLabels: {app: podinfo}}
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector: {matchLabels: {app: podinfo, tier: podinfo}}
---
apiVersion: v1
kind: Secret
metadata: {name: podinfo-token, namespace: test, labels: {team.example.com/owner: web, other: x}}
data: {token: c2VjcmV0}
stringData: {extra: "hé"}
---
apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: test}
type: kubernetes.io/dockerconfigjson
data: {.dockerconfigjson: e30=}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: untracked, namespace: test, annotations: {flagger.app/config-tracking: disable}}
data: {a: "1"}
`;
  const settings = { ...DEFAULT_CONTROLLER_SETTINGS, includeLabelPrefix: ["team.example.com"] };

  it("§3.1: -include-label-prefix, Deployment fields copied (not paused), Secrets tracked from init containers, registry and disabled configs left alone, topology spread first match renamed, pod affinity untouched", () => {
    const generated = generate(canary() + target, { settings });
    expect(find(generated, "Deployment", "podinfo-primary")).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "podinfo-primary", namespace: "test", labels: { "team.example.com/owner": "web", app: "podinfo-primary" }, ownerReferences: [OWNER] },
      spec: {
        replicas: 1,
        progressDeadlineSeconds: 120,
        revisionHistoryLimit: 3,
        strategy: { type: "Recreate" },
        selector: { matchLabels: { app: "podinfo-primary" } },
        template: {
          metadata: { labels: { app: "podinfo-primary", version: "v1" }, annotations: { "flagger-id": "<random UUID, new on every promotion>" } },
          spec: {
            initContainers: [{ name: "init", image: "busybox", env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "podinfo-token-primary", key: "token" } } }] }],
            containers: [
              {
                name: "app",
                image: "podinfo:1",
                envFrom: [{ secretRef: { name: "registry" } }, { configMapRef: { name: "untracked" } }, { configMapRef: { name: "elsewhere", optional: true } }],
              },
            ],
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: "zone", labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["other", "podinfo-primary", "podinfo"] }] } },
            ],
            affinity: {
              podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "zone", labelSelector: { matchLabels: { app: "podinfo" } } }] },
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "podinfo-primary", tier: "podinfo" } } }],
              },
            },
          },
        },
      },
    });
    expect(generated.notes).toContain(
      "The ConfigMap elsewhere the target uses is not in the repository: if it exists in the cluster Flagger copies it to elsewhere-primary and points the primary at the copy (Flagger v1.44 pkg/canary/deployment_controller.go). Neither is shown.",
    );
  });

  it("§3.1: the Secret copy holds type and data as the API server stores them (stringData base64-encoded), labels filtered by prefix", () => {
    const generated = generate(canary() + target, { settings });
    expect(generated.resources.filter((r) => r.kind === "Secret" || r.kind === "ConfigMap")).toEqual([
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "podinfo-token-primary", namespace: "test", labels: { "team.example.com/owner": "web" }, ownerReferences: [OWNER] },
        data: { token: "c2VjcmV0", extra: "aMOp" },
        type: "Opaque",
      },
    ]);
  });

  it("§3.1 QUIRK: a ConfigMap's binaryData is not copied to the primary's ConfigMap, and a note says so", () => {
    const generated = generate(canary() + DEPLOYMENT.replace('data: {a: "1"}', 'data: {a: "1"}\nbinaryData: {b: AAE=}'));
    expect(find(generated, "ConfigMap", "podinfo-config-primary")).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "podinfo-config-primary", namespace: "test", ownerReferences: [OWNER] },
      data: { a: "1" },
    });
    expect(generated.notes.some((n) => n.startsWith("ConfigMap podinfo-config has binaryData"))).toBe(true);
  });

  it("§3.1 (daemonset_controller.go): the DaemonSet primary keeps anti-affinity as is; an OnDelete DaemonSet gets no primary and Flagger's error", () => {
    const daemonSet = (strategy: string) => `---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: podinfo, namespace: test}
spec:
  updateStrategy: {type: ${strategy}}
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers: [{name: app, image: podinfo:1}]
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: podinfo}}}
`;
    const ds = canary().replace("kind: Deployment", "kind: DaemonSet");
    expect(find(generate(ds + daemonSet("RollingUpdate")), "DaemonSet", "podinfo-primary")).toEqual({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "podinfo-primary", namespace: "test", labels: { app: "podinfo-primary" }, ownerReferences: [OWNER] },
      spec: {
        updateStrategy: { type: "RollingUpdate" },
        selector: { matchLabels: { app: "podinfo-primary" } },
        template: {
          metadata: { labels: { app: "podinfo-primary" }, annotations: { "flagger-id": "<random UUID, new on every promotion>" } },
          spec: {
            containers: [{ name: "app", image: "podinfo:1" }],
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "podinfo" } } }] } },
          },
        },
      },
    });
    const onDelete = generate(ds + daemonSet("OnDelete"));
    expect(onDelete.resources.some((r) => r.kind === "DaemonSet")).toBe(false);
    expect(onDelete.notes).toContain('The DaemonSet podinfo has updateStrategy OnDelete: Flagger fails with "daemonset podinfo.test must have RollingUpdate strategy but have OnDelete" and creates no primary DaemonSet.');
  });
});

describe("primary ScaledObject details (flagger-routing.md §3.3, scaled_object_reconciler.go)", () => {
  const scaledObject = `---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: podinfo-so
  namespace: test
  labels: {kustomize.toolkit.fluxcd.io/name: apps, team: web}
  annotations: {autoscaling.keda.sh/transfer-hpa-ownership: "true"}
spec:
  scaleTargetRef: {kind: Deployment, name: podinfo}
  pollingInterval: 15
  minReplicaCount: 1
  maxReplicaCount: 5
  initialCooldownPeriod: 30
  fallback: {failureThreshold: 3, replicas: 2}
  triggers:
    - type: prometheus
      name: requests
      useCachedMetrics: true
      metadata:
        query: sum(rate(requests{deployment="podinfo-canary"}[1m])) + sum(up{deployment="podinfo-primary"})
    - type: cpu
      metricType: Utilization
      metadata: {value: "60"}
`;
  const ref = (extra = "") => `  autoscalerRef:\n    apiVersion: keda.sh/v1alpha1\n    kind: ScaledObject\n    name: podinfo-so\n${extra}`;

  it("§3.3 QUIRKs: spec rebuilt from Flagger's KEDA types (unknown fields dropped), advanced.horizontalPodAutoscalerConfig always present, textual query rewrite turns podinfo-primary into podinfo-primary-primary, primaryScalerReplicas override", () => {
    const generated = generate(canary({ spec: ref("    primaryScalerReplicas: {minReplicas: 2, maxReplicas: 10}\n") }) + DEPLOYMENT + scaledObject);
    expect(find(generated, "ScaledObject", "podinfo-so-primary")).toEqual({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: "podinfo-so-primary", namespace: "test", labels: { team: "web" }, annotations: { "autoscaling.keda.sh/transfer-hpa-ownership": "true" }, ownerReferences: [OWNER] },
      spec: {
        scaleTargetRef: { name: "podinfo-primary", kind: "Deployment" },
        pollingInterval: 15,
        minReplicaCount: 2,
        maxReplicaCount: 10,
        advanced: { horizontalPodAutoscalerConfig: {} },
        triggers: [
          { type: "prometheus", name: "requests", metadata: { query: 'sum(rate(requests{deployment="podinfo-primary"}[1m])) + sum(up{deployment="podinfo-primary-primary"})' } },
          { type: "cpu", metadata: { value: "60" }, metricType: "Utilization" },
        ],
        fallback: { failureThreshold: 3, replicas: 2 },
      },
    });
  });

  it("§3.3: with primaryScalerQueries only the named triggers change; the others keep the target's query", () => {
    const yaml = canary({ spec: ref("    primaryScalerQueries:\n      other: up\n") }) + DEPLOYMENT + scaledObject;
    const triggers = (find(generate(yaml), "ScaledObject", "podinfo-so-primary")!.spec as { triggers: unknown[] }).triggers;
    expect(triggers[0]).toEqual({ type: "prometheus", name: "requests", metadata: { query: 'sum(rate(requests{deployment="podinfo-canary"}[1m])) + sum(up{deployment="podinfo-primary"})' } });
    const named = canary({ spec: ref("    primaryScalerQueries:\n      requests: sum(rate(requests{deployment=\"podinfo-primary\"}[1m]))\n") }) + DEPLOYMENT + scaledObject;
    expect((find(generate(named), "ScaledObject", "podinfo-so-primary")!.spec as { triggers: unknown[] }).triggers[0]).toEqual({
      type: "prometheus",
      name: "requests",
      metadata: { query: 'sum(rate(requests{deployment="podinfo-primary"}[1m]))' },
    });
  });
});

describe("an apex Service already in the repository (flagger-routing.md §1.4)", () => {
  it("§1.4: Flagger adopts it — selector and ports replaced, node port kept by name, markers added, type and labels kept, no owner reference", () => {
    const service = `---
apiVersion: v1
kind: Service
metadata:
  name: podinfo
  namespace: test
  labels: {team: web}
  annotations: {external-dns.alpha.kubernetes.io/hostname: podinfo.example.com}
spec:
  type: NodePort
  selector: {app.kubernetes.io/name: podinfo-app}
  ports:
    - {name: http, port: 9898, targetPort: http, nodePort: 30080}
`;
    const generated = generate(canary() + DEPLOYMENT + service);
    expect(find(generated, "Service", "podinfo")).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "podinfo", namespace: "test", labels: { team: "web" }, annotations: { "external-dns.alpha.kubernetes.io/hostname": "podinfo.example.com", ...MARKERS } },
      spec: {
        type: "NodePort",
        selector: { "app.kubernetes.io/name": "podinfo-app-primary" },
        ports: [{ name: "http", protocol: "TCP", port: 9898, targetPort: 9898, nodePort: 30080 }],
      },
    });
    expect(generated.notes.some((n) => n.startsWith("Service podinfo exists in the repository: Flagger adopts it"))).toBe(true);
  });
});

describe("an autoscalerRef Flagger cannot use (flagger-routing.md §3.3, factory.go)", () => {
  it("§3.3: without a kind Flagger has no scaler reconciler: no primary autoscaler, and the note says why", () => {
    const generated = generate(canary({ spec: "  autoscalerRef:\n    apiVersion: autoscaling/v2\n    name: podinfo\n" }) + DEPLOYMENT);
    expect(generated.resources.map((r) => r.kind)).toEqual(["Service", "Service", "Service", "ConfigMap", "Deployment", "DestinationRule", "DestinationRule", "VirtualService"]);
    expect(generated.notes).toContain(
      "autoscalerRef.kind is missing: Flagger reconciles no primary autoscaler (only HorizontalPodAutoscaler and ScaledObject are known), so podinfo-primary is not created.",
    );
  });
});
