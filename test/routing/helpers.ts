/** Builds generated objects from YAML text, through the same parser and resolver as the product. */
import { parseManifestFile } from "../../src/canary/parse.js";
import { buildRepositoryIndex, resolveCanary, type ResolvedCanary } from "../../src/canary/resolve.js";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../../src/canary/settings.js";
import { generateRoutingResources } from "../../src/routing/index.js";
import type { GeneratedRouting, KubernetesObject, RouteWeights } from "../../src/routing/types.js";

export function resolve(yaml: string, settings: ControllerSettings = DEFAULT_CONTROLLER_SETTINGS): ResolvedCanary {
  const file = parseManifestFile({ path: "manifests.yaml", content: yaml });
  const index = buildRepositoryIndex([file]);
  return resolveCanary({ canary: index.canaries[0]!, index, settings });
}

export function generate(yaml: string, options: { routes?: RouteWeights; settings?: ControllerSettings } = {}): GeneratedRouting {
  const settings = options.settings ?? DEFAULT_CONTROLLER_SETTINGS;
  return generateRoutingResources({ resolved: resolve(yaml, settings), settings, ...(options.routes ? { routes: options.routes } : {}) });
}

export function find(generated: GeneratedRouting, kind: string, name: string): KubernetesObject | undefined {
  return generated.resources.find((r) => r.kind === kind && r.metadata.name === name);
}

export const OWNER = { apiVersion: "flagger.app/v1beta1", kind: "Canary", name: "podinfo", uid: "<uid of the Canary>", controller: true, blockOwnerDeletion: true };
export const MARKERS = { "kustomize.toolkit.fluxcd.io/reconcile": "disabled", "helm.toolkit.fluxcd.io/driftDetection": "disabled" };

export const DEPLOYMENT = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: test
  labels: {app: podinfo, team: web}
  annotations: {kustomize.toolkit.fluxcd.io/checksum: abc, owner: web}
spec:
  replicas: 2
  minReadySeconds: 3
  selector:
    matchLabels: {app.kubernetes.io/name: podinfo-app, other: x}
  template:
    metadata:
      labels: {app.kubernetes.io/name: podinfo-app, other: x}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      containers:
        - name: app
          image: podinfo:1
          ports:
            - {name: http, containerPort: 9898}
            - {name: metrics, containerPort: 9797}
            - {containerPort: 9999}
          envFrom:
            - configMapRef: {name: podinfo-env}
        - name: istio-proxy
          image: proxy
          ports: [{name: admin, containerPort: 15000}]
      volumes:
        - name: config
          configMap: {name: podinfo-config}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels: {app.kubernetes.io/name: podinfo}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: podinfo-config, namespace: test}
data: {a: "1"}
`;

/** The podinfo Canary with `service` and `analysis` replaced. */
export function canary(params: { service?: string; analysis?: string; spec?: string } = {}): string {
  return `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
${params.spec ?? ""}  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
${params.service ?? "    port: 9898"}
  analysis:
${params.analysis ?? "    interval: 1m\n    threshold: 2\n    stepWeight: 10"}
`;
}
