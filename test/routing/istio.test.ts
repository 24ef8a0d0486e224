/** Istio DestinationRules and VirtualService (docs/flagger-routing.md §4, §8). */
import { describe, expect, it } from "vitest";
import { placeholderCookieValue } from "../../src/routing/istio.js";
import { renderResourceYaml } from "../../src/routing/yaml.js";
import { canary, find, generate, MARKERS, OWNER, resolve } from "./helpers.js";

const dest = (host: string, weight: number, extra: Record<string, unknown> = {}) => ({ destination: { host }, weight, ...extra });
const vs = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "networking.istio.io/v1beta1",
  kind: "VirtualService",
  metadata: { name: "podinfo", namespace: "test", annotations: MARKERS, ...metadata, ownerReferences: [OWNER] },
  spec,
});
const ab = "    interval: 1m\n    threshold: 2\n    iterations: 5\n    match:\n      - headers:\n          x-canary: {exact: insider}\n        queryParams:\n          tier: {exact: gold}";

describe("Istio DestinationRules (flagger-routing.md §4.1)", () => {
  it("§4.1: one per Service host, no subsets, trafficPolicy (TLS, load balancer) copied to both", () => {
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
    const withPort = find(generate(canary({ service: "    port: 9898\n    portDiscovery: true\n    gateways: [istio/gw, mesh]" })), "VirtualService", "podinfo");
    const withoutPort = find(generate(canary({ service: "    port: 9898\n    portDiscovery: true\n    gateways: [mesh, istio/gw]" })), "VirtualService", "podinfo");
    const port = { port: { number: 9898 } };
    expect(withPort).toEqual(
      vs({
        hosts: ["podinfo"],
        gateways: ["istio/gw", "mesh"],
        http: [{ route: [{ destination: { host: "podinfo-primary", ...port }, weight: 100 }, { destination: { host: "podinfo-canary", ...port }, weight: 0 }] }],
      }),
    );
    expect(withoutPort).toEqual(vs({ hosts: ["podinfo"], gateways: ["mesh", "istio/gw"], http: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }] }));
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
    expect(find(generate(yaml, { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: true } }), "VirtualService", "podinfo")).toEqual(
      vs({ hosts: ["podinfo"], gateways: ["mesh"], http: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)], mirror: { host: "podinfo-canary" }, mirrorPercentage: { value: 50 } }] }),
    );
    expect(find(generate(yaml), "VirtualService", "podinfo")).toEqual(vs({ hosts: ["podinfo"], gateways: ["mesh"], http: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }] }));
  });

  it("session affinity during a run: sticky canary and primary routes, then the weighted route setting both cookies (§4.6)", () => {
    const yaml = canary({
      analysis: "    interval: 2m\n    threshold: 2\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie\n      primaryCookieName: primary-cookie\n      maxAge: 600\n      path: /\n      secure: true",
    });
    const generated = generate(yaml, { routes: { primaryWeight: 90, canaryWeight: 10, mirrored: false } });
    const virtualService = find(generated, "VirtualService", "podinfo")!;
    const canaryCookie = /flagger-cookie=([A-Za-z]{10})/.exec(JSON.stringify(virtualService))![1]!;
    const primaryCookie = /primary-cookie=([A-Za-z]{10})/.exec(JSON.stringify(virtualService))![1]!;
    // The placeholder values are derived from the Canary's name, and said so.
    expect([canaryCookie, primaryCookie]).toEqual([placeholderCookieValue(resolve(yaml), "canary"), placeholderCookieValue(resolve(yaml), "primary")]);
    expect(generated.notes).toContain(`Session affinity cookie values are 10 random letters Flagger chooses at the first step of a run (status.sessionAffinityCookie); ${canaryCookie}, derived from the Canary's namespace and name, stands for them here.`);
    expect(virtualService).toEqual(vs({ hosts: ["podinfo"], gateways: ["mesh"], http: [
      { match: [{ headers: { Cookie: { regex: `.*flagger-cookie.*${canaryCookie}.*` } } }], route: [dest("podinfo-primary", 0), dest("podinfo-canary", 100)] },
      { match: [{ headers: { Cookie: { regex: `.*primary-cookie.*${primaryCookie}.*` } } }], route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] },
      {
        route: [
          dest("podinfo-primary", 90, { headers: { response: { add: { "Set-Cookie": `primary-cookie=${primaryCookie}; Max-Age=120; Path=/; Secure` } } } }),
          dest("podinfo-canary", 10, { headers: { response: { add: { "Set-Cookie": `flagger-cookie=${canaryCookie}; Max-Age=600; Path=/; Secure` } } } }),
        ],
      },
    ] }));
  });

  it("session affinity at weight 0 after a run: the expire route, and the shared-headers aliasing (§4.6 QUIRK)", () => {
    const yaml = canary({ service: "    port: 9898\n    headers:\n      response: {set: {x-served-by: podinfo}}", analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie" });
    const virtualService = find(generate(yaml, { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: false } }), "VirtualService", "podinfo");
    const cookie = placeholderCookieValue(resolve(yaml), "canary");
    const headers = { response: { set: { "x-served-by": "podinfo" }, add: { "Set-Cookie": `flagger-cookie=${cookie}; Max-Age=-1` } } };
    expect(virtualService).toEqual(
      vs({
        hosts: ["podinfo"],
        gateways: ["mesh"],
        http: [
          { match: [{ headers: { Cookie: { regex: `.*flagger-cookie.*${cookie}.*` } } }], route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)], headers },
          { route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)], headers },
        ],
      }),
    );
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

