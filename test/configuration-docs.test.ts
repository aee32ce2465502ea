import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvSchema } from "../packages/http/src/config/env.js";
import { ENV_DOCS } from "../packages/http/src/config/env-docs.js";
import { envChoices, envDocsGaps, envVariableNames, renderConfigurationReference } from "../packages/http/src/config/env-reference.js";

// docs/configuration.md is generated from the env schema: a variable added without its description,
// a default changed without the docs, or a hand edit of the page fails here.
const ROOT = join(import.meta.dirname, "..");
const FIX = "describe it in packages/http/src/config/env-docs.ts, then run `npm run docs:config` and commit docs/configuration.md";
const field = (name: string) => (EnvSchema.shape as Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>)[name]!;

describe("the configuration reference", () => {
  it("describes every variable of the env schema, and no other", () => {
    expect(envDocsGaps(), FIX).toEqual({ undocumented: [], stale: [] });
    expect(envVariableNames().length).toBeGreaterThan(40);
  });

  it("states each default the schema applies (parsed with the variable's own schema), and says what happens when the others are unset", () => {
    const wrong: string[] = [];
    for (const name of envVariableNames()) {
      const doc = ENV_DOCS[name];
      if (!doc) continue;
      const schemaDefault = field(name).safeParse(undefined);
      if (typeof doc.default === "string") {
        const documented = field(name).safeParse(doc.default);
        if (!documented.success || schemaDefault.data === undefined) wrong.push(`${name}: "${doc.default}" is not the schema's default`);
        else if (JSON.stringify(documented.data) !== JSON.stringify(schemaDefault.data)) wrong.push(`${name}: documented "${doc.default}", schema default ${JSON.stringify(schemaDefault.data)}`);
      } else if (schemaDefault.data !== undefined) {
        wrong.push(`${name}: the schema defaults it to ${JSON.stringify(schemaDefault.data)}; write that as its default`);
      }
    }
    expect(wrong, FIX).toEqual([]);
  });

  it("names every value an enum variable accepts", () => {
    const missing = envVariableNames().flatMap((name) =>
      (envChoices(name) ?? []).filter((value) => !ENV_DOCS[name]?.what.includes(`\`${value}\``)).map((value) => `${name}: \`${value}\``),
    );
    expect(missing, FIX).toEqual([]);
  });

  it("is committed as generated (docs/configuration.md)", () => {
    const committed = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
    expect(committed === renderConfigurationReference(), `docs/configuration.md differs from the schema's: run \`npm run docs:config\` and commit it`).toBe(true);
  });
});
