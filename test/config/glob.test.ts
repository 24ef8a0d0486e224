import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildPathMatcher, compileGlob, findGlobProblem } from "../../src/config/glob.js";

describe("globs (docs/configuration.md, Globs)", () => {
  it.each([
    ["*.yaml", "a.yaml", true],
    ["*.yaml", "dir/a.yaml", false],
    ["**/*.yaml", "a.yaml", true],
    ["**/*.yaml", "a/b/c.yaml", true],
    ["apps/**/*.yaml", "apps/a.yaml", true],
    ["apps/**/*.yaml", "apps/x/y/a.yaml", true],
    ["apps/**/*.yaml", "other/apps/a.yaml", false],
    ["apps/**", "apps/x/y", true],
    ["apps/**", "apps", false],
    ["**", "anything/at/all", true],
    [".github/**", ".github/workflows/ci.yml", true],
    ["**/*.yaml", ".hidden/a.yaml", true],
    ["a?.yaml", "ab.yaml", true],
    ["a?.yaml", "a/.yaml", false],
    ["[ab].yaml", "b.yaml", true],
    ["[!ab].yaml", "b.yaml", false],
    ["[!ab].yaml", "c.yaml", true],
    ["[a-c].yaml", "c.yaml", true],
    ["*.{yaml,yml}", "x.yml", true],
    ["*.{yaml,yml}", "x.json", false],
    ["a.b+c(d).yaml", "a.b+c(d).yaml", true],
    ["a.yaml", "aXyaml", false],
    ["Apps/*.yaml", "apps/a.yaml", false],
  ])("%s matches %s: %s", (glob, path, expected) => {
    expect(findGlobProblem(glob)).toBeUndefined();
    expect(compileGlob(glob).test(path)).toBe(expected);
  });

  it.each([
    ["", "a glob cannot be empty"],
    ["/apps/*.yaml", "globs are relative to the repository root: drop the leading / or ./"],
    ["./apps", "globs are relative to the repository root: drop the leading / or ./"],
    ["apps\\*.yaml", "globs use / as the separator and have no escapes: remove the backslash"],
    ["apps/../x", "globs cannot contain . or .. segments"],
    ["apps//x", "a glob cannot contain an empty segment (//)"],
    ["apps/", "a glob cannot end with /: write dir/** for everything under a directory"],
    ["[ab.yaml", "a [ character class is not closed with ]"],
    ["[a/b].yaml", "a [ ] character class cannot contain /"],
    ["[].yaml", "a [ ] character class cannot be empty"],
    ["{a,b.yaml", "a { has no matching }"],
    ["a}.yaml", "a } has no matching {"],
    ["{a/b,c}", "{ } alternatives cannot contain /: write one glob per alternative"],
  ])("rejects %j: %s", (glob, problem) => {
    expect(findGlobProblem(glob)).toBe(problem);
  });

  it("matches a literal path (no wildcard characters) exactly, and nothing else", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/).filter((s) => s !== "." && s !== "..");
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));
    fc.assert(
      fc.property(path, path, (a, b) => {
        expect(findGlobProblem(a)).toBeUndefined();
        expect(compileGlob(a).test(b)).toBe(a === b);
      }),
    );
  });

  it("**/NAME matches NAME at any depth", () => {
    const segment = fc.stringMatching(/^[a-z0-9-]{1,6}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), segment, (dirs, name) => {
        expect(compileGlob(`**/${name}.yaml`).test([...dirs, `${name}.yaml`].join("/"))).toBe(true);
      }),
    );
  });

  it("excludes win over includes", () => {
    const matches = buildPathMatcher({ include: ["**/*.yaml"], exclude: ["charts/*/templates/**"] });
    expect(["apps/a.yaml", "charts/podinfo/templates/deployment.yaml", "charts/podinfo/values.yaml"].map(matches)).toEqual([true, false, true]);
  });
});

describe("hostile globs and paths (issue 10)", () => {
  it("refuses a glob whose segment would backtrack, with the reason", () => {
    expect(findGlobProblem("*a*a*a*a*a*a*a*a*b.yaml")).toBe('a path segment of a glob can hold at most 3 * wildcards (more make matching slow): simplify "*a*a*a*a*a*a*a*a*b.yaml"');
    expect(findGlobProblem(`apps/${"x".repeat(300)}`)).toBe("a glob can have at most 256 characters");
    expect(findGlobProblem("**/*a*a*b.yaml")).toBeUndefined();
  });

  it("matches the worst glob it accepts against the longest name it reads, and no longer name", () => {
    const matches = buildPathMatcher({ include: ["**/*a*a*a.b"], exclude: [] });
    // The worst case for three stars: a 255-character name of a's without the final ".b".
    expect(matches(`dir/${"a".repeat(255)}`)).toBe(false);
    expect(matches(`dir/${"a".repeat(250)}.b`)).toBe(true);
    expect(matches(`dir/${"a".repeat(256)}.b`)).toBe(false);
    expect(matches(`${"d/".repeat(600)}aaa.b`)).toBe(false);
  });
});
