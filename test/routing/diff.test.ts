/** Per-resource unified diffs between the base and head generated objects. */
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { diffGeneratedResources } from "../../src/routing/diff.js";
import { renderResourcesYaml } from "../../src/routing/yaml.js";
import { canary, generate } from "./helpers.js";

describe("diffGeneratedResources", () => {
  it("gives one unified diff per changed object and nothing for unchanged ones", () => {
    const base = generate(canary({ service: "    port: 9898" }));
    const head = generate(canary({ service: "    port: 9898\n    gateways: [istio-system/public]\n    hosts: [app.example.com]" }));
    const diffs = diffGeneratedResources({ base, head });
    expect(diffs.map((d) => [d.kind, d.name, d.change])).toEqual([["VirtualService", "podinfo", "changed"]]);
    expect(diffs[0]!.patch).toBe(
      [
        "--- base/VirtualService/podinfo",
        "+++ head/VirtualService/podinfo",
        "@@ -15,9 +15,10 @@",
        "       blockOwnerDeletion: true",
        " spec:",
        "   hosts:",
        "+    - app.example.com",
        "     - podinfo",
        "   gateways:",
        "-    - mesh",
        "+    - istio-system/public",
        "   http:",
        "     - route:",
        "         - destination:",
      ].join("\n"),
    );
  });

  it("reports objects that appear and disappear", () => {
    const base = generate(canary());
    const head = generate(canary({ spec: "  provider: linkerd\n" }));
    expect(diffGeneratedResources({ base, head }).map((d) => [d.kind, d.name, d.change])).toEqual([
      ["TrafficSplit", "podinfo", "added"],
      ["DestinationRule", "podinfo-canary", "removed"],
      ["DestinationRule", "podinfo-primary", "removed"],
      ["VirtualService", "podinfo", "removed"],
    ]);
    expect(diffGeneratedResources({ base: undefined, head }).every((d) => d.change === "added")).toBe(true);
    expect(diffGeneratedResources({ base: head, head })).toEqual([]);
  });
});

describe("diffGeneratedResources, added and removed patches", () => {
  it("an added object diffs from /dev/null, a removed one to /dev/null, each with the whole YAML", () => {
    const base = generate(canary());
    const head = generate(canary({ spec: "  provider: contour\n" }));
    const diffs = diffGeneratedResources({ base, head });
    const added = diffs.find((d) => d.change === "added")!;
    const removed = diffs.find((d) => d.change === "removed")!;
    expect(added.patch.split("\n").slice(0, 4)).toEqual(["--- /dev/null", "+++ head/HTTPProxy/podinfo", expect.stringMatching(/^@@ -0,0 \+1,\d+ @@$/), "+apiVersion: projectcontour.io/v1"]);
    expect(removed.patch.split("\n").slice(0, 4)).toEqual(["--- base/DestinationRule/podinfo-canary", "+++ /dev/null", "@@ -1,14 +0,0 @@", "-apiVersion: networking.istio.io/v1beta1"]);
    // Same inputs, same answer.
    expect(diffGeneratedResources({ base, head })).toEqual(diffs);
  });
});

describe("renderResourcesYaml", () => {
  it("prints apiVersion, kind, metadata and spec first, documents separated by ---", () => {
    const yaml = renderResourcesYaml([{ spec: { a: 1 }, metadata: { name: "x" }, kind: "K", apiVersion: "v1" }, { apiVersion: "v1", kind: "L", metadata: { name: "y" } }]);
    expect(yaml).toBe("apiVersion: v1\nkind: K\nmetadata:\n  name: x\nspec:\n  a: 1\n---\napiVersion: v1\nkind: L\nmetadata:\n  name: \"y\"\n");
  });
});

describe("renderResourceYaml quoting", () => {
  it("quotes strings YAML 1.1 (kubectl) would read as booleans, numbers or timestamps", () => {
    const yaml = renderResourcesYaml([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", annotations: { a: "yes", b: "on", c: "2024-01-01", d: "y", e: "plain" } } }]);
    expect(yaml).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    a: "yes"\n    b: "on"\n    c: "2024-01-01"\n    d: "y"\n    e: plain\n');
    expect(parseDocument(yaml, { version: "1.1" }).toJS().metadata.annotations).toEqual({ a: "yes", b: "on", c: "2024-01-01", d: "y", e: "plain" });
  });
});
