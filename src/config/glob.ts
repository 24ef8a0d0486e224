/**
 * Path globs for the repository config (`manifests.include`, `environments[].paths`). Pure.
 *
 * A small, documented dialect (docs/configuration.md "Globs") rather than a dependency: paths are
 * repository-relative with `/` separators; `*` matches within one path segment, `**` as a whole
 * segment matches any number of segments (including none), `?` one character, `[abc]`/`[a-z]`/
 * `[!abc]` a character class, `{a,b}` alternatives. `*` also matches names starting with a dot.
 * Matching is case-sensitive, like Git on Linux.
 *
 * Bounded (CONFIG_LIMITS.glob): a glob compiles to a regular expression, and a segment with many
 * `*` backtracks polynomially on a long name — `*a*a*a*a*a*a*a*a*b.yaml` against a 60-character
 * name runs for tens of seconds, in this compiler and in picomatch's alike (measured for issue 10).
 * So a segment may hold at most three `*`, a glob at most 256 characters, and a path longer than
 * 1,024 characters (or with a segment over 255) matches nothing: every match then costs at most a
 * few million steps.
 */
import { CONFIG_LIMITS } from "../limits.js";

/** Why a pattern is not a valid glob, or undefined when it is. */
export function findGlobProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return "a glob cannot be empty";
  if (pattern.length > CONFIG_LIMITS.glob.patternChars) return `a glob can have at most ${CONFIG_LIMITS.glob.patternChars} characters`;
  const starry = pattern.split("/").find((segment) => segment !== "**" && (segment.match(/\*+/g) ?? []).length > CONFIG_LIMITS.glob.starsPerSegment);
  if (starry !== undefined) return `a path segment of a glob can hold at most ${CONFIG_LIMITS.glob.starsPerSegment} * wildcards (more make matching slow): simplify "${starry.slice(0, 40)}"`;
  if (pattern.startsWith("/") || pattern.startsWith("./")) return "globs are relative to the repository root: drop the leading / or ./";
  if (pattern.includes("\\")) return "globs use / as the separator and have no escapes: remove the backslash";
  if (pattern.split("/").some((segment) => segment === ".." || segment === ".")) return "globs cannot contain . or .. segments";
  if (pattern.endsWith("/")) return "a glob cannot end with /: write dir/** for everything under a directory";
  if (pattern.split("/").includes("")) return "a glob cannot contain an empty segment (//)";
  if (pattern.includes("[]") || pattern.includes("[!]") || pattern.includes("[^]")) return "a [ ] character class cannot be empty";
  let braces = 0;
  let inClass = false;
  for (const char of pattern) {
    if (inClass) {
      if (char === "/") return "a [ ] character class cannot contain /";
      if (char === "]") inClass = false;
      continue;
    }
    if (char === "/" && braces > 0) return "{ } alternatives cannot contain /: write one glob per alternative";
    if (char === "[") inClass = true;
    else if (char === "{") braces += 1;
    else if (char === "}") {
      braces -= 1;
      if (braces < 0) return "a } has no matching {";
    }
  }
  if (inClass) return "a [ character class is not closed with ]";
  if (braces > 0) return "a { has no matching }";
  return undefined;
}

/** The anchored regular expression of a valid glob (see findGlobProblem). */
export function compileGlob(pattern: string): RegExp {
  const segments = pattern.split("/");
  let source = "";
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === "**") {
      // `a/**/b` matches a/b and a/x/y/b; a trailing `a/**` matches everything below a/.
      source += last ? (index === 0 ? ".*" : ".+") : "(?:[^/]+/)*";
      return;
    }
    source += compileSegment(segment) + (last ? "" : "/");
  });
  return new RegExp(`^${source}$`);
}

function compileSegment(segment: string): string {
  let out = "";
  let alternation = 0;
  for (let i = 0; i < segment.length; i += 1) {
    const char = segment[i]!;
    if (char === "*") {
      while (segment[i + 1] === "*") i += 1;
      out += "[^/]*";
    } else if (char === "?") {
      out += "[^/]";
    } else if (char === "[") {
      const end = segment.indexOf("]", i + 1);
      let body = segment.slice(i + 1, end);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      out += `[${negated ? "^/" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else if (char === "{") {
      alternation += 1;
      out += "(?:";
    } else if (char === "}" && alternation > 0) {
      alternation -= 1;
      out += ")";
    } else if (char === "," && alternation > 0) {
      out += "|";
    } else {
      out += char.replace(/[.+^$()|\\]/g, "\\$&");
    }
  }
  return out;
}

export interface PathFilter {
  include: readonly string[];
  exclude: readonly string[];
}

/** A predicate: the path matches an `include` glob and no `exclude` glob. */
export function buildPathMatcher(filter: PathFilter): (path: string) => boolean {
  const include = filter.include.map(compileGlob);
  const exclude = filter.exclude.map(compileGlob);
  return (path) => isMatchablePath(path) && include.some((re) => re.test(path)) && !exclude.some((re) => re.test(path));
}

/** Paths past the length bounds match no glob (git paths are rarely longer than a few hundred characters). */
export function isMatchablePath(path: string): boolean {
  if (path.length > CONFIG_LIMITS.glob.pathChars) return false;
  let start = 0;
  for (let slash = path.indexOf("/"); ; slash = path.indexOf("/", start)) {
    const end = slash === -1 ? path.length : slash;
    if (end - start > CONFIG_LIMITS.glob.segmentChars) return false;
    if (slash === -1) return true;
    start = slash + 1;
  }
}
