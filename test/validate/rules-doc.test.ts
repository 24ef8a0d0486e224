/**
 * docs/rules.md is the user's reference for every finding code. This test keeps it true: every
 * code the code base can emit is registered (src/validate/codes.ts) and documented with its
 * severity, the Flagger behaviour and the fix, and every example in the document, validated,
 * produces its code.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/canary/findings.js";
import { parseManifestFile } from "../../src/canary/parse.js";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../../src/canary/settings.js";
import { CRD_LEVEL_CODES } from "../../src/canary/crd.js";
import { FINDING_CODES, isRegisteredCode } from "../../src/validate/codes.js";
import { allFindings, validateManifests } from "../../src/validate/validate.js";

const ROOT = join(import.meta.dirname, "../..");
const RULES_MD = readFileSync(join(ROOT, "docs/rules.md"), "utf8");
const CORPUS = join(ROOT, "../shared/corpus");

interface DocEntry {
  code: string;
  severity?: string;
  behaviour?: string;
  fix?: string;
  example?: { yaml: string; settings: Partial<ControllerSettings> };
  notExecutable?: string;
}

/** `### CODE` sections with `Severity:`, `Behaviour:`, `Fix:` and a ```yaml example (or `Example: not executable — why`). */
function readRulesDoc(markdown: string): DocEntry[] {
  const sections = markdown.split(/^### /m).slice(1);
  return sections.map((section) => {
    const code = section.slice(0, section.indexOf("\n")).trim();
    const yaml = /(?:<!-- settings: (\{.*\}) -->\n)?```yaml\n([\s\S]*?)```/.exec(section);
    return {
      code,
      severity: /^Severity: (\S+)$/m.exec(section)?.[1],
      behaviour: /^Behaviour: (.+)$/m.exec(section)?.[1],
      fix: /^Fix: (.+)$/m.exec(section)?.[1],
      ...(yaml ? { example: { yaml: yaml[2]!, settings: yaml[1] ? (JSON.parse(yaml[1]) as Partial<ControllerSettings>) : {} } } : {}),
      ...(/^Example: not executable — (.+)$/m.exec(section) ? { notExecutable: /^Example: not executable — (.+)$/m.exec(section)![1] } : {}),
    };
  });
}

function validateText(yaml: string, settings: Partial<ControllerSettings> = {}): Finding[] {
  const file = parseManifestFile({ path: "example.yaml", content: yaml });
  return validateManifests({ files: [file], settings: { ...DEFAULT_CONTROLLER_SETTINGS, ...settings } }).files.flatMap((f) => allFindings(f));
}

function listSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listSources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Codes written as literals in the sources: `code: "X"` and parse.ts's `fileFinding("X", …)`. */
function scanSourceCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const path of listSources(join(ROOT, "src"))) {
    const text = readFileSync(path, "utf8");
    for (const match of text.matchAll(/(?:\bcode:\s*|fileFinding\(\s*)"([A-Z][A-Z0-9_]*)"/g)) {
      const list = found.get(match[1]!) ?? [];
      list.push(relative(ROOT, path));
      found.set(match[1]!, list);
    }
  }
  return found;
}

const DOC = readRulesDoc(RULES_MD);

describe("the code registry (src/validate/codes.ts)", () => {
  it("holds every code written in the sources", () => {
    const scanned = scanSourceCodes();
    expect(scanned.size).toBeGreaterThan(30);
    const unregistered = [...scanned].filter(([code]) => !isRegisteredCode(code)).map(([code, files]) => `${code} (${files.join(", ")})`);
    expect(unregistered).toEqual([]);
  });

  it("holds the CRD-level codes", () => {
    for (const code of CRD_LEVEL_CODES) expect(isRegisteredCode(code)).toBe(true);
  });

  it("gives the severity the sources use", () => {
    for (const path of listSources(join(ROOT, "src"))) {
      const text = readFileSync(path, "utf8");
      for (const match of text.matchAll(/code:\s*"([A-Z][A-Z0-9_]*)",\s*severity:\s*"(\w+)"/g)) expect([match[1], FINDING_CODES[match[1] as keyof typeof FINDING_CODES]?.severity]).toEqual([match[1], match[2]]);
      for (const match of text.matchAll(/fileFinding\(\s*"([A-Z][A-Z0-9_]*)",\s*"(\w+)"/g)) expect([match[1], FINDING_CODES[match[1] as keyof typeof FINDING_CODES]?.severity]).toEqual([match[1], match[2]]);
    }
  });
});

describe("docs/rules.md", () => {
  it("documents every registered code once, and nothing else", () => {
    expect(DOC.map((e) => e.code).sort()).toEqual(Object.keys(FINDING_CODES).sort());
    expect(new Set(DOC.map((e) => e.code)).size).toBe(DOC.length);
  });

  it.each(DOC.map((e) => [e.code, e] as const))("%s: severity, behaviour with a reference, fix, and an example", (code, entry) => {
    expect(entry.severity).toBe(FINDING_CODES[code as keyof typeof FINDING_CODES]?.severity);
    expect(entry.behaviour?.length ?? 0).toBeGreaterThan(40);
    expect(entry.fix?.length ?? 0).toBeGreaterThan(5);
    expect(Boolean(entry.example) !== Boolean(entry.notExecutable)).toBe(true);
    if (FINDING_CODES[code as keyof typeof FINDING_CODES]?.layer === "rule" && entry.severity !== "notice") {
      // Flagger behaviour cites the reference; Kubernetes behaviour names Kubernetes.
      expect(entry.behaviour).toMatch(/flagger-(scheduler|routing)\.md §\d|Kubernetes/);
    }
  });

  it.each(DOC.filter((e) => e.example).map((e) => [e.code, e.example!] as const))("the %s example produces it", (code, example) => {
    const findings = validateText(example.yaml, example.settings);
    expect(findings.map((f) => f.code)).toContain(code);
  });

  it("marks only examples that cannot be a small YAML file as not executable", () => {
    expect(DOC.filter((e) => e.notExecutable).map((e) => e.code).sort()).toEqual(["CANARY_DEFINED_TWICE", "DOCUMENT_TOO_LARGE", "FILE_NOT_TEXT", "FILE_TOO_LARGE", "FILE_UNREADABLE", "NOT_REVIEWED", "TOO_MANY_DOCUMENTS", "TOO_MANY_FINDINGS", "YAML_TOO_DEEP"]);
  });
});

describe("every code emitted in practice is registered, with its severity", () => {
  function checkAll(findings: Finding[]): string[] {
    return findings.filter((f) => !isRegisteredCode(f.code) || FINDING_CODES[f.code].severity !== f.severity).map((f) => `${f.code}/${f.severity}`);
  }

  it("over the doc examples", () => {
    expect(DOC.flatMap((e) => (e.example ? checkAll(validateText(e.example.yaml, e.example.settings)) : []))).toEqual([]);
  });

  it("over the whole corpus, as one repository, with every controller setting on", () => {
    const files = ["canaries", "templated"].flatMap((dir) => readdirSync(join(CORPUS, dir)).sort().map((f) => parseManifestFile({ path: `${dir}/${f}`, content: readFileSync(join(CORPUS, dir, f)) })));
    for (const settings of [DEFAULT_CONTROLLER_SETTINGS, { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "linkerd", noCrossNamespaceRefs: true, selectorLabels: ["app.kubernetes.io/name"] }]) {
      const findings = validateManifests({ files, settings }).files.flatMap((f) => allFindings(f));
      expect(findings.length).toBeGreaterThan(100);
      expect(checkAll(findings)).toEqual([]);
    }
  });
});
