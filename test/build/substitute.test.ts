import { describe, expect, it } from "vitest";
import { substituteVariables } from "../../src/build/substitute.js";

const vars = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("Flux post-build substitution", () => {
  it("replaces ${var} and applies defaults when the value is missing or empty", () => {
    const result = substituteVariables({ text: "a: ${x}\nb: ${y:=10}\nc: ${z:-d}\nd: ${e:=fallback}\n", variables: vars({ x: "one", e: "" }) });
    expect(result.text).toBe("a: one\nb: 10\nc: d\nd: fallback\n");
    expect(result.missing).toEqual([]);
  });

  it("keeps $var without braces, and turns the $${var} escape into a literal ${var}", () => {
    const result = substituteVariables({ text: "cmd: echo $HOME $${HOME} ${HOME}\n", variables: vars({ HOME: "/root" }) });
    expect(result.text).toBe("cmd: echo $HOME ${HOME} /root\n");
  });

  it("substitutes an undefined variable with the empty string and says which (Flux is not strict by default)", () => {
    const result = substituteVariables({ text: "a: x${missing}y\n", variables: vars({ other: "1" }) });
    expect(result.text).toBe("a: xy\n");
    expect(result.missing).toEqual(["missing"]);
  });

  it("leaves undefined variables as written when some variable source could not be read", () => {
    const result = substituteVariables({ text: "a: ${unknown}\nb: ${known}\n", variables: vars({ known: "k" }), leaveUnknown: true });
    expect(result.text).toBe("a: ${unknown}\nb: k\n");
    expect(result.unknown).toEqual(["unknown"]);
  });

  it("does not treat names Flux's envsubst does not accept as variables", () => {
    expect(substituteVariables({ text: "a: ${1x} ${a.b}\n", variables: vars({ a: "1" }) }).text).toBe("a: ${1x} ${a.b}\n");
  });
});