describe("Istio VirtualService, more SetRoutes cases (flagger-routing.md §4.2–§4.6, §8)", () => {
  it("§8 blue/green: SetRoutes(0, 100) after the iterations sends everything to the canary, no mirror", () => {
    const yaml = canary({ analysis: "    interval: 1m\n    threshold: 2\n    iterations: 5\n    mirror: true" });
    expect(find(generate(yaml, { routes: { primaryWeight: 0, canaryWeight: 100, mirrored: false } }), "VirtualService", "podinfo")).toEqual(
      vs({ hosts: ["podinfo"], gateways: ["mesh"], http: [{ route: [dest("podinfo-primary", 0), dest("podinfo-canary", 100)] }] }),
    );
  });

  it("§4.2 QUIRK: a rewrite with only `type` is written as an empty rewrite; mirror sits between retries and corsPolicy in Istio's field order (§4.5)", () => {
    const service = `    port: 9898
    rewrite: {type: ReplacePrefixMatch}
    retries: {attempts: 2}
    corsPolicy: {allowOrigins: [{exact: "*"}]}
    headers: {response: {remove: [x-debug]}}`;
    const virtualService = find(generate(canary({ service }), { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: true } }), "VirtualService", "podinfo")!;
    expect(virtualService).toEqual(
      vs({
        hosts: ["podinfo"],
        gateways: ["mesh"],
        http: [
          {
            route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)],
            rewrite: {},
            retries: { attempts: 2 },
            mirror: { host: "podinfo-canary" },
            corsPolicy: { allowOrigins: [{ exact: "*" }] },
            headers: { response: { remove: ["x-debug"] } },
          },
        ],
      }),
    );
    expect(renderResourceYaml(virtualService)).toContain(
      ["      rewrite: {}", "      retries:", "        attempts: 2", "      mirror:", "        host: podinfo-canary", "      corsPolicy:"].join("\n"),
    );
  });

  it("§4.6 with a service match: the cookie match replaces the service match's headers, one entry per service match; the mirror lands on the sticky route (§4.5 QUIRK)", () => {
    const yaml = canary({
      service: "    port: 9898\n    match:\n      - uri: {prefix: /api}\n        headers: {x-env: {exact: prod}}\n      - uri: {prefix: /v2}",
      analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    mirror: true\n    sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 0\n      domain: example.com\n      httpOnly: true\n      partitioned: true\n      sameSite: Strict",
    });
    const cookie = placeholderCookieValue(resolve(yaml), "canary");
    const cookieHeaders = { Cookie: { regex: `.*flagger-cookie.*${cookie}.*` } };
    const serviceMatch = [{ uri: { prefix: "/api" }, headers: { "x-env": { exact: "prod" } } }, { uri: { prefix: "/v2" } }];
    expect(find(generate(yaml, { routes: { primaryWeight: 80, canaryWeight: 20, mirrored: true } }), "VirtualService", "podinfo")).toEqual(
      vs({
        hosts: ["podinfo"],
        gateways: ["mesh"],
        http: [
          {
            match: [
              { uri: { prefix: "/api" }, headers: cookieHeaders },
              { uri: { prefix: "/v2" }, headers: cookieHeaders },
            ],
            route: [dest("podinfo-primary", 0), dest("podinfo-canary", 100)],
            mirror: { host: "podinfo-canary" },
          },
          {
            match: serviceMatch,
            route: [
              dest("podinfo-primary", 80),
              // maxAge 0 counts as the default 86400; attributes in BuildCookie's fixed order.
              dest("podinfo-canary", 20, { headers: { response: { add: { "Set-Cookie": `flagger-cookie=${cookie}; Max-Age=86400; Domain=example.com; HttpOnly; Partitioned; SameSite=Strict` } } } }),
            ],
          },
        ],
      }),
    );
  });

  it("§4.6: the expire route without service headers carries a private Set-Cookie; the weighted route stays clean; Reconcile writes no sticky route", () => {
    const yaml = canary({ analysis: "    interval: 1m\n    threshold: 2\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie" });
    const cookie = placeholderCookieValue(resolve(yaml), "canary");
    expect(find(generate(yaml, { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: false } }), "VirtualService", "podinfo")).toEqual(
      vs({
        hosts: ["podinfo"],
        gateways: ["mesh"],
        http: [
          {
            match: [{ headers: { Cookie: { regex: `.*flagger-cookie.*${cookie}.*` } } }],
            route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)],
            headers: { response: { add: { "Set-Cookie": `flagger-cookie=${cookie}; Max-Age=-1` } } },
          },
          { route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] },
        ],
      }),
    );
    expect(find(generate(yaml), "VirtualService", "podinfo")).toEqual(vs({ hosts: ["podinfo"], gateways: ["mesh"], http: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }] }));
  });

  it("§4.6: primaryCookieName with an interval that is not a Go duration makes SetRoutes fail; the VirtualService stays as initialized and a note says why", () => {
    const yaml = canary({ analysis: "    threshold: 2\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie\n      primaryCookieName: primary-cookie" });
    const generated = generate(yaml, { routes: { primaryWeight: 90, canaryWeight: 10, mirrored: false } });
    expect(find(generated, "VirtualService", "podinfo")).toEqual(vs({ hosts: ["podinfo"], gateways: ["mesh"], http: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }] }));
    expect(generated.notes.filter((n) => !n.includes("is not in the repository"))).toEqual([
      'analysis.sessionAffinity.primaryCookieName is set but analysis.interval ("") is not a Go duration: Flagger\'s SetRoutes fails with "failed to parse canary interval" and leaves the VirtualService as it was, shown here as on initialization (Flagger v1.44 pkg/router/istio.go). Set analysis.interval, e.g. 1m.',
    ]);
  });

  it("§4.2 delegation with portDiscovery: destinations carry the port although there is no gateway", () => {
    const port = { port: { number: 9898 } };
    expect(find(generate(canary({ service: "    port: 9898\n    delegation: true\n    portDiscovery: true" })), "VirtualService", "podinfo")).toEqual(
      vs({ hosts: [], http: [{ route: [{ destination: { host: "podinfo-primary", ...port }, weight: 100 }, { destination: { host: "podinfo-canary", ...port }, weight: 0 }] }] }),
    );
  });

  it("§4.2 hosts: an explicit `*` or apex host is not appended again; §4.4 A/B ignores the mirror flag", () => {
    const yaml = canary({ service: "    port: 9898\n    hosts: ['*']\n    gateways: [public, mesh]", analysis: ab });
    const generated = generate(yaml, { routes: { primaryWeight: 0, canaryWeight: 100, mirrored: true } });
    expect(find(generated, "VirtualService", "podinfo")).toEqual(
      vs({
        hosts: ["*"],
        gateways: ["public", "mesh"],
        http: [
          { match: [{ headers: { "x-canary": { exact: "insider" } }, queryParams: { tier: { exact: "gold" } } }], route: [dest("podinfo-primary", 0), dest("podinfo-canary", 100)] },
          { route: [dest("podinfo-primary", 0)] },
        ],
      }),
    );
    expect(generated.notes).toContain("With analysis.match the A/B layout replaces everything: no mirror is written (Flagger v1.44 pkg/router/istio.go).");
  });

  it("§4.2 TCP: no port matches without service.match; the mirror flag is a note, not a mirror", () => {
    const generated = generate(canary({ service: "    port: 6379\n    appProtocol: tcp" }), { routes: { primaryWeight: 100, canaryWeight: 0, mirrored: true } });
    expect(find(generated, "VirtualService", "podinfo")).toEqual(vs({ hosts: ["podinfo"], gateways: ["mesh"], tcp: [{ route: [dest("podinfo-primary", 100), dest("podinfo-canary", 0)] }] }));
    expect(generated.notes).toContain("Istio does not mirror TCP traffic: the mirror flag has no effect (Flagger v1.44 pkg/router/istio.go).");
  });
});
