/**
 * Reading manifests: every bad input becomes a finding with a line, nothing throws, and nothing is
 * dropped without a finding. Speed and memory of these cases are in `npm run bench`; here the tests
 * pin the mechanism that bounds them (e.g. a too-deep file never reaches the YAML parser).
 */
import { describe, expect, it } from "vitest";
import { INPUT_LIMITS } from "../../src/limits.js";
import { classify, findExcessiveNesting, parseManifestFile, type ManifestFile } from "../../src/canary/parse.js";

function parse(content: string | Uint8Array, path = "x.yaml"): ManifestFile {
  return parseManifestFile({ path, content });
}

function codes(file: ManifestFile): Array<[string, number, number]> {
  return file.findings.map((f) => [f.code, f.line, f.column]);
}

const CANARY = `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
`;

describe("syntax errors", () => {
  it("are findings on their line, and the other documents are still read", () => {
    const file = parse(`${CANARY}---\nkind: ConfigMap\nmetadata: [1, 2\nname: }\n`);
    expect(file.documents.map((d) => d.kind)).toEqual(["Canary", "other"]);
    expect(file.documents[1]!.value).toBeUndefined();
    expect(file.findings.every((f) => f.code === "YAML_SYNTAX" && f.line >= 13)).toBe(true);
    expect(file.findings.length).toBeGreaterThan(0);
    expect(file.findings[0]!.message).toContain("was not validated further");
  });

  it("a tab used as indentation", () => {
    expect(codes(parse("kind: A\na:\n\tb: 1\n"))).toEqual([["YAML_SYNTAX", 3, 1]]);
  });

  it("a duplicate key", () => {
    expect(codes(parse("kind: A\na: 1\nb: 2\na: 3\n"))).toEqual([["YAML_DUPLICATE_KEY", 4, 1]]);
  });

  it("an unknown tag is a warning", () => {
    expect(codes(parse("kind: A\na: !custom x\n"))).toEqual([["YAML_WARNING", 2, 4]]);
  });

  it("are not reported for YAML that is not a manifest (no apiVersion or kind): CI files, Helm values", () => {
    const workflow = "name: ci\non:\n  push:\njobs:\n  test:\n\truns-on: ubuntu-latest\n";
    const file = parse(workflow, ".github/workflows/ci.yml");
    expect(file.findings).toEqual([]);
    expect(file.documents.map((d) => d.kind)).toEqual(["other"]);
    expect(parse("a: 1\na: 2\n").findings).toEqual([]);
  });
});

describe("Helm templates", () => {
  it("holding a Flagger Canary: skipped, with a notice on the first Helm action that counts the others", () => {
    const file = parse(`{{- if .Values.canary.enabled }}\n${CANARY}  service:\n    port: {{ .Values.port }}\n{{- end }}\n`);
    expect(codes(file)).toEqual([["HELM_TEMPLATE", 1, 1]]);
    expect(file.findings[0]!.severity).toBe("notice");
    expect(file.findings[0]!.message).toContain("and 2 more template actions");
    expect(file.documents).toEqual([]);
    expect(file.skipped).toBe("helm-template");
  });

  it("other templates are skipped without a finding (counted by the caller)", () => {
    const file = parse("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n");
    expect({ findings: file.findings, documents: file.documents, skipped: file.skipped }).toEqual({ findings: [], documents: [], skipped: "helm-template" });
  });

  it("a file the caller knows is under a chart's templates/ folder is a template even without actions", () => {
    const file = parseManifestFile({ path: "charts/app/templates/canary.yaml", content: CANARY, helmTemplate: true });
    expect(file.skipped).toBe("helm-template");
    expect(codes(file)).toEqual([["HELM_TEMPLATE", 1, 1]]);
  });

  it("YAML with Go templates that is not a manifest (.goreleaser.yml) is ignored, not a template", () => {
    const file = parse("project_name: flagger\narchives:\n  - name_template: '{{ .ProjectName }}_{{ .Version }}'\n", ".goreleaser.yml");
    expect({ findings: file.findings, skipped: file.skipped }).toEqual({ findings: [], skipped: undefined });
  });

  it("Flagger's own query placeholders are not Helm", () => {
    const file = parse('apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: t\nspec:\n  query: sum(rate(x{ns="{{ namespace }}", t=~"{{ target }}"}[{{ interval }}])) / {{ variables.total }}\n');
    expect(file.findings).toEqual([]);
    expect(file.documents[0]!.kind).toBe("MetricTemplate");
  });
});

