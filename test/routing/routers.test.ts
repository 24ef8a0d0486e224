/** Gateway API, NGINX, SMI and Contour objects (docs/flagger-routing.md §5, §6, §7). */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { canary, find, generate, MARKERS, OWNER } from "./helpers.js";

const gatewayService = "    port: 9898\n    hosts: [app.example.com]\n    gatewayRefs:\n      - name: public\n        namespace: gateways";
const backend = (name: string, weight: number, extra: Record<string, unknown> = {}) => ({ group: "", kind: "Service", name, port: 9898, weight, ...extra });
const httpRoute = (rules: unknown[], apiVersion = "gateway.networking.k8s.io/v1") => ({
  apiVersion,
  kind: "HTTPRoute",
  metadata: { name: "podinfo", namespace: "test", annotations: MARKERS, ownerReferences: [OWNER] },
  // The CRD defaults group and kind, as the API server stores them (docs/flagger-routing.md §5).
  spec: { parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gateways", name: "public" }], hostnames: ["app.example.com"], rules },
});
const slash = [{ path: { type: "PathPrefix", value: "/" } }];

describe("Gateway API HTTPRoute (flagger-routing.md §5)", () => {
  const spec = "  provider: gatewayapi:v1\n";

  it("initialization: parentRefs, hostnames without the apex, the default / match, primary 100 / canary 0", () => {
    expect(find(generate(canary({ spec, service: gatewayService })), "HTTPRoute", "podinfo")).toEqual(httpRoute([{ matches: slash, backendRefs: [backend("podinfo-primary", 100), backend("podinfo-canary", 0)] }]));
  });

  it("v1beta1 provider, service matches converted, filters in Flagger's order and timeouts", () => {
    const service = `${gatewayService}
    match: [{uri: {prefix: /api}, method: {exact: GET}, headers: {x-b: {exact: "2"}, x-a: {regex: "v.*"}}}]
    timeout: 10s
    headers:
      request: {set: {x-z: "1", x-y: "2"}, remove: [x-debug]}
    rewrite: {uri: /v2, type: ReplacePrefixMatch}`;
    const generated = generate(canary({ spec: "  provider: gatewayapi:v1beta1\n", service }), { routes: { primaryWeight: 60, canaryWeight: 40, mirrored: false } });
    expect(find(generated, "HTTPRoute", "podinfo")).toEqual(
      httpRoute(
        [
          {
            matches: [
              {
                path: { type: "PathPrefix", value: "/api" },
                method: "GET",
                headers: [
                  { type: "RegularExpression", name: "x-a", value: "v.*" },
                  { type: "Exact", name: "x-b", value: "2" },
                ],
              },
            ],
            filters: [
              { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-y", value: "2" }, { name: "x-z", value: "1" }], remove: ["x-debug"] } },
              { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" } } },
            ],
            backendRefs: [backend("podinfo-primary", 60), backend("podinfo-canary", 40)],
            timeouts: { request: "10s" },
          },
        ],
        "gateway.networking.k8s.io/v1beta1",
      ),
    );
  });

  it("A/B: analysis headers merged into the default match, fallback primary always 100 (§5 QUIRK)", () => {
    const analysis = "    interval: 1m\n    threshold: 2\n    iterations: 5\n    match:\n      - headers:\n          x-canary: {exact: insider}";
    const generated = generate(canary({ spec, service: gatewayService, analysis }), { routes: { primaryWeight: 0, canaryWeight: 100, mirrored: false } });
    expect(find(generated, "HTTPRoute", "podinfo")).toEqual(
      httpRoute([
        { matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "x-canary", value: "insider" }] }], backendRefs: [backend("podinfo-primary", 0), backend("podinfo-canary", 100)] },
        { matches: slash, backendRefs: [backend("podinfo-primary", 100)] },
      ]),
    );
  });

  it("A/B with a prefix header match loses the condition: all traffic would go to the canary (§5 QUIRK)", () => {
    const analysis = "    interval: 1m\n    threshold: 2\n    iterations: 5\n    match:\n      - headers:\n          x-canary: {prefix: ins}";
    const generated = generate(canary({ spec, service: gatewayService, analysis }), { routes: { primaryWeight: 0, canaryWeight: 100, mirrored: false } });
    expect((find(generated, "HTTPRoute", "podinfo")!.spec as { rules: unknown[] }).rules[0]).toEqual({ matches: slash, backendRefs: [backend("podinfo-primary", 0), backend("podinfo-canary", 100)] });
    expect(generated.notes.some((n) => n.includes("ALL traffic goes to the canary"))).toBe(true);
  });

  it("blue/green mirroring: a RequestMirror filter after a mirrored SetRoutes (§5)", () => {
    const analysis = "    interval: 1m\n    threshold: 2\n    iterations: 5\n    mirror: true";
    const generated = generate(canary({ spec, service: gatewayService, analysis }), { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: true } });
    expect(find(generated, "HTTPRoute", "podinfo")).toEqual(
      httpRoute([
        {
          matches: slash,
          filters: [{ type: "RequestMirror", requestMirror: { backendRef: { group: "", kind: "Service", name: "podinfo-canary", port: 9898 } } }],
          backendRefs: [backend("podinfo-primary", 100), backend("podinfo-canary", 0)],
        },
      ]),
    );
  });

  it("session affinity: the sticky rule has only the Cookie match, the canary backend sets the cookie (§5)", () => {
    const analysis = "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 3600";
    const generated = generate(canary({ spec, service: gatewayService, analysis }), { routes: { primaryWeight: 90, canaryWeight: 10, mirrored: false } });
    const route = find(generated, "HTTPRoute", "podinfo")!;
    const cookie = /flagger-cookie=([A-Za-z]{10})/.exec(JSON.stringify(route))![1];
    expect(route).toEqual(
      httpRoute([
        { matches: [{ headers: [{ type: "RegularExpression", name: "Cookie", value: `.*flagger-cookie.*${cookie}.*` }] }], backendRefs: [backend("podinfo-primary", 0), backend("podinfo-canary", 100)] },
        {
          matches: slash,
          backendRefs: [
            backend("podinfo-primary", 90),
            backend("podinfo-canary", 10, { filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "Set-Cookie", value: `flagger-cookie=${cookie}; Max-Age=3600` }] } }] }),
          ],
        },
      ]),
    );
  });

  it("without gatewayRefs Flagger writes no HTTPRoute and says why (§5)", () => {
    const generated = generate(canary({ spec }));
    expect(generated.resources.some((r) => r.kind === "HTTPRoute")).toBe(false);
    expect(generated.notes.some((n) => n.includes("GatewayRefs must be specified"))).toBe(true);
  });
});

