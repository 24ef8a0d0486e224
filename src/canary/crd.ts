/**
 * Flagger's CRDs (v1.44, ../shared/reference/flagger-crd.yaml) in our schema language. Field for
 * field the same types, enums, patterns, `oneOf`s, defaults and limits as the published OpenAPI
 * schema, plus two deliberate, documented differences where the CRD is laxer than Flagger itself:
 * - integer Go fields typed `number` in the CRD reject fractions (`VALUE_NOT_INTEGER`);
 * - the CEL rule on `service.mirror[].backendRef`, which the API server enforces, is checked too.
 * test/canary/crd-equivalence.test.ts holds the two against a JSON-schema validator.
 */
import { formatPath, type PathSegment } from "./findings.js";
import { anyObject, arr, bool, intOrString, map, num, obj, str, type Infer, type Schema, type SchemaContext } from "./schema.js";

/** The CRD's duration pattern, anchored at the start only (docs/flagger-scheduler.md §1.0). */
export const CRD_DURATION = {
  regex: /^[0-9]+(m|s)/,
  describe: "digits followed by m or s; note that hours such as 1h are rejected",
};

export const PROVIDERS = [
  "apisix",
  "appmesh",
  "appmesh:v1beta2",
  "contour",
  "gatewayapi:v1",
  "gatewayapi:v1beta1",
  "gloo",
  "istio",
  "knative",
  "kubernetes",
  "kuma",
  "linkerd",
  "nginx",
  "osm",
  "skipper",
  "smi:v1alpha1",
  "smi:v1alpha2",
  "smi:v1alpha3",
  "traefik",
] as const;
export type Provider = (typeof PROVIDERS)[number];

