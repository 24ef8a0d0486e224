/**
 * Links from the Flagger source files that messages cite ("Flagger v1.44 runCanary in
 * pkg/controller/scheduler.go") to that file at v1.44.0 on GitHub. Only files of this closed list
 * become links (test/markdown/flagger-source.test.ts checks that every citation in src/ is in it),
 * so repository text can never choose a link target.
 */
export const FLAGGER_SOURCE_URL = "https://github.com/fluxcd/flagger/blob/v1.44.0";
export const FLAGGER_TREE_URL = "https://github.com/fluxcd/flagger/tree/v1.44.0";

/** Every Flagger path a message of canary-bot cites; each exists at v1.44.0. */
export const FLAGGER_FILES: ReadonlySet<string> = new Set([
  "artifacts/flagger/crd.yaml",
  "pkg/apis/flagger/v1beta1/canary.go",
  "pkg/apis/flagger/v1beta1/metric.go",
  "pkg/apis/flagger/v1beta1/provider.go",
  "pkg/canary/deployment_controller.go",
  "pkg/canary/deployment_ready.go",
  "pkg/canary/hpa_reconciler.go",
  "pkg/canary/status.go",
  "pkg/controller/controller.go",
  "pkg/controller/events.go",
  "pkg/controller/scheduler.go",
  "pkg/controller/scheduler_metrics.go",
  "pkg/controller/webhook.go",
  "pkg/metrics/observers/",
  "pkg/metrics/observers/factory.go",
  "pkg/metrics/observers/render.go",
  "pkg/metrics/providers/",
  "pkg/metrics/providers/prometheus.go",
  "pkg/router/",
  "pkg/router/apisix.go",
  "pkg/router/appmesh.go",
  "pkg/router/factory.go",
  "pkg/router/gateway_api.go",
  "pkg/router/ingress.go",
  "pkg/router/istio.go",
  "pkg/router/kubernetes_default.go",
  "pkg/router/skipper.go",
  "pkg/router/util.go",
]);

/**
 * Turns the cited Flagger paths of text already escaped with `escapeText` (where `_` reads `\_`)
 * into links. Paths inside code spans are left alone.
 */
export function linkFlaggerSources(escaped: string): string {
  return escaped
    .split(/(`+[^`]*?`+)/)
    .map((part, index) =>
      index % 2 === 1
        ? part
        : part.replace(/(?:pkg|artifacts)\/(?:[A-Za-z0-9/.-]|\\_)+/g, (match) => {
            const label = match.replace(/[.]+$/, "");
            const path = label.replace(/\\_/g, "_");
            if (!FLAGGER_FILES.has(path)) return match;
            const url = path.endsWith("/") ? `${FLAGGER_TREE_URL}/${path}` : `${FLAGGER_SOURCE_URL}/${path}`;
            return `[${label}](${url})${match.slice(label.length)}`;
          }),
    )
    .join("");
}