describe("empty input", () => {
  it("an empty file and a comment-only file", () => {
    expect(codes(parse(""))).toEqual([["EMPTY_FILE", 1, 1]]);
    expect(codes(parse("# nothing here\n"))).toEqual([["EMPTY_FILE", 1, 1]]);
  });

  it("empty documents between separators", () => {
    const file = parse(`---\n---\n${CANARY}---\n# trailing comment\n`);
    expect(codes(file)).toEqual([["EMPTY_DOCUMENT", 1, 1], ["EMPTY_DOCUMENT", 13, 1]]);
    expect(file.documents.map((d) => d.kind)).toEqual(["empty", "Canary", "empty"]);
  });

  it("a commented-out Canary is named as such", () => {
    const alone = parse(CANARY.split("\n").map((l) => (l ? `# ${l}` : l)).join("\n"));
    expect(codes(alone)).toEqual([["EMPTY_FILE", 1, 1]]);
    expect(alone.findings[0]!.message).toContain("commented-out Canary");
    const afterService = parse(`apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\n---\n${CANARY.split("\n").map((l) => (l ? `# ${l}` : l)).join("\n")}`);
    expect(afterService.documents.map((d) => d.kind)).toEqual(["Service", "empty"]);
    expect(afterService.findings[0]!.message).toContain("commented-out Canary");
  });
});

describe("inputs that once crashed", () => {
  it("an anchor with a control character (found by test/validate/properties.test.ts)", () => {
    expect(() => parse(new Uint8Array([38, 1]))).not.toThrow();
    expect(codes(parse(new Uint8Array([38, 1])))).toEqual([["EMPTY_DOCUMENT", 1, 1]]);
  });

  it("keys named like Object.prototype members are plain unknown fields", () => {
    const file = parse(`${CANARY}  constructor: 1\n  toString: x\n  __proto__: {a: 1}\n`);
    expect(file.findings).toEqual([]);
    expect(Object.keys((file.documents[0]!.value as any).spec)).toEqual(["targetRef", "constructor", "toString", "__proto__"]);
  });
});

describe("binary data", () => {
  it("bytes that are not UTF-8", () => {
    expect(codes(parse(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe])))).toEqual([["FILE_NOT_TEXT", 1, 1]]);
  });

  it("valid UTF-8 with NUL bytes, on the line of the first NUL", () => {
    expect(codes(parse(new TextEncoder().encode("apiVersion: v1\nkind: ConfigMap\ndata: \u0000\u0001\u0002\n")))).toEqual([["FILE_NOT_TEXT", 3, 1]]);
  });

  it("a byte-order mark is not binary", () => {
    const file = parse(`\ufeff${CANARY}`);
    expect(file.findings).toEqual([]);
    expect(file.documents[0]!.line).toBe(1);
  });
});

describe("an alias bomb", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g", "h", "i"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");

  it("is stopped before it is expanded", () => {
    const file = parse(`${bomb}\n`);
    expect(codes(file)).toEqual([["YAML_ALIAS_LIMIT", 1, 1]]);
    expect(file.documents[0]!.value).toBeUndefined();
  });

  it("while a few aliases are read normally", () => {
    const file = parse("base: &base {port: 80}\nservice: *base\n");
    expect(file.findings).toEqual([]);
    expect(file.documents[0]!.value).toEqual({ base: { port: 80 }, service: { port: 80 } });
  });
});