export const WEBHOOK_TYPES = [
  "",
  "confirm-rollout",
  "pre-rollout",
  "rollout",
  "confirm-promotion",
  "post-rollout",
  "event",
  "rollback",
  "confirm-traffic-increase",
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export const METRIC_PROVIDER_TYPES = [
  "prometheus",
  "influxdb",
  "datadog",
  "externalmetrics",
  "stackdriver",
  "cloudwatch",
  "newrelic",
  "graphite",
  "dynatrace",
  "keptn",
  "splunk",
] as const;

export const ALERT_PROVIDER_TYPES = ["slack", "msteams", "discord", "rocket", "gchat"] as const;

/**
 * Codes that mean "the API server rejects this object because of Flagger's CRD". Every other error
 * code is a stricter check of ours (Flagger or Kubernetes behaviour the CRD does not express).
 */
export const CRD_LEVEL_CODES: ReadonlySet<string> = new Set([
  "SCHEMA_TYPE",
  "SCHEMA_ENUM",
  "SCHEMA_PATTERN",
  "SCHEMA_RANGE",
  "SCHEMA_REQUIRED",
  "SCHEMA_ONE_OF",
  "ANALYSIS_FIELD_REQUIRED",
  "ANALYSIS_STRATEGY_MISSING",
  "ANALYSIS_STRATEGY_CONFLICT",
]);

const LOCAL_DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function oneOfKeys(params: {
  raw: Record<string, unknown>;
  keys: readonly string[];
  allowEmpty: boolean;
  ctx: SchemaContext;
  path: readonly PathSegment[];
}): void {
  const present = params.keys.filter((key) => key in params.raw);
  if (present.length === 1 || (present.length === 0 && params.allowEmpty)) return;
  const list = params.keys.join(", ");
  params.ctx.issues.push({
    code: "SCHEMA_ONE_OF",
    severity: "error",
    message:
      present.length === 0
        ? `\`${formatPath(params.path)}\` must set exactly one of ${list}, and sets none: the API server rejects the object.`
        : `\`${formatPath(params.path)}\` sets ${present.join(" and ")}, but Flagger's CRD allows ${params.allowEmpty ? "at most" : "exactly"} one of ${list}: the API server rejects the object. Keep one.`,
    path: params.path,
  });
}

/** Istio StringMatch: empty, or exactly one of exact/prefix/regex. */
const istioStringMatch = obj(
  { exact: str(), prefix: str(), regex: str() },
  {
    unknownHints: { suffix: "Istio's StringMatch in spec.service.match has no `suffix`; use `regex`." },
    refine: (raw, _read, ctx, path) => oneOfKeys({ raw, keys: ["exact", "prefix", "regex"], allowEmpty: true, ctx, path }),
  },
);

const parentReference = obj(
  {
    group: str({ pattern: { regex: GROUP, describe: "a DNS subdomain or empty" }, maxLength: 253 }),
    kind: str({ pattern: { regex: KIND, describe: "a Kubernetes kind name" }, minLength: 1, maxLength: 63 }),
    name: str({ minLength: 1, maxLength: 253 }),
    namespace: str({ pattern: { regex: LOCAL_DNS_LABEL, describe: "a DNS label" }, minLength: 1, maxLength: 63 }),
    sectionName: str({ pattern: { regex: DNS_SUBDOMAIN, describe: "a DNS subdomain" }, minLength: 1, maxLength: 253 }),
    port: num({ crd: "integer", minimum: 1, maximum: 65535 }),
  },
  { required: ["name"], defaults: { group: "gateway.networking.k8s.io", kind: "Gateway" } },
);

const mirrorBackendRef = obj(
  {
    group: str({ pattern: { regex: GROUP, describe: "a DNS subdomain or empty" }, maxLength: 253 }),
    kind: str({ pattern: { regex: KIND, describe: "a Kubernetes kind name" }, minLength: 1, maxLength: 63 }),
    name: str({ minLength: 1, maxLength: 253 }),
    namespace: str({ pattern: { regex: LOCAL_DNS_LABEL, describe: "a DNS label" }, minLength: 1, maxLength: 63 }),
    port: num({ crd: "integer", minimum: 1, maximum: 65535 }),
  },
  {
    required: ["name"],
    defaults: { group: "", kind: "Service" },
    refine: (raw, read, ctx, path) => {
      // x-kubernetes-validations: (size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true
      if ((read.group ?? "") === "" && (read.kind ?? "Service") === "Service" && !("port" in raw)) {
        ctx.issues.push({
          code: "MIRROR_BACKEND_PORT_REQUIRED",
          severity: "error",
          message: `\`${formatPath(path)}\` points at a Service without a \`port\`; the CRD's validation rule "Must have port for Service reference" makes the API server reject the object. Add the Service port.`,
          path,
        });
      }
    },
  },
);

const headerOperations = obj({ add: map(str()), remove: arr(str()), set: map(str()) });
const metadataOverrides = obj({ labels: map(str()), annotations: map(str()) });

const serviceMatch = obj({
  authority: istioStringMatch,
  gateways: arr(str()),
  headers: map(istioStringMatch),
  ignoreUriCase: bool(),
  method: istioStringMatch,
  name: str(),
  port: num({ crd: "integer" }),
  queryParams: map(istioStringMatch),
  scheme: istioStringMatch,
  sourceLabels: map(str()),
  sourceNamespace: str(),
  uri: istioStringMatch,
  withoutHeaders: map(istioStringMatch),
});

const consistentHash = obj({
  httpCookie: obj({ name: str(), path: str(), ttl: str() }),
  httpHeaderName: str(),
  httpQueryParameterName: str(),
  minimumRingSize: num({ crd: "integer" }),
  useSourceIp: bool(),
});
const CONSISTENT_HASH_KEYS = ["httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"] as const;

const loadBalancer = obj(
  {
    consistentHash,
    localityLbSetting: obj({
      distribute: arr(obj({ from: str(), to: map(num({ crd: "integer" })) })),
      enabled: bool(),
      failover: arr(obj({ from: str(), to: str() })),
    }),
    simple: str({ enum: ["ROUND_ROBIN", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "LEAST_REQUEST"] }),
    warmupDurationSecs: str(),
  },
  {
    refine: (raw, _read, ctx, path) => {
      // oneOf: [required simple] | [required consistentHash, with exactly one hash key].
      const simpleBranch = "simple" in raw;
      const hash = raw.consistentHash;
      const hashKeys =
        typeof hash === "object" && hash !== null && !Array.isArray(hash)
          ? CONSISTENT_HASH_KEYS.filter((key) => (hash as Record<string, unknown>)[key] !== undefined && (hash as Record<string, unknown>)[key] !== null)
          : [];
      const hashBranch = "consistentHash" in raw && hashKeys.length === 1;
      if (simpleBranch !== hashBranch) return;
      ctx.issues.push({
        code: "SCHEMA_ONE_OF",
        severity: "error",
        message: simpleBranch
          ? `\`${formatPath(path)}\` sets both \`simple\` and \`consistentHash\`; Flagger's CRD allows one load-balancing mode: the API server rejects the object.`
          : `\`${formatPath(path)}\` must set either \`simple\` or a \`consistentHash\` with exactly one of ${CONSISTENT_HASH_KEYS.join(", ")}: the API server rejects the object (a loadBalancer holding only localityLbSetting or warmupDurationSecs is not accepted).`,
        path,
      });
    },
  },
);

const trafficPolicy = obj({
  connectionPool: obj(
    {
      http: obj({
        h2UpgradePolicy: str({ enum: ["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"] }),
        http1MaxPendingRequests: num({ crd: "integer" }),
        http2MaxRequests: num({ crd: "integer" }),
        idleTimeout: str(),
        maxRequestsPerConnection: num({ crd: "integer" }),
        maxRetries: num({ crd: "integer" }),
      }),
    },
    { unknownHints: { tcp: "Flagger's CRD has no `connectionPool.tcp`; only `connectionPool.http` reaches the DestinationRules." } },
  ),
  loadBalancer,
  outlierDetection: obj({
    baseEjectionTime: str(),
    consecutive5xxErrors: num({ crd: "integer" }),
    consecutiveErrors: num({ crd: "integer" }),
    consecutiveGatewayErrors: num({ crd: "integer" }),
    consecutiveLocalOriginFailures: num({ crd: "integer" }),
    interval: str(),
    maxEjectionPercent: num({ crd: "integer" }),
    minHealthPercent: num({ crd: "integer" }),
    splitExternalLocalOriginErrors: bool(),
  }),
  tls: obj({
    caCertificates: str(),
    clientCertificate: str(),
    mode: str({ enum: ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"] }),
    privateKey: str(),
    sni: str(),
    subjectAltNames: arr(str()),
  }),
});

const canaryService = obj(
  {
    name: str(),
    port: num({ crd: "number", goInteger: true }),
    portName: str(),
    appProtocol: str(),
    trafficDistribution: str({ enum: ["PreferClose", "PreferSameZone", "PreferSameNode"] }),
    targetPort: intOrString(),
    portDiscovery: bool(),
    headless: bool(),
    timeout: str(),
    backendTimeout: str(),
    meshName: str(),
    backends: arr(str()),
    hosts: arr(str()),
    delegation: bool(),
    match: arr(serviceMatch),
    retries: obj({ attempts: num({ crd: "integer" }), perTryTimeout: str(), retryOn: str() }),
    rewrite: obj({ uri: str(), authority: str(), type: str() }),
    // The CRD writes `required: [backendRef]` beside `items`, on the array, where it checks
    // nothing: an item without backendRef passes the API server.
    mirror: arr(obj({ backendRef: mirrorBackendRef })),
    headers: obj({ request: headerOperations, response: headerOperations }),
    gateways: arr(str()),
    gatewayRefs: arr(parentReference, { maxItems: 32 }),
    corsPolicy: obj({
      allowCredentials: bool(),
      allowHeaders: arr(str()),
      allowMethods: arr(str()),
      allowOrigin: arr(str()),
      allowOrigins: arr(
        obj(
          { exact: str(), prefix: str(), regex: str() },
          { refine: (raw, _read, ctx, path) => oneOfKeys({ raw, keys: ["exact", "prefix", "regex"], allowEmpty: false, ctx, path }) },
        ),
      ),
      exposeHeaders: arr(str()),
      maxAge: str(),
    }),
    trafficPolicy,
    apex: metadataOverrides,
    primary: metadataOverrides,
    canary: metadataOverrides,
    unmanagedMetadata: obj({ annotations: arr(str()), labels: arr(str()) }),
  },
  {
    required: ["port"],
    unknownHints: {
      type: "Flagger always creates ClusterIP Services; set `headless: true` for a headless one.",
      primaryService: "Flagger names the Services itself: `<service.name>-primary` and `<service.name>-canary`.",
      canaryService: "Flagger names the Services itself: `<service.name>-primary` and `<service.name>-canary`.",
    },
  },
);

const objectReference = <K extends string>(kinds: readonly K[], extra: { namespace?: true } = {}) =>
  obj(
    {
      apiVersion: str(),
      kind: str({ enum: kinds }),
      name: str(),
      ...(extra.namespace ? { namespace: str() } : {}),
    },
    { required: ["apiVersion", "kind", "name"] },
  );

const analysisMatch = obj(
  {
    headers: map(
      obj(
        { exact: str(), prefix: str(), suffix: str(), regex: str() },
        { refine: (raw, _read, ctx, path) => oneOfKeys({ raw, keys: ["exact", "prefix", "suffix", "regex"], allowEmpty: false, ctx, path }) },
      ),
    ),
    queryParams: map(
      obj(
        { exact: str(), prefix: str(), regex: str() },
        { refine: (raw, _read, ctx, path) => oneOfKeys({ raw, keys: ["exact", "prefix", "regex"], allowEmpty: true, ctx, path }) },
      ),
    ),
    sourceLabels: map(str()),
  },
  {
    unknownHints: Object.fromEntries(
      ["uri", "method", "scheme", "authority", "withoutHeaders", "port", "gateways", "ignoreUriCase", "sourceNamespace", "name"].map((field) => [
        field,
        "`analysis.match` supports only headers, queryParams and sourceLabels; conditions on the URI, method and the like belong in `spec.service.match`.",
      ]),
    ),
  },
);

const durationHint = "Write a whole number of seconds or minutes such as 30s or 5m (hours as 60m).";

const metric = obj(
  {
    name: str(),
    interval: str({ pattern: CRD_DURATION, hint: durationHint }),
    threshold: num({ crd: "number" }),
    thresholdRange: obj({ min: num({ crd: "number" }), max: num({ crd: "number" }) }),
    query: str(),
    templateRef: obj({ name: str(), namespace: str() }, { required: ["name"] }),
    templateVariables: map(str()),
  },
  { required: ["name"] },
);

const alert = obj(
  {
    name: str(),
    severity: str({ enum: ["", "info", "warn", "error"] }),
    providerRef: obj({ name: str(), namespace: str() }, { required: ["name"] }),
  },
  { required: ["providerRef", "name"] },
);

const webhook = obj(
  {
    name: str(),
    type: str({ enum: WEBHOOK_TYPES }),
    muteAlert: bool(),
    url: str(),
    timeout: str({ pattern: CRD_DURATION, hint: durationHint }),
    retries: num({ crd: "number", goInteger: true }),
    disableTLS: bool(),
    metadata: map(str({ hint: "Webhook metadata values must be strings: quote numbers and booleans." })),
  },
  { required: ["name", "url"] },
);

const STRATEGY_FIELDS = ["iterations", "stepWeight", "stepWeights"] as const;

const analysis = obj(
  {
    interval: str({ pattern: CRD_DURATION, hint: durationHint }),
    iterations: num({ crd: "number", goInteger: true }),
    threshold: num({ crd: "number", goInteger: true }),
    maxWeight: num({ crd: "number", goInteger: true }),
    stepWeight: num({ crd: "number", goInteger: true }),
    stepWeights: arr(num({ crd: "number", goInteger: true })),
    stepWeightPromotion: num({ crd: "number", goInteger: true }),
    mirror: bool(),
    mirrorWeight: num({ crd: "number", goInteger: true }),
    primaryReadyThreshold: num({ crd: "number", goInteger: true }),
    canaryReadyThreshold: num({ crd: "number", goInteger: true }),
    match: arr(analysisMatch),
    metrics: arr(metric),
    alerts: arr(alert),
    webhooks: arr(webhook),
    sessionAffinity: obj(
      {
        cookieName: str(),
        primaryCookieName: str(),
        domain: str(),
        httpOnly: bool(),
        maxAge: num({ crd: "number", goInteger: true }),
        partitioned: bool(),
        path: str(),
        sameSite: str({ enum: ["Strict", "Lax", "None"] }),
        secure: bool(),
      },
      { required: ["cookieName"], defaults: { maxAge: 86400 } },
    ),
  },
  {
    refine: (raw, _read, ctx, path) => {
      // The CRD's oneOf of required sets [interval, threshold, X] for X in iterations, stepWeight,
      // stepWeights: presence counts, not value (docs/flagger-scheduler.md §1.3).
      for (const field of ["interval", "threshold"] as const) {
        if (!(field in raw)) {
          ctx.issues.push({
            code: "ANALYSIS_FIELD_REQUIRED",
            severity: "error",
            message: `\`${formatPath(path)}\` has no \`${field}\`. Flagger's CRD requires interval and threshold in every analysis (its oneOf lists them in each branch), so the API server rejects the Canary. ${field === "interval" ? "Add e.g. `interval: 1m`." : "Add e.g. `threshold: 5` (failed checks before rollback)."}`,
            path,
          });
        }
      }
      const strategies = STRATEGY_FIELDS.filter((field) => field in raw);
      if (strategies.length === 0) {
        ctx.issues.push({
          code: "ANALYSIS_STRATEGY_MISSING",
          severity: "error",
          message: `\`${formatPath(path)}\` sets none of iterations, stepWeight and stepWeights. Flagger's CRD requires exactly one, so the API server rejects the Canary. Use stepWeight (with maxWeight) or stepWeights for a weighted canary, iterations for blue/green or A/B testing.`,
          path,
        });
      } else if (strategies.length > 1) {
        ctx.issues.push({
          code: "ANALYSIS_STRATEGY_CONFLICT",
          severity: "error",
          message: `\`${formatPath(path)}\` sets ${strategies.join(" and ")}. Flagger's CRD allows exactly one of iterations, stepWeight and stepWeights (a oneOf), so the API server rejects the Canary; an older CRD that let it through would run ${strategies.includes("iterations") ? "blue/green or A/B, ignoring the weights" : "the stepWeight steps up to the last stepWeights element"}. Keep one.`,
          path: [...path, strategies[1]!],
          at: "key",
        });
      }
    },
  },
);

export const canarySpecSchema = obj(
  {
    provider: str({
      enum: PROVIDERS,
      hint: "A bare `gatewayapi` or `smi` needs its version (gatewayapi:v1, smi:v1alpha3); a mesh suffix such as smi:v1alpha3:mesh works only in the controller's -mesh-provider flag.",
    }),
    metricsServer: str(),
    progressDeadlineSeconds: num({ crd: "number", goInteger: true }),
    targetRef: objectReference(["DaemonSet", "Deployment", "Service"] as const),
    autoscalerRef: obj(
      {
        apiVersion: str(),
        kind: str({ enum: ["HorizontalPodAutoscaler", "ScaledObject"] as const }),
        name: str(),
        primaryScalerQueries: map(str()),
        primaryScalerReplicas: obj({ minReplicas: num({ crd: "integer", minimum: 1 }), maxReplicas: num({ crd: "integer", minimum: 1 }) }),
      },
      { required: ["apiVersion", "kind", "name"] },
    ),
    ingressRef: objectReference(["Ingress"] as const),
    routeRef: objectReference(["ApisixRoute"] as const),
    upstreamRef: objectReference(["Upstream"] as const, { namespace: true }),
    service: canaryService,
    analysis,
    skipAnalysis: bool(),
    revertOnDeletion: bool(),
    suspend: bool(),
  },
  {
    required: ["targetRef", "analysis"],
    unknownHints: {
      canaryAnalysis:
        "`canaryAnalysis` is the pre-v1beta1 name of `analysis`; Flagger's v1beta1 CRD has no such field. Rename it to `analysis`.",
      targetKind: "This is the pre-release Flagger layout; use `targetRef: {apiVersion, kind, name}`.",
      virtualService: "This is the pre-release Flagger layout; Istio settings now live in `spec.service`.",
    },
  },
);

const canaryStatus = obj({
  phase: str({
    enum: ["", "Initializing", "Initialized", "Waiting", "Progressing", "WaitingPromotion", "Promoting", "Finalising", "Succeeded", "Failed", "Terminating", "Terminated"],
  }),
  failedChecks: num({ crd: "number" }),
  canaryWeight: num({ crd: "number" }),
  iterations: num({ crd: "number" }),
  trackedConfigs: map(str()),
  lastAppliedSpec: str(),
  lastPromotedSpec: str(),
  lastTransitionTime: str(),
  sessionAffinityCookie: str(),
  primarySessionAffinityCookie: str(),
  previousSessionAffinityCookie: str(),
  conditions: arr(
    obj(
      { lastTransitionTime: str(), lastUpdateTime: str(), message: str(), reason: str(), status: str(), type: str() },
      { required: ["type", "status", "reason"] },
    ),
  ),
});

/**
 * `status` belongs to the status subresource (`subresources: status: {}` in each Flagger CRD): the
 * API server deletes it from a created object and keeps the stored status on update
 * (apiextensions-apiserver customResourceStrategy.PrepareForCreate/PrepareForUpdate), so a status in
 * a manifest is never validated and never has an effect.
 */
function ignoredStatus<T>(schema: Schema<T>): Schema<T> {
  return {
    expected: schema.expected,
    ...(schema.shape ? { shape: schema.shape } : {}),
    read(_value, ctx, path) {
      ctx.issues.push({
        code: "STATUS_IGNORED",
        severity: "warning",
        message: `\`${formatPath(path)}\` is written by Flagger through the status subresource; the API server discards it from an applied manifest, so it has no effect. Remove it (it usually comes from \`kubectl get -o yaml\`).`,
        path,
        at: "key",
      });
      return undefined;
    },
  };
}

export const canarySchema = obj({
  apiVersion: str(),
  kind: str(),
  metadata: anyObject(),
  spec: canarySpecSchema,
  status: ignoredStatus(canaryStatus),
});

export const metricTemplateSchema = obj({
  apiVersion: str(),
  kind: str(),
  metadata: anyObject(),
  spec: obj(
    {
      provider: obj(
        {
          type: str({ enum: METRIC_PROVIDER_TYPES }),
          address: str(),
          headers: map(arr(str())),
          secretRef: obj({ name: str() }, { required: ["name"] }),
          region: str(),
          insecureSkipVerify: bool(),
        },
        { required: ["type"] },
      ),
      query: str(),
    },
    { required: ["provider", "query"] },
  ),
  status: ignoredStatus(anyObject()),
});

export const alertProviderSchema = obj({
  apiVersion: str(),
  kind: str(),
  metadata: anyObject(),
  spec: obj(
    {
      type: str({ enum: ALERT_PROVIDER_TYPES }),
      channel: str(),
      username: str(),
      address: str(),
      proxy: str(),
      secretRef: obj({ name: str() }, { required: ["name"] }),
    },
    {
      refine: (raw, _read, ctx, path) => {
        // oneOf: [type, address] | [type, secretRef].
        const withAddress = "type" in raw && "address" in raw;
        const withSecret = "type" in raw && "secretRef" in raw;
        if (withAddress !== withSecret) return;
        ctx.issues.push({
          code: "SCHEMA_ONE_OF",
          severity: "error",
          message: withAddress
            ? `\`${formatPath(path)}\` sets both \`address\` and \`secretRef\`; Flagger's CRD allows one of them (a oneOf): the API server rejects the AlertProvider. Keep the secretRef and put the address in the Secret.`
            : `\`${formatPath(path)}\` needs \`type\` and one of \`address\` or \`secretRef\`: the API server rejects the AlertProvider.`,
          path,
        });
      },
    },
  ),
  status: ignoredStatus(anyObject()),
});

export type CanaryObject = Infer<typeof canarySchema>;
export type CanarySpec = Infer<typeof canarySpecSchema>;
export type CanaryAnalysis = NonNullable<CanarySpec["analysis"]>;
export type CanaryServiceSpec = NonNullable<CanarySpec["service"]>;
export type CanaryMetric = Infer<typeof metric>;
export type CanaryWebhook = Infer<typeof webhook>;
export type CanaryAlert = Infer<typeof alert>;
export type AnalysisMatch = Infer<typeof analysisMatch>;
export type ServiceMatch = Infer<typeof serviceMatch>;
export type GatewayParentRef = Infer<typeof parentReference>;
export type MetricTemplateObject = Infer<typeof metricTemplateSchema>;
export type AlertProviderObject = Infer<typeof alertProviderSchema>;
