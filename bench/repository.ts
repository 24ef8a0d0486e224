/**
 * Generated GitOps repositories for the benchmarks: one folder per app with a Deployment, an HPA and
 * a Canary, varied over providers and strategies so that every code path of the review runs.
 */

const PROVIDERS = ["istio", "linkerd", "nginx", "gatewayapi:v1", "kubernetes", "contour"] as const;

export interface GeneratedApp {
  name: string;
  files: Record<string, string>;
}

export function generateApp(index: number, variant: { image: string; maxWeight: number }, options: { provider?: (typeof PROVIDERS)[number] } = {}): GeneratedApp {
  const name = `app-${index}`;
  const provider = options.provider ?? PROVIDERS[index % PROVIDERS.length]!;
  const strategy =
    provider === "kubernetes" || index % 5 === 0
      ? "    iterations: 10\n"
      : index % 7 === 0
        ? "    stepWeights: [5, 10, 25, 50]\n"
        : `    maxWeight: ${variant.maxWeight}\n    stepWeight: 10\n`;
  const providerRefs =
    provider === "nginx"
      ? `  ingressRef:\n    apiVersion: networking.k8s.io/v1\n    kind: Ingress\n    name: ${name}\n`
      : "";
  const serviceExtras =
    provider === "gatewayapi:v1"
      ? "    gatewayRefs:\n      - name: public\n        namespace: gateways\n    hosts:\n      - app.example.com\n"
      : provider === "istio"
        ? "    gateways:\n      - istio-system/public-gateway\n    hosts:\n      - app.example.com\n    retries:\n      attempts: 3\n      perTryTimeout: 1s\n"
        : "";
  const canary = `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: ${name}
  namespace: apps
spec:
  provider: ${provider}
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  autoscalerRef:
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    name: ${name}
${providerRefs}  service:
    port: 9898
    targetPort: http
${serviceExtras}  analysis:
    interval: 1m
    threshold: 5
${strategy}    metrics:
      - name: request-success-rate
        interval: 1m
        thresholdRange:
          min: 99
      - name: request-duration
        interval: 30s
        thresholdRange:
          max: 500
    webhooks:
      - name: acceptance-test
        type: pre-rollout
        url: http://flagger-loadtester.test/
        timeout: 30s
        metadata:
          type: bash
          cmd: "curl -sd 'test' http://${name}-canary.apps:9898/token | grep token"
      - name: load-test
        url: http://flagger-loadtester.test/
        timeout: 5s
        metadata:
          cmd: "hey -z 1m -q 10 -c 2 http://${name}-canary.apps:9898/"
`;
  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: apps
  labels:
    app: ${name}
spec:
  minReadySeconds: 3
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 60
  strategy:
    rollingUpdate:
      maxUnavailable: 0
    type: RollingUpdate
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      annotations:
        prometheus.io/scrape: "true"
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: ${variant.image}
          ports:
            - name: http
              containerPort: 9898
              protocol: TCP
            - name: http-metrics
              containerPort: 9797
              protocol: TCP
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
  namespace: apps
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  minReplicas: 2
  maxReplicas: 4
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 99
`;
  const ingress =
    provider === "nginx"
      ? `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: apps
spec:
  ingressClassName: nginx
  rules:
    - host: ${name}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${name}
                port:
                  number: 9898
`
      : undefined;
  return {
    name,
    files: {
      [`apps/${name}/canary.yaml`]: canary,
      [`apps/${name}/deployment.yaml`]: deployment,
      ...(ingress ? { [`apps/${name}/ingress.yaml`]: ingress } : {}),
    },
  };
}

/** A repository of `count` apps; `variant` changes every app (image and maxWeight) for a "head" side. */
export function generateRepository(count: number, variant: { image: string; maxWeight: number } = { image: "ghcr.io/stefanprodan/podinfo:6.7.0", maxWeight: 50 }): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) Object.assign(files, generateApp(i, variant).files);
  return files;
}
