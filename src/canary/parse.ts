import { Composer, LineCounter, Parser, parseDocument, isMap, isSeq, isPair, isAlias, type Document, type Node, type Tags } from "yaml";
import { createRequire } from "node:module";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { INPUT_LIMITS } from "../limits.js";
import { formatPath, type Finding, type PathSegment, type PendingFinding } from "./findings.js";
import { locatePath, positionOfOffset, type SourcePosition } from "./positions.js";

/**
 * What a YAML document is, as far as canary-bot cares. Everything a Canary can point at has its
 * own kind; the rest is "other" (kept, so that nothing is silently dropped, but not validated).
 */
export type DocumentKind =
  | "Canary"
  | "MetricTemplate"
  | "AlertProvider"
  | "Deployment"
  | "DaemonSet"
  | "KnativeService"
  | "HorizontalPodAutoscaler"
  | "ScaledObject"
  | "Service"
  | "Ingress"
  | "ConfigMap"
  | "Secret"
  | "other"
  | "empty";

export interface ManifestDocument {
  /** The file the document came from. */
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  kind: DocumentKind;
  apiVersion?: string;
  /** The `kind` field as written. */
  kindName?: string;
  name?: string;
  namespace?: string;
  /** The document as plain data (aliases expanded); undefined when it could not be read. */
  value: unknown;
  /** 1-based line of the document's first content line. */
  line: number;
  /** Where a path of this document is written. */
  locate(path: readonly PathSegment[], at?: "key" | "value"): SourcePosition;
}

export interface ManifestFile {
  path: string;
  documents: ManifestDocument[];
  /** Findings about the file as a whole or about how it reads as YAML. */
  findings: Finding[];
  /**
   * Set when the file was deliberately not read: an unrendered Helm chart template (counted in
   * summaries; a HELM_TEMPLATE notice only when it holds a Flagger Canary).
   */
  skipped?: "helm-template";
}

/**
 * YAML 1.1 resolution, as kubectl and Flux read manifests (sigs.k8s.io/yaml uses go-yaml v2, where
 * `yes`/`on` are booleans and `0777` is octal). With YAML 1.2 we would reject values the cluster
 * accepts.
 */
const YAML_OPTIONS = { version: "1.1", prettyErrors: false, uniqueKeys: true, strict: true, customTags: withoutGoYamlV2Differences } as const;

/**
 * go-yaml v2 (behind sigs.k8s.io/yaml, kubectl and the API server) resolves YAML 1.1 with three
 * exceptions that matter for validation: a timestamp such as `2024-01-01` decoded into an untyped
 * value stays a string ("for backward compatibility", yaml.v2 decode.go), `1:20` is not a base-60
 * number, and `!!binary` is not decoded. Without these tags the yaml library reads them as the
 * strings the cluster sees instead of a Date, 80 and a Buffer.
 */
function withoutGoYamlV2Differences(tags: Tags): Tags {
  return tags.filter(
    (tag) => typeof tag === "string" || (tag.tag !== "tag:yaml.org,2002:timestamp" && tag.tag !== "tag:yaml.org,2002:binary" && tag.format !== "TIME"),
  );
}

const COMMENTED_CANARY = /^\s*#\s*kind:\s*Canary\b/m;