describe("NGINX canary Ingress (flagger-routing.md §6)", () => {
  const spec = "  provider: nginx\n  ingressRef:\n    apiVersion: networking.k8s.io/v1\n    kind: Ingress\n    name: podinfo\n";
  const ingress = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: podinfo
  namespace: test
  labels: {app: podinfo}
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/canary-weight: "25"
    kubectl.kubernetes.io/last-applied-configuration: "{}"
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: podinfo, port: {number: 80}}}
`;
  const expected = (annotations: Record<string, string>) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "podinfo-canary", namespace: "test", labels: { app: "podinfo" }, annotations, ownerReferences: [OWNER] },
    spec: { rules: [{ host: "app.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "podinfo-canary", port: { number: 80 } } } }] } }] },
  });
  const base = { "kubernetes.io/ingress.class": "nginx", ...MARKERS, "nginx.ingress.kubernetes.io/canary": "true" };

  it("initialization: the user's Ingress copied, backend renamed, canary annotations reset to weight 0", () => {
    expect(find(generate(canary({ spec }) + ingress), "Ingress", "podinfo-canary")).toEqual(expected({ ...base, "nginx.ingress.kubernetes.io/canary-weight": "0" }));
  });

  it("SetRoutes: canary-weight carries the canary weight", () => {
    expect(find(generate(canary({ spec }) + ingress, { routes: { primaryWeight: 70, canaryWeight: 30, mirrored: false } }), "Ingress", "podinfo-canary")).toEqual(
      expected({ ...base, "nginx.ingress.kubernetes.io/canary-weight": "30" }),
    );
  });

  it("A/B: by-cookie and by-header annotations, with the custom annotation prefix", () => {
    const analysis = "    interval: 1m\n    threshold: 2\n    iterations: 5\n    match:\n      - headers:\n          x-canary: {exact: insider}\n      - headers:\n          cookie: {exact: canary}";
    const settings = { ...DEFAULT_CONTROLLER_SETTINGS, ingressAnnotationsPrefix: "custom.ingress.kubernetes.io" };
    const object = find(generate(canary({ spec, analysis }) + ingress.replaceAll("nginx.ingress.kubernetes.io", "custom.ingress.kubernetes.io"), { routes: { primaryWeight: 0, canaryWeight: 100, mirrored: false }, settings }), "Ingress", "podinfo-canary");
    expect(object).toEqual(
      expected({
        "kubernetes.io/ingress.class": "nginx",
        ...MARKERS,
        "custom.ingress.kubernetes.io/canary": "true",
        "custom.ingress.kubernetes.io/canary-weight": "0",
        "custom.ingress.kubernetes.io/canary-by-cookie": "canary",
        "custom.ingress.kubernetes.io/canary-by-header": "x-canary",
        "custom.ingress.kubernetes.io/canary-by-header-value": "insider",
      }),
    );
  });

  it("without the Ingress in the repository: a note, no object", () => {
    const generated = generate(canary({ spec }));
    expect(generated.resources.some((r) => r.kind === "Ingress")).toBe(false);
    expect(generated.notes).toContain("The Ingress podinfo is not in the repository: the canary Ingress podinfo-canary (a copy of it pointing at the canary Service) is not shown.");
  });
});

describe("SMI TrafficSplit (flagger-routing.md §7)", () => {
  const split = (apiVersion: string, weights: [unknown, unknown], annotations?: Record<string, string>) => ({
    apiVersion,
    kind: "TrafficSplit",
    metadata: { name: "podinfo", namespace: "test", ...(annotations ? { annotations } : {}), ownerReferences: [OWNER] },
    spec: { service: "podinfo", backends: [{ service: "podinfo-canary", weight: weights[1] }, { service: "podinfo-primary", weight: weights[0] }] },
  });

  it("linkerd: v1alpha1 with Quantity weights written as strings, canary first", () => {
    expect(find(generate(canary({ spec: "  provider: linkerd\n" }), { routes: { primaryWeight: 80, canaryWeight: 20, mirrored: false } }), "TrafficSplit", "podinfo")).toEqual(
      split("split.smi-spec.io/v1alpha1", ["80", "20"]),
    );
  });

  it("osm: v1alpha2 with numbers", () => {
    expect(find(generate(canary({ spec: "  provider: osm\n" })), "TrafficSplit", "podinfo")).toEqual(split("split.smi-spec.io/v1alpha2", [100, 0]));
  });

  it("smi:v1alpha3:istio (a -mesh-provider value) with gateways: the gateways annotation; the first host names the split", () => {
    const generated = generate(canary({ service: "    port: 9898\n    gateways: [public]" }), { settings: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "smi:v1alpha3:istio" } });
    expect(find(generated, "TrafficSplit", "podinfo")).toEqual(split("split.smi-spec.io/v1alpha3", [100, 0], { "VirtualService.v1alpha3.networking.istio.io/spec.gateways": '["public"]' }));
    const hosted = generate(canary({ spec: "  provider: smi:v1alpha3\n", service: "    port: 9898\n    hosts: [podinfo.test.svc]" }));
    expect((find(hosted, "TrafficSplit", "podinfo")!.spec as { service: string }).service).toBe("podinfo.test.svc");
  });
});

describe("Contour HTTPProxy (flagger-routing.md §7)", () => {
  const svc = (name: string, weight: number) => ({ name, port: 9898, weight, requestHeadersPolicy: { set: [{ name: "l5d-dst-override", value: `${name}.test.svc.cluster.local:9898` }] } });
  const proxy = (spec: Record<string, unknown>) => ({ apiVersion: "projectcontour.io/v1", kind: "HTTPProxy", metadata: { name: "podinfo", namespace: "test", annotations: MARKERS, ownerReferences: [OWNER] }, spec });

  it("weighted route with the first service prefix, timeout and retry policies, ingress class", () => {
    const service = "    port: 9898\n    match: [{uri: {prefix: /api}}]\n    timeout: 15s\n    retries: {attempts: 3, perTryTimeout: 5s, retryOn: \"5xx,gateway-error\"}";
    const generated = generate(canary({ spec: "  provider: contour\n", service }), { routes: { primaryWeight: 90, canaryWeight: 10, mirrored: false }, settings: { ...DEFAULT_CONTROLLER_SETTINGS, ingressClass: "contour-external" } });
    expect(find(generated, "HTTPProxy", "podinfo")).toEqual(
      proxy({
        ingressClassName: "contour-external",
        routes: [
          {
            conditions: [{ prefix: "/api" }],
            timeoutPolicy: { response: "15s", idle: "5m" },
            retryPolicy: { count: 3, perTryTimeout: "5s", retryOn: ["5xx", "gateway-error"] },
            services: [svc("podinfo-primary", 90), svc("podinfo-canary", 10)],
          },
        ],
      }),
    );
  });

  it("A/B: a header route (prefix becomes contains) before the default route, which stays 100/0", () => {
    const analysis = "    interval: 1m\n    threshold: 2\n    iterations: 5\n    match:\n      - headers:\n          x-canary: {prefix: ins}\n          x-user: {exact: bob}";
    const generated = generate(canary({ spec: "  provider: contour\n", analysis }), { routes: { primaryWeight: 0, canaryWeight: 100, mirrored: false } });
    expect(find(generated, "HTTPProxy", "podinfo")).toEqual(
      proxy({
        routes: [
          { conditions: [{ prefix: "/", header: { name: "x-canary", contains: "ins" } }, { prefix: "/", header: { name: "x-user", exact: "bob" } }], services: [svc("podinfo-primary", 0), svc("podinfo-canary", 100)] },
          { conditions: [{ prefix: "/" }], services: [svc("podinfo-primary", 100), svc("podinfo-canary", 0)] },
        ],
      }),
    );
  });
});

describe("providers without a generator", () => {
  it("say so instead of staying silent", () => {
    const generated = generate(canary({ spec: "  provider: kuma\n" }));
    expect(generated.resources.map((r) => r.kind)).toEqual(["Service", "Service", "Service"]);
    expect(generated.notes).toContain("The kuma routing objects are not rendered yet: only the Services and the primary workload are shown.");
  });

  it("provider kubernetes: only the Services and the primary (flagger-routing.md §2)", () => {
    expect(generate(canary({ spec: "  provider: kubernetes\n" })).resources.map((r) => r.kind)).toEqual(["Service", "Service", "Service"]);
  });
});