describe("deep nesting (the yaml parser recurses per level)", () => {
  const limit = INPUT_LIMITS.nestingDepth;
  const block = (levels: number) => Array.from({ length: levels }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n") + `\n${"  ".repeat(levels)}v: 1\n`;

  it("1,000 levels of block mappings: one finding at the first level too deep", () => {
    const file = parse(block(1000));
    expect(codes(file)).toEqual([["YAML_TOO_DEEP", limit + 1, 2 * limit + 1]]);
    expect(file.documents).toEqual([]);
  });

  it("1,000 levels of flow sequences on one line", () => {
    expect(codes(parse(`a: ${"[".repeat(1000)}${"]".repeat(1000)}\n`))).toEqual([["YAML_TOO_DEEP", 1, 3 + limit]]);
  });

  it("compact nested sequences (- - - x)", () => {
    expect(codes(parse(`${"- ".repeat(1000)}x\n`))[0]![0]).toBe("YAML_TOO_DEEP");
  });

  it("a megabyte of brackets (which exhausts the yaml library's memory) never reaches the parser", () => {
    const text = "[".repeat(1024 * 1024);
    // The document's root collection is level 1, so the limit is passed at bracket number `limit`.
    expect(findExcessiveNesting(text, limit)).toEqual({ line: 1, column: limit, depth: limit + 1 });
    expect(codes(parse(text))).toEqual([["YAML_TOO_DEEP", 1, limit]]);
  });

  it("just under the limit is read", () => {
    const file = parse(block(limit - 2));
    expect(file.findings).toEqual([]);
  });

  it("brackets inside quotes, comments, plain scalars and block scalars are not nesting", () => {
    const text = `a: "${"[".repeat(300)}"\nb: '${"{".repeat(300)}'\n# ${"[".repeat(300)}\nc: x ${"[".repeat(300)}\nd: |\n  ${"[".repeat(300)}\n  ${"{".repeat(300)}\ne: 1\n`;
    expect(findExcessiveNesting(text, limit)).toBeUndefined();
    expect(parse(text).findings).toEqual([]);
  });
});

describe("size limits", () => {
  it("a file over the per-file limit is one finding, not parsed", () => {
    const big = "a: b\n".repeat(Math.ceil((INPUT_LIMITS.manifestBytes + 1) / 5));
    expect(codes(parse(big))).toEqual([["FILE_TOO_LARGE", 1, 1]]);
    expect(parse(big).findings[0]!.message).toContain(`${big.length} bytes`);
  });

  it("a 20 MB document is one finding on its first line, and the file is not parsed", () => {
    const big = `kind: ConfigMap\n---\n# generated\ndata:\n${"  a: b\n".repeat(3 * 1024 * 1024)}`;
    const file = parse(big);
    // On the separator that starts it.
    expect(codes(file)).toEqual([["DOCUMENT_TOO_LARGE", 2, 1]]);
    expect(file.findings[0]!.message).toContain(`${big.length - "kind: ConfigMap\n".length} bytes`);
    expect(file.documents).toEqual([]);
  });

  it("a stream larger than one document may be is read whole, document by document", () => {
    const document = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n${Array.from({ length: 100 }, (_, i) => `  key-${i}: ${"v".repeat(100)}\n`).join("")}`;
    const count = Math.ceil((INPUT_LIMITS.documentBytes * 2) / document.length);
    const file = parse(Array(count).fill(document).join("---\n"));
    expect(file.findings).toEqual([]);
    expect(file.documents).toHaveLength(count);
    expect(file.documents.at(-1)!.kind).toBe("ConfigMap");
  });

  it("more documents than the limit: the rest are one finding at the separator of the first one skipped", () => {
    const file = parse("a: 1\n---\n".repeat(INPUT_LIMITS.documentsPerFile + 5));
    expect(file.documents).toHaveLength(INPUT_LIMITS.documentsPerFile);
    expect(codes(file)).toEqual([["TOO_MANY_DOCUMENTS", 2 * INPUT_LIMITS.documentsPerFile, 1]]);
  });
});

describe("YAML 1.1 as kubectl reads it (go-yaml v2)", () => {
  it("booleans, octals, timestamps, base-60 and binary", () => {
    const file = parse("a: yes\nb: off\nc: 0777\nd: 2024-01-01\ne: 1:20\nf: !!binary aGk=\ng: 1_000\n");
    expect(file.documents[0]!.value).toEqual({ a: true, b: false, c: 511, d: "2024-01-01", e: "1:20", f: "aGk=", g: 1000 });
  });
});

describe("positions", () => {
  it("of values, keys, missing paths and CRLF files", () => {
    const file = parse(CANARY.replace(/\n/g, "\r\n"));
    const canary = file.documents[0]!;
    expect(canary.locate(["spec", "targetRef", "name"])).toEqual({ line: 10, column: 11 });
    expect(canary.locate(["spec", "targetRef"], "key")).toEqual({ line: 7, column: 3 });
    expect(canary.locate(["spec", "analysis", "interval"])).toEqual({ line: 6, column: 1 });
    expect(canary.locate(["metadata", "labels", 3])).toEqual({ line: 3, column: 1 });
  });

  it("of the second document", () => {
    const file = parse(`${CANARY}---\n${CANARY}`);
    expect(file.documents[1]!.line).toBe(12);
    expect(file.documents[1]!.locate(["metadata", "name"])).toEqual({ line: 15, column: 9 });
  });
});

describe("document kinds", () => {
  it.each([
    ["flagger.app/v1beta1", "Canary", "Canary"],
    ["flagger.app/v1alpha3", "Canary", "Canary"],
    ["canaries.flanksource.com/v1", "Canary", "other"],
    ["serving.knative.dev/v1", "Service", "KnativeService"],
    ["v1", "Service", "Service"],
    ["apps/v1", "Deployment", "Deployment"],
    ["keda.sh/v1alpha1", "ScaledObject", "ScaledObject"],
    [undefined, "Canary", "other"],
  ])("%s %s is %s", (apiVersion, kind, expected) => {
    expect(classify(apiVersion, kind)).toBe(expected);
  });
});

describe("positions without syntax trees (documents are read again to place a finding)", () => {
  it("locates a path of any document of a stream exactly where it is written", () => {
    const text = "# leading comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n";
    const file = parse(text);
    const deployment = file.documents[1]!;
    expect(deployment.kind).toBe("Deployment");
    expect(deployment.locate(["spec", "template", "spec", "containers", 0, "image"])).toEqual({ line: 15, column: 18 });
    expect(deployment.locate(["metadata", "name"], "key")).toEqual({ line: 9, column: 3 });
    // Twice, as when several findings land on one document.
    expect(deployment.locate(["kind"])).toEqual({ line: 7, column: 7 });
    expect(file.documents[0]!.locate(["metadata", "name"])).toEqual({ line: 4, column: 18 });
  });

  it("locates a document that starts on its `---` line, on that line and below", () => {
    const text = "a: 1\n--- {apiVersion: v1, kind: ConfigMap,\n  metadata: {name: b, labels: [x, y]}}\n";
    const document = parse(text).documents[1]!;
    expect(document.locate(["kind"])).toEqual({ line: 2, column: 28 });
    expect(document.locate(["metadata", "labels", 1])).toEqual({ line: 3, column: 35 });
  });
});

describe("YAML that go-yaml accepts and the strict reader refuses", () => {
  // A single-quoted scalar continued at its key's indentation, as in Flagger's CRD file.
  const continued = (kind: string) =>
    `apiVersion: flagger.app/v1beta1\nkind: ${kind}\nmetadata:\n  name: podinfo\n  annotations:\n    note: 'a long\n    note'\nspec:\n  provider: istio\n`;

  it("a Flagger object is read leniently, with one warning where the strict reader stopped", () => {
    const file = parse(continued("Canary"));
    // At the end of the line where the quote was expected to close (the yaml library's MISSING_CHAR).
    expect(codes(file)).toEqual([["YAML_STRICT_SYNTAX", 6, 18]]);
    expect(file.findings[0]!.severity).toBe("warning");
    expect(file.documents[0]!.kind).toBe("Canary");
    expect(file.documents[0]!.value).toMatchObject({ metadata: { annotations: { note: "a long note" } }, spec: { provider: "istio" } });
    // Without a syntax tree, findings go to the document's first line.
    expect(file.documents[0]!.locate(["spec", "provider"])).toEqual({ line: 1, column: 1 });
  });

  it("any other object is read without a finding", () => {
    const file = parse(continued("Thing").replace("flagger.app/v1beta1", "example.com/v1"));
    expect(file.findings).toEqual([]);
    expect(file.documents[0]!.kindName).toBe("Thing");
  });

  it("what neither reader accepts stays a syntax error", () => {
    expect(codes(parse("apiVersion: v1\nkind: ConfigMap\ndata: {a: [\n"))[0]![0]).toBe("YAML_SYNTAX");
  });
});