/** The Go text/template functions Flagger defines for metric queries (docs/flagger-scheduler.md §6.3). */
const FLAGGER_TEMPLATE_ACTION = /^(?:namespace|name|target|service|ingress|route|interval|variables\.[A-Za-z0-9_]+)$/;
/** `{{ … }}` actions; a Helm one refers to `.Something`, a `$variable`, or is a control keyword. */
const TEMPLATE_ACTION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
const HELM_ACTION = /(^|[\s(|])\.[A-Za-z]|^\$|^\/\*|^(?:if|else|end|range|with|define|template|include|block|toYaml|tpl|required|default|quote)\b|\|/;

/** A Flagger Canary written in a file, as text (for templates, which cannot be parsed). */
const FLAGGER_CANARY_TEXT = /^[ \t]*kind:[ \t]*["']?Canary["']?[ \t]*(?:#.*)?$/m;
/** Flagger's API group anywhere: a template may compute its apiVersion (`{{ … | default "flagger.app/v1beta1" }}`). */
const FLAGGER_API_TEXT = /\bflagger\.app\//;
/** An `apiVersion:` or `kind:` key anywhere (a broken document may have lost its indentation). */
const MANIFEST_LIKE_TEXT = /^[ \t]*(?:- )?(?:apiVersion|kind)[ \t]*:/m;
/** Top-level `apiVersion:` and `kind:` keys: the text is meant to be a Kubernetes manifest. */
const MANIFEST_KEYS_TEXT = [/^(?:- )?apiVersion:/m, /^(?:- )?kind:/m];

/**
 * Reads one file. Never throws: every problem becomes a finding. `helmTemplate` says that the
 * caller knows the file is a chart template (it is under the templates/ folder of a folder with a
 * Chart.yaml); files with Helm actions are recognised by their text.
 */
export function parseManifestFile(params: { path: string; content: string | Uint8Array; helmTemplate?: boolean }): ManifestFile {
  const { path } = params;
  const findings: Finding[] = [];
  const fileFinding = (code: string, severity: Finding["severity"], message: string, line = 1, column = 1): ManifestFile => {
    findings.push({ code, severity, message, path: "", line, column });
    return { path, documents: [], findings };
  };

  const byteLength =
    typeof params.content === "string" ? Buffer.byteLength(params.content, "utf8") : params.content.byteLength;
  if (byteLength > INPUT_LIMITS.manifestBytes) return buildOversizeFile({ path, byteLength });

  let text: string;
  if (typeof params.content === "string") {
    text = params.content;
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(params.content);
    } catch {
      return fileFinding(
        "FILE_NOT_TEXT",
        "error",
        "The file is not UTF-8 text, so it cannot be a Kubernetes manifest and was not validated. Remove it from the manifest paths or exclude it in .github/canary-bot.yml.",
      );
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nul = text.indexOf("\u0000");
  if (nul !== -1) {
    const line = text.slice(0, nul).split("\n").length;
    return fileFinding(
      "FILE_NOT_TEXT",
      "error",
      "The file contains NUL bytes (binary data), so it cannot be a Kubernetes manifest and was not validated. Remove it from the manifest paths or exclude it in .github/canary-bot.yml.",
      line,
    );
  }

  // A Helm template is not a manifest until it is rendered: it is skipped and counted. Only a
  // template holding a Flagger Canary gets a notice, since that Canary is then never reviewed.
  // YAML with `{{ }}` that is not meant as a manifest at all (.goreleaser.yml, CI files) is
  // ignored like any other YAML without apiVersion and kind.
  const helm = findHelmAction(text);
  if (params.helmTemplate || (helm && MANIFEST_KEYS_TEXT.every((keys) => keys.test(text)))) {
    const file: ManifestFile = { path, documents: [], findings, skipped: "helm-template" };
    if (FLAGGER_CANARY_TEXT.test(text) && FLAGGER_API_TEXT.test(text)) {
      const where = helm ?? { action: "", line: 1, column: 1, more: 0 };
      findings.push({
        code: "HELM_TEMPLATE",
        severity: "notice",
        message: `The file is a Helm chart template${helm ? ` (\`{{ ${helm.action} }}\` on this line${helm.more > 0 ? ` and ${helm.more} more template actions` : ""})` : ""} that holds a Flagger Canary: canary-bot does not render charts, so this Canary was not validated. Commit the rendered output (helm template) where canary-bot can read it to have it reviewed. Flagger's own query placeholders such as {{ namespace }} are not Helm and are accepted.`,
        path: "",
        line: where.line,
        column: where.column,
      });
    }
    return file;
  }
  if (helm) return { path, documents: [], findings };

  // The yaml composer recurses per nesting level: very deep input overflows the stack (and a
  // megabyte of `[` exhausts memory inside the library), so depth is measured before parsing.
  const nesting = findExcessiveNesting(text, INPUT_LIMITS.nestingDepth);
  if (nesting) {
    return fileFinding(
      "YAML_TOO_DEEP",
      "error",
      `The file nests deeper than ${INPUT_LIMITS.nestingDepth} levels here, far beyond any Kubernetes object, so it was not read or validated. Check the indentation or the generator that wrote it.`,
      nesting.line,
      nesting.column,
    );
  }

  // The composer builds a document's whole tree before we see it, so size is checked on the text.
  const oversize = findOversizeDocument(text, INPUT_LIMITS.documentBytes);
  if (oversize) {
    return fileFinding(
      "DOCUMENT_TOO_LARGE",
      "error",
      `The YAML document starting here has ${oversize.bytes} bytes, more than the ${INPUT_LIMITS.documentBytes} of any object the API server accepts (it refuses requests over 3 MiB, etcd objects over 1.5 MiB), so the file was not read or validated. Check the generator that wrote it, or split the object.`,
      oversize.line,
    );
  }

  // Documents are composed one at a time (what parseAllDocuments does, without keeping them all):
  // a rendered stream of 10,000 Canaries holds one syntax tree at a time (readDocument drops it).
  const lineCounter = new LineCounter();
  const documents: ManifestDocument[] = [];
  let count = 0;
  let firstSkipped: number | undefined;
  try {
    const composer = new Composer(YAML_OPTIONS);
    for (const doc of composer.compose(new Parser(lineCounter.addNewLine).parse(text)) as Iterable<Document.Parsed>) {
      if (count >= INPUT_LIMITS.documentsPerFile) firstSkipped ??= doc.range[0];
      else documents.push(readDocument({ path, text, index: count, doc, lineCounter, findings }));
      count += 1;
    }
  } catch (error) {
    // The yaml parser reports problems as document errors; this is a last line of defence.
    return fileFinding("YAML_SYNTAX", "error", `The file could not be read as YAML (${describeError(error)}); it was not validated.`);
  }
  if (count === 0) {
    return fileFinding(
      "EMPTY_FILE",
      "notice",
      COMMENTED_CANARY.test(text)
        ? "The file is only comments, among them a commented-out Canary: Flagger will not see it and it was not validated."
        : "The file has no YAML documents (it is empty or only comments), so there is nothing to validate.",
    );
  }
  if (firstSkipped !== undefined) {
    findings.push({
      code: "TOO_MANY_DOCUMENTS",
      severity: "error",
      message: `The file has ${count} YAML documents; canary-bot reads the first ${INPUT_LIMITS.documentsPerFile}, and the ${count - INPUT_LIMITS.documentsPerFile} from here on were not validated. Split the file.`,
      path: "",
      ...positionOfOffset(lineCounter, firstSkipped),
    });
  }
  return { path, documents, findings };
}

/** The file that was not read because of its size: one finding, no documents. */
export function buildOversizeFile(params: { path: string; byteLength: number }): ManifestFile {
  return {
    path: params.path,
    documents: [],
    findings: [
      {
        code: "FILE_TOO_LARGE",
        severity: "error",
        message: `The file has ${params.byteLength} bytes, more than the ${INPUT_LIMITS.manifestBytes} canary-bot reads from one manifest, so it was not validated. Split it into smaller files (Flagger manifests are a few KiB) or exclude the path in .github/canary-bot.yml.`,
        path: "",
        line: 1,
        column: 1,
      },
    ],
  };
}

function readDocument(params: {
  path: string;
  text: string;
  index: number;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  findings: Finding[];
}): ManifestDocument {
  const { path, index, doc, lineCounter, findings } = params;
  const contents = doc.contents as Node | null;
  const startOffset = contents?.range?.[0] ?? doc.range[0];
  const line = positionOfOffset(lineCounter, startOffset).line;
  const base = { file: path, index, line, locate: buildLocate({ doc, text: params.text, lineCounter }) };
  const source = params.text.slice(doc.range[0], doc.range[2]);
  // YAML that is not a Kubernetes manifest (a CI workflow, Helm values) is not ours to judge: its
  // YAML problems are not reported.
  const manifest = MANIFEST_LIKE_TEXT.test(source);
  const yamlFindings: Finding[] = [];

  let syntaxError = false;
  let exhausted = false;
  let firstSyntaxError: { message: string; position: SourcePosition } | undefined;
  for (const error of doc.errors) {
    const position = positionOfOffset(lineCounter, error.pos[0]);
    if (error.code === "RESOURCE_EXHAUSTION") {
      // The parser ran out of stack: one finding for the document, not one per unwound frame.
      syntaxError = true;
      if (exhausted) continue;
      exhausted = true;
      yamlFindings.push({
        code: "YAML_TOO_DEEP",
        severity: "error",
        message: `The document nests too deeply for the YAML reader (it ran out of stack here), far beyond any Kubernetes object, so it was not validated. Check the indentation or the generator that wrote it.`,
        path: "",
        ...position,
      });
    } else if (error.code === "DUPLICATE_KEY") {
      yamlFindings.push({
        code: "YAML_DUPLICATE_KEY",
        severity: "error",
        message: `${firstSentence(error.message)}. Kubernetes tools disagree on which value wins (kubectl keeps the last one, strict decoders refuse the object); keep exactly one.`,
        path: "",
        ...position,
      });
    } else {
      syntaxError = true;
      firstSyntaxError ??= { message: `${error.code}: ${firstSentence(error.message)}`, position };
      yamlFindings.push({
        code: "YAML_SYNTAX",
        severity: "error",
        message: `YAML syntax error (${error.code}): ${firstSentence(error.message)}. This document (${ordinal(index)} in the file) was not validated further; fix the syntax first.`,
        path: "",
        ...position,
      });
    }
  }
  for (const warning of doc.warnings) {
    yamlFindings.push({
      code: "YAML_WARNING",
      severity: "warning",
      message: `YAML warning (${warning.code}): ${firstSentence(warning.message)}.`,
      path: "",
      ...positionOfOffset(lineCounter, warning.pos[0]),
    });
  }
  if (syntaxError && !exhausted && firstSyntaxError) {
    // The yaml library is stricter than go-yaml (sigs.k8s.io/yaml: kubectl, kustomize, the API
    // server), e.g. on quoted scalars continued at the key's indentation, as in Flagger's own CRD
    // file. What a lenient reader accepts is read without positions: no finding for documents we
    // do not validate, one warning for a Flagger object.
    const lenient = readLeniently(source);
    if (lenient) {
      const identity = identify(lenient.value);
      if (identity.kind === "Canary" || identity.kind === "MetricTemplate" || identity.kind === "AlertProvider") {
        findings.push({
          code: "YAML_STRICT_SYNTAX",
          severity: "warning",
          message: `Strict YAML readers refuse this document (${firstSyntaxError.message}), though kubectl and kustomize (go-yaml) accept it; canary-bot read it leniently, so its findings point at the document's first line. Fix the indentation or quoting here so that every YAML tool reads it the same way.`,
          path: "",
          ...firstSyntaxError.position,
        });
      }
      return { ...base, ...identity, value: lenient.value, locate: () => ({ line, column: 1 }) };
    }
  }
  if (manifest) findings.push(...yamlFindings);
  if (syntaxError) return { ...base, kind: "other", value: undefined };

  if (contents === null || (contents.range && contents.range[0] === contents.range[1] && isEmptyScalar(contents))) {
    // The document's own source, not doc.toString(): re-stringifying can throw (e.g. on an anchor
    // with a control character).
    const commented = COMMENTED_CANARY.test(params.text.slice(doc.range[0], doc.range[2]));
    findings.push({
      code: "EMPTY_DOCUMENT",
      severity: "notice",
      message: commented
        ? "This document is only comments, among them a commented-out Canary: Flagger will not see it and it was not validated."
        : "This document is empty (nothing between its `---` separators); there is nothing to validate.",
      path: "",
      line,
      column: 1,
    });
    return { ...base, kind: "empty", value: undefined };
  }

  // A Canary commented out below another object (e.g. after a Service) is easy to miss: say so.
  const commentedAt = source.search(COMMENTED_CANARY);
  if (commentedAt !== -1) {
    findings.push({
      code: "COMMENTED_OUT_CANARY",
      severity: "notice",
      message: "A Canary is commented out here: Flagger will not see it, and canary-bot did not validate it.",
      path: "",
      ...positionOfOffset(lineCounter, doc.range[0] + commentedAt + (source.slice(commentedAt).length - source.slice(commentedAt).trimStart().length)),
    });
  }

  const depth = measureDepth(contents, doc);
  if (depth.aliasExpansions > INPUT_LIMITS.aliasExpansions) {
    findings.push({
      code: "YAML_ALIAS_LIMIT",
      severity: "error",
      message: `The document expands YAML aliases more than ${INPUT_LIMITS.aliasExpansions} times (an "alias bomb" that would take huge memory to read), so it was not validated. Write the values out instead of nesting aliases.`,
      path: "",
      line,
      column: 1,
    });
    return { ...base, kind: "other", value: undefined };
  }
  if (depth.depth > INPUT_LIMITS.nestingDepth) {
    findings.push({
      code: "YAML_TOO_DEEP",
      severity: "error",
      message: `The document nests deeper than ${INPUT_LIMITS.nestingDepth} levels, far beyond any Kubernetes object, so it was not validated. Check the indentation or the generator that wrote it.`,
      path: "",
      ...positionOfOffset(lineCounter, depth.deepestOffset),
    });
    return { ...base, kind: "other", value: undefined };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: INPUT_LIMITS.aliasExpansions });
  } catch (error) {
    findings.push({
      code: "YAML_SYNTAX",
      severity: "error",
      message: `The document could not be converted to data (${describeError(error)}), so it was not validated.`,
      path: "",
      line,
      column: 1,
    });
    return { ...base, kind: "other", value: undefined };
  }

  value = compactValue(value);
  const identity = identify(value);
  // The syntax tree is dropped here: it is several times the size of the text, and most documents
  // never get a finding. A document that does is read again, alone, to place it.
  return buildDocument({ ...base, locate: buildLazyLocate({ source, start: positionOfOffset(lineCounter, doc.range[0]) }) }, identity, value);
}

/**
 * `{ ...base, ...identity, value }` written out as one literal, keys in the same order: objects
 * made by spreading and then adding keys each get a hidden class of their own in V8 (a map and a
 * descriptor array, about 350 bytes), which for every document of a review's two revisions was
 * more than a tenth of its memory. Objects written as one literal share one.
 */
function buildDocument(base: Pick<ManifestDocument, "file" | "index" | "line" | "locate">, identity: ReturnType<typeof identify>, value: unknown): ManifestDocument {
  // Without apiVersion, kind … (the value is no mapping) identity has only `kind`: keep its keys exact.
  if (!("apiVersion" in identity)) return { ...base, ...identity, value };
  return {
    file: base.file,
    index: base.index,
    line: base.line,
    locate: base.locate,
    kind: identity.kind,
    apiVersion: identity.apiVersion,
    kindName: identity.kindName,
    name: identity.name,
    namespace: identity.namespace,
    value,
  };
}

type Locate = ManifestDocument["locate"];

const requireFromHere = createRequire(import.meta.url);
let jsYaml: typeof import("js-yaml") | undefined;

/**
 * The document as js-yaml reads it, or undefined when it refuses it too. js-yaml accepts what
 * go-yaml accepts in the cases that matter here (indentation of continued flow scalars); it is
 * loaded only when a document needs it. Documents with anchors and aliases are not tried: js-yaml
 * shares aliased nodes without the expansion limit applied to the strict reader.
 */
function readLeniently(source: string): { value: unknown } | undefined {
  if (/(^|[\s[{,])&[^\s]/.test(source) && /(^|[\s[{,:-])\*[^\s]/.test(source)) return undefined;
  try {
    jsYaml ??= requireFromHere("js-yaml") as typeof import("js-yaml");
    return { value: jsYaml.load(source, { schema: jsYaml.CORE_SCHEMA }) };
  } catch {
    return undefined;
  }
}

function buildLocate(params: { doc: Document.Parsed; text: string; lineCounter: LineCounter }): Locate {
  const { doc, lineCounter } = params;
  return (path, at) => locatePath({ document: doc, lineCounter, path, at });
}

/**
 * A `locate` that holds no syntax tree and nothing of the file but the document's own source,
 * compressed: it parses that source again when called (positions shifted back to where it starts
 * in the file), and keeps the tree only weakly, for the next finding. The file's LineCounter is
 * not kept: its line table, held by every document of a review's two revisions, was a tenth of
 * their memory; the source, as text, was a sixth (most documents never get a finding).
 */
function buildLazyLocate(params: { source: string; start: SourcePosition }): Locate {
  const { start } = params;
  const packed = packSource(params.source);
  let cached: WeakRef<{ document: Document.Parsed; lineCounter: LineCounter }> | undefined;
  return (path, at) => {
    let parsed = cached?.deref();
    if (!parsed) {
      const local = new LineCounter();
      parsed = { document: parseDocument(unpackSource(packed), { ...YAML_OPTIONS, lineCounter: local }) as Document.Parsed, lineCounter: shiftLines(local, start) };
      cached = new WeakRef(parsed);
    }
    return locatePath({ document: parsed.document, lineCounter: parsed.lineCounter, path, at });
  };
}

/**
 * A document's source as its deflated UTF-8 bytes, one byte per character of a string: a string
 * is one V8 object where a Buffer per document would cost more than the bytes it saves. It is a
 * new string, so it does not keep the file's text alive as a slice of it would.
 */
function packSource(source: string): string {
  return deflateRawSync(source).toString("latin1");
}

function unpackSource(packed: string): string {
  return inflateRawSync(Buffer.from(packed, "latin1")).toString("utf8");
}

/** Line and column in the file of an offset in a text that starts at `start` in it. */
function shiftLines(local: LineCounter, start: SourcePosition): LineCounter {
  const linePos = (offset: number) => {
    const { line, col } = local.linePos(offset);
    return line === 1 ? { line: start.line, col: start.column + col - 1 } : { line: start.line + line - 1, col };
  };
  return { linePos } as LineCounter;
}

/**
 * The value as compact plain data. The YAML reader builds quoted and folded scalars character by
 * character, as chains of V8 concatenations about 25 times the size of their text (`charCodeAt`
 * flattens each in place), and grows sequences by `push`, leaving most arrays with room for 17
 * items; every document of both revisions stays alive through a review, where this was a fifth
 * of its memory. Short strings are shared (`shareString`). Nesting and alias expansions are
 * bounded before this runs (measureDepth).
 */
function compactValue(value: unknown): unknown {
  if (typeof value === "string") return shareString(value);
  if (Array.isArray(value)) return value.map(compactValue);
  if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      const item = value[key];
      const compact = compactValue(item);
      // Two equal strings are `===`: a shared copy must be written even when it compares equal.
      if (compact === item && typeof item !== "string") continue;
      // A `__proto__` key is an own property (yaml defines it so); assigning it would set the prototype.
      if (key === "__proto__") Object.defineProperty(value, key, { value: compact, writable: true, enumerable: true, configurable: true });
      else value[key] = compact;
    }
  }
  return value;
}

/** Strings up to this length are shared between documents (kinds, API versions, images, ports …). */
const SHARED_STRING_LENGTH = 128;
/** Bounds the table: when full it starts over, so that it costs at most a few MiB. */
const SHARED_STRING_COUNT = 50_000;
const sharedStrings = new Map<string, string>();

/**
 * One copy of each short string value: the YAML reader makes a new string for every scalar, and
 * most of a repository's scalars repeat (`apps/v1`, `http`, `1m`, the same image in every
 * revision); a review of 10,000 changed Canaries held about 26 MiB of duplicates. Each string is
 * flattened first (see `compactValue`).
 */
function shareString(value: string): string {
  value.charCodeAt(0);
  if (value.length > SHARED_STRING_LENGTH) return ownCopy(value);
  const shared = sharedStrings.get(value);
  if (shared !== undefined) return shared;
  if (sharedStrings.size >= SHARED_STRING_COUNT) sharedStrings.clear();
  const copy = ownCopy(value);
  sharedStrings.set(copy, copy);
  return copy;
}

/**
 * The reader cuts plain scalars out of the file's text, and V8 keeps a cut of 13 characters or
 * more as a slice that holds the whole text alive (one file per Canary, at 10,000 Canaries about
 * 4 MiB). A string decoded from its bytes is a new one.
 */
function ownCopy(value: string): string {
  return value.length < 13 ? value : Buffer.from(value, "utf8").toString("utf8");
}

function identify(value: unknown): Pick<ManifestDocument, "kind" | "apiVersion" | "kindName" | "name" | "namespace"> {
  if (!isRecord(value)) return { kind: "other" };
  const apiVersion = typeof value.apiVersion === "string" ? value.apiVersion.trim() : undefined;
  const kindName = typeof value.kind === "string" ? value.kind.trim() : undefined;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name.trim() : undefined;
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace.trim() : undefined;
  return { kind: classify(apiVersion, kindName), apiVersion, kindName, name, namespace };
}

/** Classifies by API group and kind, so that e.g. a canary-checker `Canary` is not a Flagger one. */
export function classify(apiVersion: string | undefined, kind: string | undefined): DocumentKind {
  if (!apiVersion || !kind) return "other";
  const slash = apiVersion.indexOf("/");
  const group = slash === -1 ? "" : apiVersion.slice(0, slash);
  switch (kind) {
    case "Canary":
      return group === "flagger.app" ? "Canary" : "other";
    case "MetricTemplate":
      return group === "flagger.app" ? "MetricTemplate" : "other";
    case "AlertProvider":
      return group === "flagger.app" ? "AlertProvider" : "other";
    case "Deployment":
      return group === "apps" || group === "extensions" ? "Deployment" : "other";
    case "DaemonSet":
      return group === "apps" || group === "extensions" ? "DaemonSet" : "other";
    case "Service":
      if (group === "") return "Service";
      return group === "serving.knative.dev" ? "KnativeService" : "other";
    case "HorizontalPodAutoscaler":
      return group === "autoscaling" ? "HorizontalPodAutoscaler" : "other";
    case "ScaledObject":
      return group === "keda.sh" ? "ScaledObject" : "other";
    case "Ingress":
      return group === "networking.k8s.io" || group === "extensions" ? "Ingress" : "other";
    case "ConfigMap":
      return group === "" ? "ConfigMap" : "other";
    case "Secret":
      return group === "" ? "Secret" : "other";
    default:
      return "other";
  }
}

/** Places a finding produced against a document's path. */
export function placeFinding(document: ManifestDocument, pending: PendingFinding): Finding {
  const position = document.locate(pending.path, pending.at);
  return {
    code: pending.code,
    severity: pending.severity,
    message: pending.message,
    path: formatPath(pending.path),
    ...(position.file !== undefined ? { file: position.file } : {}),
    line: position.line,
    column: position.column,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function findHelmAction(text: string): { action: string; line: number; column: number; more: number } | undefined {
  if (!text.includes("{{")) return undefined;
  let first: { action: string; offset: number } | undefined;
  let count = 0;
  for (const match of text.matchAll(TEMPLATE_ACTION)) {
    const action = (match[1] ?? "").trim();
    if (FLAGGER_TEMPLATE_ACTION.test(action) || !HELM_ACTION.test(action)) continue;
    count += 1;
    if (!first) first = { action: action.length > 60 ? `${action.slice(0, 57)}...` : action, offset: match.index ?? 0 };
  }
  if (!first) return undefined;
  const before = text.slice(0, first.offset);
  const line = before.split("\n").length;
  const column = first.offset - before.lastIndexOf("\n");
  return { action: first.action, line, column, more: count - 1 };
}

/**
 * The first document of a stream whose text is longer than `limit` bytes (counted as UTF-16 code
 * units, which a UTF-8 byte count can only exceed), split at `---` and `...` markers in column 0,
 * where YAML ends a document whatever scalar is open.
 */
export function findOversizeDocument(text: string, limit: number): { line: number; bytes: number } | undefined {
  if (text.length <= limit) return undefined;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let newline = -1;
  for (;;) {
    newline = text.indexOf("\n", newline + 1);
    const lineStart = newline === -1 ? text.length : newline + 1;
    const marker = newline !== -1 && /^(?:---|\.\.\.)(?:[ \t\r\n]|$)/.test(text.slice(lineStart, lineStart + 4));
    if (newline === -1 || marker) {
      const end = newline === -1 ? text.length : lineStart;
      if (end - start > limit) {
        const bytes = Buffer.byteLength(text.slice(start, end), "utf8");
        if (bytes > limit) return { line: startLine, bytes };
      }
      if (newline === -1) return undefined;
      start = lineStart;
      startLine = line + 1;
    }
    line += 1;
  }
}

/**
 * Nesting depth of YAML text without parsing it: indentation levels of block collections, compact
 * `- - x` / `? ` entries and flow brackets outside quotes, comments and block scalars. It may count a
 * level or two more than the parser would, never far fewer, and stops at the first place deeper
 * than `limit`.
 */
export function findExcessiveNesting(text: string, limit: number): { line: number; column: number; depth: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  /** Indentation of the line that opened a block scalar; deeper lines are its content. */
  let blockScalarParent: number | undefined;
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    lineNumber += 1;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    let indent = 0;
    while (indent < line.length && line.charCodeAt(indent) === 32) indent += 1;
    const blank = indent === line.length || /^[ \t]*$/.test(line);
    if (blockScalarParent !== undefined && quote === undefined) {
      if (blank || indent > blockScalarParent) continue;
      blockScalarParent = undefined;
    }
    if (quote === undefined && flow === 0 && /^(?:---|\.\.\.)(?:[ \t]|$)/.test(line)) {
      indents.length = 0;
      continue;
    }
    if (blank || (quote === undefined && line.charCodeAt(indent) === 35)) continue;
    if (quote === undefined && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
      if (indents.length > limit) return { line: lineNumber, column: indent + 1, depth: indents.length };
    }
    let compact = 0;
    // Quotes and flow brackets open a node only where a value starts (line start, after `- `, `? `,
    // `: `, or inside flow after `[`, `{` and `,`), as in YAML: `a: it's [x]` is one plain scalar.
    let valueStart = true;
    let contentEnd = line.length;
    for (let i = indent; i < line.length; i += 1) {
      const c = line[i]!;
      if (quote === '"') {
        if (c === "\\") i += 1;
        else if (c === '"') quote = undefined;
        continue;
      }
      if (quote === "'") {
        if (c === "'") {
          if (line[i + 1] === "'") i += 1;
          else quote = undefined;
        }
        continue;
      }
      if (c === " " || c === "\t") continue;
      if (c === "#" && (i === indent || line[i - 1] === " " || line[i - 1] === "\t")) {
        contentEnd = i;
        break;
      }
      const next = line[i + 1];
      const separated = next === undefined || next === " " || next === "\t";
      if (valueStart) {
        if (c === '"' || c === "'") {
          quote = c;
          valueStart = false;
          continue;
        }
        if (c === "[" || c === "{" || ((c === "-" || c === "?") && flow === 0 && separated)) {
          if (c === "[" || c === "{") flow += 1;
          else compact += 1;
          if (indents.length + compact + flow > limit) return { line: lineNumber, column: i + 1, depth: indents.length + compact + flow };
          continue;
        }
        if (c === "!" || c === "&") {
          // A tag or an anchor: the value starts after it.
          while (i + 1 < line.length && line[i + 1] !== " " && line[i + 1] !== "\t") i += 1;
          continue;
        }
      }
      if (flow > 0 && (c === "]" || c === "}")) {
        flow -= 1;
        valueStart = false;
      } else if (flow > 0 && c === ",") {
        valueStart = true;
      } else if (c === ":" && (separated || (flow > 0 && (next === "," || next === "[" || next === "{" || next === "]" || next === "}")))) {
        valueStart = true;
      } else {
        valueStart = false;
      }
    }
    // `key: |`, `- >-`, `|2+`: the following, deeper lines are text, whatever they contain.
    const content = line.slice(indent, contentEnd).trimEnd();
    const lastToken = content.slice(content.lastIndexOf(" ") + 1);
    if (quote === undefined && flow === 0 && /^[|>][0-9+-]*$/.test(lastToken)) blockScalarParent = indent;
  }
  return undefined;
}

/** Depth and alias expansions of a document, walked iteratively so that depth cannot overflow the stack. */
function measureDepth(root: Node, doc: Document.Parsed): { depth: number; deepestOffset: number; aliasExpansions: number } {
  let depth = 0;
  let deepestOffset = root.range?.[0] ?? 0;
  let aliasExpansions = 0;
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 1 }];
  // Counting alias expansions by walking into each alias target is what makes an alias bomb
  // expensive; stop as soon as the budget is exceeded.
  while (stack.length > 0) {
    const { node, depth: d } = stack.pop()!;
    if (d > depth) {
      depth = d;
      deepestOffset = (node as Node | undefined)?.range?.[0] ?? deepestOffset;
      if (depth > INPUT_LIMITS.nestingDepth) break;
    }
    if (isAlias(node)) {
      aliasExpansions += 1;
      if (aliasExpansions > INPUT_LIMITS.aliasExpansions) break;
      const target = node.resolve(doc);
      if (target) stack.push({ node: target, depth: d });
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) {
        if (isPair(item)) {
          stack.push({ node: item.key, depth: d + 1 });
          stack.push({ node: item.value, depth: d + 1 });
        } else {
          stack.push({ node: item, depth: d + 1 });
        }
      }
    }
  }
  return { depth, deepestOffset, aliasExpansions };
}

function isEmptyScalar(node: Node): boolean {
  return (node as { value?: unknown }).value === null || (node as { value?: unknown }).value === undefined;
}

function firstSentence(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.replace(/\s+at line \d+, column \d+:?$/, "").replace(/[.:]\s*$/, "");
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

function ordinal(index: number): string {
  const n = index + 1;
  const suffix = n % 10 === 1 && n % 100 !== 11 ? "st" : n % 10 === 2 && n % 100 !== 12 ? "nd" : n % 10 === 3 && n % 100 !== 13 ? "rd" : "th";
  return `${n}${suffix}`;
}
