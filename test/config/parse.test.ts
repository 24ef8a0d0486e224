import { describe, expect, it } from "vitest";
import { DEFAULT_CONTROLLER_SETTINGS } from "../../src/canary/settings.js";
import { buildControllerSettings, buildDefaultConfig, parseRepositoryConfig, renderConfigErrors, type ConfigResult } from "../../src/config/index.js";
import { documentedExample } from "./docs.js";

function errorsOf(result: ConfigResult): string {
  if (result.ok) throw new Error("expected errors");
  return renderConfigErrors(result.errors);
}

describe("parseRepositoryConfig", () => {
  it("gives every default for an empty file or one with only comments", () => {
    const defaults = {
      manifests: { include: ["**/*.yaml", "**/*.yml"], exclude: [".github/**"] },
      controller: DEFAULT_CONTROLLER_SETTINGS,
      environments: [],
      limits: { reviewBytes: 33554432, changedManifests: 3000, contextFiles: 1000 },
    };
    expect(parseRepositoryConfig("")).toEqual({ ok: true, config: defaults });
    expect(parseRepositoryConfig("# nothing yet\n")).toEqual({ ok: true, config: defaults });
    expect(buildDefaultConfig()).toEqual(defaults);
  });

  it("reads the documented example, filling in what it leaves out", () => {
    const result = parseRepositoryConfig(documentedExample());
    expect(result).toEqual({
      ok: true,
      config: {
        manifests: { include: ["clusters/**/*.yaml", "apps/**/*.yaml"], exclude: ["**/templates/**", "**/kustomization.yaml"] },
        controller: { ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "istio", selectorLabels: ["app.kubernetes.io/name", "app"] },
        environments: [
          { name: "staging", paths: ["clusters/staging/**"], cluster: "staging" },
          { name: "production", paths: ["clusters/production/**"], cluster: "production", promotedIn: "staging", approvers: { teams: ["sre"], users: ["alice"], allowSelfApproval: false } },
          { name: "preview", paths: ["clusters/preview/**"], cluster: "preview", previewOf: "pull-requests" },
        ],
        limits: { reviewBytes: 33554432, changedManifests: 3000, contextFiles: 500 },
      },
    });
  });

  it("maps the controller section onto Flagger's controller settings", () => {
    const result = parseRepositoryConfig("controller:\n  meshProvider: smi:v1alpha3:linkerd\n  selectorLabels: [app]\n  noCrossNamespaceRefs: true\n");
    if (!result.ok) throw new Error(renderConfigErrors(result.errors));
    expect(buildControllerSettings(result.config)).toEqual({ ...DEFAULT_CONTROLLER_SETTINGS, meshProvider: "smi:v1alpha3:linkerd", selectorLabels: ["app"], noCrossNamespaceRefs: true });
  });

  it("names the line, the key and the fix of each problem", () => {
    const text = [
      "manifests:", // 1
      "  include: ['/apps/**']", // 2
      "controler:", // 3
      "  meshProvider: istio", // 4
      "controller:", // 5
      "  meshProvider: gatewayapi", // 6
      "  selectorLabels: []", // 7
      "environments:", // 8
      "  - name: Production", // 9
      "    paths: [clusters/prod/**]", // 10
      "    cluster: prod", // 11
      "    approvers:", // 12
      "      users: ['-nope']", // 13
      "      allowSelfApproval: yes", // 14
      "limits:", // 15
      "  reviewBytes: 99999999999", // 16
      "  contextFiles: -1", // 17
    ].join("\n");
    expect(errorsOf(parseRepositoryConfig(text)).split("\n")).toEqual([
      '.github/canary-bot.yml:2:13: manifests.include[0]: "/apps/**" is not a valid glob: globs are relative to the repository root: drop the leading / or ./',
      '.github/canary-bot.yml:3:1: controler: unknown key "controler"; did you mean "controller"?',
      expect.stringMatching(/^\.github\/canary-bot\.yml:6:17: controller\.meshProvider: not a provider Flagger knows: Flagger falls back to the Istio router for an unknown -mesh-provider\. Use one of apisix, .*, traefik \(or smi:<version>:<mesh>\)$/),
      ".github/canary-bot.yml:7:19: controller.selectorLabels: Flagger needs at least one selector label",
      ".github/canary-bot.yml:9:11: environments[0].name: environment names are lowercase letters, digits and -, at most 63 characters",
      ".github/canary-bot.yml:13:15: environments[0].approvers.users[0]: not a GitHub login",
      ".github/canary-bot.yml:14:26: environments[0].approvers.allowSelfApproval: expected boolean, received string",
      ".github/canary-bot.yml:16:16: limits.reviewBytes: Too big: expected number to be <=33554432",
      ".github/canary-bot.yml:17:17: limits.contextFiles: Too small: expected number to be >=0",
    ]);
  });

  it("checks environments against each other: unknown, own and cyclic promotedIn, duplicates, promotedIn with previewOf", () => {
    const env = (name: string, extra = "") => `  - name: ${name}\n    paths: [${name}/**]\n    cluster: c\n${extra}`;
    const text = `environments:\n${env("a", "    promotedIn: b\n")}${env("b", "    promotedIn: a\n")}${env("c", "    promotedIn: c\n")}${env("d", "    promotedIn: nowhere\n")}${env("a")}`;
    expect(errorsOf(parseRepositoryConfig(text)).split("\n")).toEqual([
      ".github/canary-bot.yml:5:17: environments[0].promotedIn: promotedIn forms a cycle: each environment would wait for the other and no pull request could merge",
      ".github/canary-bot.yml:9:17: environments[1].promotedIn: promotedIn forms a cycle: each environment would wait for the other and no pull request could merge",
      ".github/canary-bot.yml:13:17: environments[2].promotedIn: an environment cannot wait for its own promotion: its pull requests could never merge",
      '.github/canary-bot.yml:17:17: environments[3].promotedIn: no environment is named "nowhere"; define it under environments or fix the name',
      '.github/canary-bot.yml:18:11: environments[4].name: environment "a" is defined twice (first as environments[0])',
    ]);
    const both = parseRepositoryConfig(`environments:\n${env("a")}${env("p", "    promotedIn: a\n    previewOf: pull-requests\n")}`);
    expect(errorsOf(both)).toBe(".github/canary-bot.yml:9:16: environments[1].previewOf: an environment is either promotedIn another one or a previewOf pull requests, not both");
  });

  it("reports a missing required key where the entry starts", () => {
    expect(errorsOf(parseRepositoryConfig("environments:\n  - name: prod\n    cluster: prod\n"))).toBe(".github/canary-bot.yml:2:5: environments[0].paths: this key is required (array)");
  });

  it("reports YAML problems with their line: syntax, duplicate keys, a file that is not a mapping, an oversize file", () => {
    expect(errorsOf(parseRepositoryConfig("controller:\n  meshProvider: [istio\n"))).toMatch(/^\.github\/canary-bot\.yml:3:1: YAML syntax error: /);
    expect(errorsOf(parseRepositoryConfig("limits: {}\nlimits: {}\n"))).toMatch(/^\.github\/canary-bot\.yml:2:1: YAML duplicate key: /);
    expect(errorsOf(parseRepositoryConfig("- a\n- b\n"))).toBe(".github/canary-bot.yml:1:1: the file must be a mapping of keys (manifests, controller, environments, limits)");
    expect(errorsOf(parseRepositoryConfig(`# ${"x".repeat(70 * 1024)}\n`))).toBe(".github/canary-bot.yml:1:1: the file has 71683 bytes; canary-bot reads at most 65536");
  });

  it("reads YAML 1.2: `yes` is a string, not a boolean", () => {
    expect(errorsOf(parseRepositoryConfig("controller:\n  enableConfigTracking: yes\n"))).toBe(".github/canary-bot.yml:2:25: controller.enableConfigTracking: expected boolean, received string");
  });
});
