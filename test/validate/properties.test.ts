/**
 * Whatever the input — random text, YAML-shaped noise, mutated corpus files, Canaries with random
 * values at the CRD's paths — validation returns findings and never throws, and every finding
 * points inside its file: 1 ≤ line ≤ the file's line count, column ≥ 1.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { isRegisteredCode } from "../../src/validate/codes.js";
import { allFindings, validateManifests } from "../../src/validate/validate.js";
import { baseCanary, baseDeployment } from "./support.js";

const CORPUS = join(import.meta.dirname, "../../../shared/corpus");
const CORPUS_TEXTS = ["canaries", "templated"].flatMap((dir) => readdirSync(join(CORPUS, dir)).sort().map((f) => readFileSync(join(CORPUS, dir, f), "utf8")));

const TOKENS = [
  "key: ", "- ", "  ", "    ", "\n", "\n", "\n", "---\n", "...\n", "{", "}", "[", "]", ", ", ": ", "&a ", "*a", "!tag ", "!!binary ", "|\n", ">-\n", "'", '"', "# c", "\t", "\r\n",
  "null", "~", "1.5", "-1", "yes", "2024-01-01", "1:20", "0x1F", ".inf", "<<: *a\n", "? ", "\u0000", "\ufeff", "😀",
  "apiVersion: flagger.app/v1beta1\n", "kind: Canary\n", "kind: MetricTemplate\n", "kind: Deployment\napiVersion: apps/v1\n", "metadata:\n  name: x\n", "spec:\n", "  analysis:\n",
  "    interval: 5mins\n", "    stepWeights: [10, 5]\n", "    match:\n      - headers: {a: {}}\n", "  targetRef: {kind: Deployment, name: x, apiVersion: apps/v1}\n", "  service: {port: 80, targetPort: http}\n",
  "    metrics:\n      - name: x\n        templateRef: {name: t}\n", "  query: '{{ variables.a }} {{ .x }} {{'\n", "{{ .Values.x }}", "{{ namespace }}",
  "constructor: 1\n", "__proto__: {a: 1}\n", "toString:\n", "hasOwnProperty: x\n",
];

const yamlish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((parts) => parts.join(""));

const mutatedCorpus = fc
  .record({
    file: fc.integer({ min: 0, max: CORPUS_TEXTS.length - 1 }),
    edits: fc.array(fc.record({ kind: fc.constantFrom("delete", "duplicate", "insert", "indent", "value", "truncate", "swap"), at: fc.nat(), token: fc.constantFrom(...TOKENS) }), { minLength: 1, maxLength: 5 }),
  })
  .map(({ file, edits }) => {
    let lines = CORPUS_TEXTS[file]!.split("\n");
    for (const { kind, at, token } of edits) {
      const i = lines.length === 0 ? 0 : at % lines.length;
      const line = lines[i] ?? "";
      switch (kind) {
        case "delete":
          lines.splice(i, 1);
          break;
        case "duplicate":
          lines.splice(i, 0, line);
          break;
        case "insert":
          lines[i] = line.slice(0, at % (line.length + 1)) + token + line.slice(at % (line.length + 1));
          break;
        case "indent":
          lines[i] = at % 2 === 0 ? ` ${line}` : line.replace(/^ /, "");
          break;
        case "value":
          lines[i] = line.replace(/: .*$/, `: ${token.trim()}`);
          break;
        case "truncate":
          lines = lines.slice(0, i);
          break;
        case "swap": {
          const j = (at * 7) % Math.max(lines.length, 1);
          [lines[i], lines[j]] = [lines[j] ?? "", line];
          break;
        }
      }
    }
    return lines.join("\n");
  });

/** Canaries with arbitrary JSON at arbitrary spec paths: exercises the rules behind the schema. */
const PATHS = [
  ["spec", "provider"], ["spec", "targetRef"], ["spec", "targetRef", "name"], ["spec", "service"], ["spec", "service", "port"], ["spec", "service", "targetPort"], ["spec", "service", "name"],
  ["spec", "service", "hosts"], ["spec", "service", "gateways"], ["spec", "service", "gatewayRefs"], ["spec", "service", "match"], ["spec", "analysis"], ["spec", "analysis", "interval"],
  ["spec", "analysis", "threshold"], ["spec", "analysis", "stepWeights"], ["spec", "analysis", "stepWeight"], ["spec", "analysis", "maxWeight"], ["spec", "analysis", "iterations"],
  ["spec", "analysis", "match"], ["spec", "analysis", "metrics"], ["spec", "analysis", "webhooks"], ["spec", "analysis", "alerts"], ["spec", "analysis", "sessionAffinity"], ["spec", "ingressRef"],
  ["spec", "autoscalerRef"], ["metadata"], ["metadata", "name"], ["spec", "analysis", "metrics", 0], ["spec", "analysis", "webhooks", 0, "timeout"], ["spec", "analysis", "mirror"],
] as const;

const randomCanary = fc
  .record({ changes: fc.array(fc.record({ path: fc.constantFrom(...PATHS), value: fc.jsonValue({ maxDepth: 3 }) }), { minLength: 1, maxLength: 4 }), provider: fc.constantFrom("istio", "nginx", "kubernetes", "gatewayapi:v1", "linkerd", "knative", "appmesh") })
  .map(({ changes, provider }) => {
    const canary = baseCanary();
    canary.spec.provider = provider;
    for (const { path, value } of changes) {
      let node: any = canary;
      for (const segment of path.slice(0, -1)) {
        if (typeof node[segment] !== "object" || node[segment] === null) node[segment] = typeof segment === "number" ? [] : {};
        node = node[segment];
      }
      node[path[path.length - 1]!] = value;
    }
    return `${stringify(canary)}---\n${stringify(baseDeployment())}`;
  });

const anyInput = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 4, arbitrary: yamlish },
  { weight: 4, arbitrary: mutatedCorpus },
  { weight: 3, arbitrary: randomCanary },
);

function lineCount(content: string | Uint8Array): number {
  const text = typeof content === "string" ? content : new TextDecoder("utf-8").decode(content);
  return text.split("\n").length;
}

describe("validation of arbitrary input (10,000 cases)", () => {
  it("never throws, and every finding is inside its file with a registered code", () => {
    fc.assert(
      fc.property(fc.array(anyInput, { minLength: 1, maxLength: 2 }), (inputs) => {
        const files = inputs.map((content, i) => parseManifestFile({ path: `f${i}.yaml`, content }));
        const result = validateManifests({ files, settings: DEFAULT_CONTROLLER_SETTINGS });
        result.files.forEach((file, i) => {
          const lines = lineCount(inputs[i]!);
          for (const finding of allFindings(file)) {
            if (!(finding.line >= 1 && finding.line <= lines && finding.column >= 1 && isRegisteredCode(finding.code))) {
              throw new Error(`finding outside the file (${lines} lines) or unregistered: ${JSON.stringify(finding)}`);
            }
          }
        });
      }),
      { numRuns: 10_000, seed: Number(process.env.PROPERTY_SEED ?? 7) },
    );
  });

  it("the check itself catches a finding past the end of the file", () => {
    const finding = { code: "YAML_SYNTAX", severity: "error", message: "", path: "", line: 3, column: 1 };
    expect(finding.line <= lineCount("a: 1\n")).toBe(false);
  });
});
