/** Istio DestinationRules and VirtualService (flagger-routing.md §4, §8). */
import { describe, expect, it } from "vitest";
import { canary, find, generate, MARKERS, OWNER } from "./helpers.js";

const dest = (host: string, weight: number, extra: Record<string, unknown> = {}) => ({ destination: { host }, weight, ...extra });
const vs = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "networking.istio.io/v1beta1",
  kind: "VirtualService",
  metadata: { name: "podinfo", namespace: "test", annotations: MARKERS, ...metadata, ownerReferences: [OWNER] },
  spec,
});
const ab = "    interval: 1m\n    threshold: 2\n    iterations: 5\n    match:\n      - headers:\n          x-canary: {exact: insider}\n        queryParams:\n          tier: {exact: gold}";

describe("Istio DestinationRules (flagger-routing.md §4.1)", () => {
  it("one per Service host, no subsets, trafficPolicy copied to both", () => {
    const generated = generate(canary({ service: "    port: 9898\n    trafficPolicy:\n      tls: {mode: ISTIO_MUTUAL}\n      loadBalancer: {simple: LEAST_REQUEST}" }));
    const rule = (name: string) => ({
      apiVersion: "networking.istio.io/v1beta1",
      kind: "DestinationRule",
      metadata: { name, namespace: "test", ownerReferences: [OWNER] },
      spec: { host: name, trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" }, loadBalancer: { simple: "LEAST_REQUEST" } } },
    });
    expect([find(generated, "DestinationRule", "podinfo-canary"), find(generated, "DestinationRule", "podinfo-primary")]).toEqual([rule("podinfo-canary"), rule("podinfo-primary")]);
  });
});

describe("Istio VirtualService (flagger-routing.md §4.2–§4.6)", () => {
  it("initialization: mesh gateway, apex host, primary 100 / canary 0 (§4.2, §4.3)", () => {
    expect(find(generate(canary()), "VirtualService", "podinfo")).toEqual(vs({ hosts: ["podinfo"], gateways: ["mesh"], http: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }] }));
  });

  it("gateways without mesh stay without mesh; the apex host is appended; route fields come from the service (§4.2)", () => {
    const service = `    port: 9898
    gateways: [istio-system/public-gateway]
    hosts: [app.example.com]
    match: [{uri: {prefix: /api}}]
    rewrite: {uri: /, authority: internal}
    timeout: 30s
    retries: {attempts: 3, perTryTimeout: 1s, retryOn: "gateway-error"}
    headers:
      request: {add: {x-from: flagger}}
    corsPolicy: {allowOrigins: [{exact: "https://example.com"}], allowMethods: [GET], maxAge: 24h}
    apex:
      labels: {team: web}
      annotations: {note: apex}`;
    expect(find(generate(canary({ service }), { routes: { primaryWeight: 70, canaryWeight: 30, mirrored: false } }), "VirtualService", "podinfo")).toEqual(
      vs(
        {
          hosts: ["app.example.com", "podinfo"],
          gateways: ["istio-system/public-gateway"],
          http: [
            {
              match: [{ uri: { prefix: "/api" } }],
              route: [dest("podinfo-primary", 70), dest("podinfo-canary", 30)],
              rewrite: { uri: "/", authority: "internal" },
              timeout: "30s",
              retries: { attempts: 3, perTryTimeout: "1s", retryOn: "gateway-error" },
              corsPolicy: { allowOrigins: [{ exact: "https://example.com" }], allowMethods: ["GET"], maxAge: "24h" },
              headers: { request: { add: { "x-from": "flagger" } } },
            },
          ],
        },
        { labels: { team: "web" }, annotations: { note: "apex", ...MARKERS } },
      ),
    );
  });

  it("destination ports only with portDiscovery and a first gateway other than mesh — order matters (§4.2 QUIRK)", () => {
    const withPort = find(generate(canary({ service: "    port: 9898\n    portDiscovery: true\n    gateways: [istio/gw, mesh]" })), "VirtualService", "podinfo")!;
    const withoutPort = find(generate(canary({ service: "    port: 9898\n    portDiscovery: true\n    gateways: [mesh, istio/gw]" })), "VirtualService", "podinfo")!;
    expect((withPort.spec as { http: unknown[] }).http).toEqual([{ route: [{ destination: { host: "podinfo-primary", port: { number: 9898 } }, weight: 100 }, { destination: { host: "podinfo-canary", port: { number: 9898 } }, weight: 0 }] }]);
    expect((withoutPort.spec as { http: unknown[] }).http).toEqual([{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }]);
  });

  it("A/B: merged match route then a single-destination fallback whose weight follows the primary (§4.4 QUIRKs)", () => {
    const generated = generate(canary({ service: "    port: 9898\n    match: [{uri: {prefix: /api}, headers: {x-env: {exact: prod}}}]", analysis: ab }), { routes: { primaryWeight: 0, canaryWeight: 100, mirrored: false } });
    expect(find(generated, "VirtualService", "podinfo")).toEqual(
      vs({
        hosts: ["podinfo"],
        gateways: ["mesh"],
        http: [
          // The analysis queryParams are dropped and the service's headers are replaced, not merged.
          { match: [{ uri: { prefix: "/api" }, headers: { "x-canary": { exact: "insider" } } }], route: [dest("podinfo-primary", 0), dest("podinfo-canary", 100)] },
          { match: [{ uri: { prefix: "/api" }, headers: { "x-env": { exact: "prod" } } }], route: [dest("podinfo-primary", 0)] },
        ],
      }),
    );
  });

  it("A/B without a service match keeps the analysis match verbatim (§4.4)", () => {
    const http = (find(generate(canary({ analysis: ab })), "VirtualService", "podinfo")!.spec as { http: unknown[] }).http;
    expect(http).toEqual([
      { match: [{ headers: { "x-canary": { exact: "insider" } }, queryParams: { tier: { exact: "gold" } } }], route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] },
      { route: [dest("podinfo-primary", 100)] },
    ]);
  });

  it("mirroring: mirror and mirrorPercentage on http[0] after a mirrored SetRoutes, never after Reconcile (§4.5)", () => {
    const yaml = canary({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    mirror: true\n    mirrorWeight: 50" });
    expect((find(generate(yaml, { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: true } }), "VirtualService", "podinfo")!.spec as { http: unknown[] }).http).toEqual([
      { route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)], mirror: { host: "podinfo-canary" }, mirrorPercentage: { value: 50 } },
    ]);
    expect((find(generate(yaml), "VirtualService", "podinfo")!.spec as { http: unknown[] }).http).toEqual([{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }]);
  });

  it("session affinity during a run: sticky canary and primary routes, then the weighted route setting both cookies (§4.6)", () => {
    const yaml = canary({
      analysis: "    interval: 2m\n    threshold: 2\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie\n      primaryCookieName: primary-cookie\n      maxAge: 600\n      path: /\n      secure: true",
    });
    const http = (find(generate(yaml, { routes: { primaryWeight: 90, canaryWeight: 10, mirrored: false } }), "VirtualService", "podinfo")!.spec as { http: Array<Record<string, unknown>> }).http;
    const canaryCookie = /flagger-cookie=([A-Za-z]{10})/.exec(JSON.stringify(http))![1];
    const primaryCookie = /primary-cookie=([A-Za-z]{10})/.exec(JSON.stringify(http))![1];
    expect(http).toEqual([
      { match: [{ headers: { Cookie: { regex: `.*flagger-cookie.*${canaryCookie}.*` } } }], route: [dest("podinfo-primary", 0), dest("podinfo-canary", 100)] },
      { match: [{ headers: { Cookie: { regex: `.*primary-cookie.*${primaryCookie}.*` } } }], route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] },
      {
        route: [
          dest("podinfo-primary", 90, { headers: { response: { add: { "Set-Cookie": `primary-cookie=${primaryCookie}; Max-Age=120; Path=/; Secure` } } } }),
          dest("podinfo-canary", 10, { headers: { response: { add: { "Set-Cookie": `flagger-cookie=${canaryCookie}; Max-Age=600; Path=/; Secure` } } } }),
        ],
      },
    ]);
  });

  it("session affinity at weight 0 after a run: the expire route, and the shared-headers aliasing (§4.6 QUIRK)", () => {
    const yaml = canary({ service: "    port: 9898\n    headers:\n      response: {set: {x-served-by: podinfo}}", analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie" });
    const http = (find(generate(yaml, { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: false } }), "VirtualService", "podinfo")!.spec as { http: Array<Record<string, unknown>> }).http;
    const cookie = /flagger-cookie=([A-Za-z]{10})/.exec(JSON.stringify(http))![1];
    const headers = { response: { set: { "x-served-by": "podinfo" }, add: { "Set-Cookie": `flagger-cookie=${cookie}; Max-Age=-1` } } };
    expect(http).toEqual([
      { match: [{ headers: { Cookie: { regex: `.*flagger-cookie.*${cookie}.*` } } }], route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)], headers },
      { route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)], headers },
    ]);
  });

  it("delegation: empty hosts, no gateways; with hosts Flagger refuses the VirtualService (§4.2)", () => {
    expect(find(generate(canary({ service: "    port: 9898\n    delegation: true" })), "VirtualService", "podinfo")).toEqual(
      vs({ hosts: [], http: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }] }),
    );
    const refused = generate(canary({ service: "    port: 9898\n    delegation: true\n    hosts: [app.example.com]" }));
    expect(find(refused, "VirtualService", "podinfo")).toBeUndefined();
    expect(refused.notes.some((n) => n.includes("cannot have hosts and gateways when delegation enabled"))).toBe(true);
  });

  it("TCP: a tcp route with port matches and no http (§4.2)", () => {
    const generated = generate(canary({ service: "    port: 6379\n    appProtocol: TCP\n    match: [{port: 6379}]" }), { routes: { primaryWeight: 80, canaryWeight: 20, mirrored: false } });
    expect(find(generated, "VirtualService", "podinfo")).toEqual(
      vs({ hosts: ["podinfo"], gateways: ["mesh"], tcp: [{ match: [{ port: 6379 }], route: [dest("podinfo-primary", 80), dest("podinfo-canary", 20)] }] }),
    );
  });
});
