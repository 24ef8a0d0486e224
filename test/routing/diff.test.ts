/** Per-resource unified diffs between the base and head generated objects. */
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

describe("renderResourcesYaml", () => {
  it("prints apiVersion, kind, metadata and spec first, documents separated by ---", () => {
    const yaml = renderResourcesYaml([{ spec: { a: 1 }, metadata: { name: "x" }, kind: "K", apiVersion: "v1" }, { apiVersion: "v1", kind: "L", metadata: { name: "y" } }]);
    expect(yaml).toBe("apiVersion: v1\nkind: K\nmetadata:\n  name: x\nspec:\n  a: 1\n---\napiVersion: v1\nkind: L\nmetadata:\n  name: y\n");
  });
});
