/**
 * Repositories written to disk for the whole-process benchmarks: the generated apps of
 * repository.ts in two layouts (one object per file, or one rendered multi-document stream as a
 * kustomize build prints it) and two pathological shapes that defeat naive pairwise checks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generateApp } from "./repository.js";

export type Layout = "files" | "stream";

/**
 * - `distinct`: one host per app, as in a real repository.
 * - `shared-host`: every Canary on Istio, on one gateway and one host, split by distinct
 *   `service.match` prefixes (Flagger FAQ): no conflict, but one bucket of them all.
 * - `shared-template`: every Canary uses one MetricTemplate.
 */
export type Shape = "distinct" | "shared-host" | "shared-template";

const IMAGE = { image: "ghcr.io/stefanprodan/podinfo:6.7.0", maxWeight: 50 };

const SHARED_TEMPLATE = `apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: latency
  namespace: apps
spec:
  provider:
    type: prometheus
    address: http://prometheus.monitoring:9090
  query: |
    histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{namespace="{{ namespace }}", pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) by (le))
`;

/** The files of `count` apps of one shape, as path → text. */
export function generateShape(count: number, shape: Shape, variant = IMAGE): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) {
    const app = generateApp(i, variant, shape === "shared-host" ? { provider: "istio" } : {});
    for (const [path, text] of Object.entries(app.files)) files[path] = reshape(text, app.name, shape, path.endsWith("canary.yaml"));
  }
  if (shape === "shared-template") files["apps/metric-template.yaml"] = SHARED_TEMPLATE;
  return files;
}

function reshape(text: string, name: string, shape: Shape, isCanary: boolean): string {
  if (shape === "distinct") return text.replaceAll("app.example.com", `${name}.example.com`);
  if (!isCanary) return text;
  if (shape === "shared-host") {
    return text.replace("    hosts:\n      - app.example.com\n", `    hosts:\n      - app.example.com\n    match:\n      - uri:\n          prefix: /${name}\n`);
  }
  const distinct = text.replaceAll("app.example.com", `${name}.example.com`);
  return distinct.replace(
    "    metrics:\n",
    "    metrics:\n      - name: latency\n        templateRef:\n          name: latency\n          namespace: apps\n        interval: 1m\n        thresholdRange:\n          max: 0.5\n",
  );
}

/** Writes the files under `root`; with the stream layout, as one `rendered.yaml`. Returns the bytes written. */
export function writeShape(root: string, files: Record<string, string>, layout: Layout): { bytes: number; files: number } {
  if (layout === "stream") {
    const text = Object.values(files).join("---\n");
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "rendered.yaml"), text);
    return { bytes: Buffer.byteLength(text), files: 1 };
  }
  let bytes = 0;
  for (const [path, text] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    bytes += Buffer.byteLength(text);
  }
  return { bytes, files: Object.keys(files).length };
}
