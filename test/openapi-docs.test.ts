import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { servedOpenApi } from "../scripts/docs-generators.js";

// docs/openapi.json is the integrators' contract: it must be what the service serves at /openapi.json.
const ROOT = join(import.meta.dirname, "..");
const FIX = "docs/openapi.json differs from the served /openapi.json: run `npm run docs:openapi` and commit docs/openapi.json";
const operations = (document: { paths: Record<string, object> }) =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

describe("docs/openapi.json", () => {
  it("is the document the service serves at /openapi.json", async () => {
    const served = await servedOpenApi();
    const committed = readFileSync(join(ROOT, "docs/openapi.json"), "utf8");
    if (committed !== served) {
      // Name the operations that differ first: the usual cause is a route added or changed since.
      const [was, is] = [JSON.parse(committed), JSON.parse(served)];
      const [before, after] = [operations(was), operations(is)];
      const changed = after.filter((op) => {
        const [method, path] = op.split(" ") as [string, string];
        return JSON.stringify(was.paths[path]?.[method.toLowerCase()]) !== JSON.stringify(is.paths[path][method.toLowerCase()]);
      });
      expect({ added: after.filter((op) => !before.includes(op)), removed: before.filter((op) => !after.includes(op)), changed }, FIX).toEqual({ added: [], removed: [], changed: [] });
    }
    expect(committed === served, FIX).toBe(true);
  });
});
