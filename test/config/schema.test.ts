/**
 * The published JSON Schema (schema/canary-bot.schema.json) is generated from the zod schema the
 * App validates with: this test fails when the committed file is out of date (regenerate it with
 * `npx vitest run test/config -u`). The reference (docs/configuration.md) must name every key.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { buildConfigJsonSchema } from "../../src/config/index.js";
import { CONFIGURATION_DOC, documentedExample } from "./docs.js";

const SCHEMA_FILE = join(import.meta.dirname, "../../schema/canary-bot.schema.json");

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

/** Every key as docs/configuration.md writes it: `environments[].approvers.users`. */
function keysOf(schema: JsonSchema, prefix = ""): string[] {
  const keys: string[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    keys.push(key);
    const object = child.items?.properties ? child.items : child;
    keys.push(...keysOf(object, child.items?.properties ? `${key}[]` : key));
  }
  return keys;
}

describe("the configuration's JSON Schema", () => {
  it("is committed, up to date with the zod schema", async () => {
    await expect(`${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`).toMatchFileSnapshot(SCHEMA_FILE);
  });

  it("accepts the documented example and rejects what the App rejects structurally", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object);
    expect(validate(parseYaml(documentedExample())), ajv.errorsText(validate.errors)).toBe(true);
    expect(validate({})).toBe(true);
    expect(validate({ controler: {} })).toBe(false);
    expect(validate({ controller: { meshProvider: "istoi" } })).toBe(false);
    expect(validate({ environments: [{ name: "prod", cluster: "prod" }] })).toBe(false);
    expect(validate({ environments: [{ name: "prod", paths: ["x/**"], cluster: "prod", previewOf: "branches" }] })).toBe(false);
    expect(validate({ limits: { reviewBytes: 64 * 1024 * 1024 } })).toBe(false);
  });

  it("has every key documented in docs/configuration.md", () => {
    const doc = readFileSync(CONFIGURATION_DOC, "utf8");
    const keys = keysOf(buildConfigJsonSchema() as JsonSchema);
    expect(keys).toContain("environments[].approvers.allowSelfApproval");
    expect(keys.filter((key) => !doc.includes(`\`${key}\``))).toEqual([]);
  });
});
