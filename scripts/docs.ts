// Writes the generated docs: `npm run docs:config` (docs/configuration.md from the env schema),
// `npm run docs:openapi` (docs/openapi.json, the served /openapi.json), `npm run docs` (all).
// The tests that keep them in step (test/configuration-docs.test.ts, test/openapi-docs.test.ts)
// name the command to run.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configurationReference, servedOpenApi } from "./docs-generators.js";

const ROOT = join(import.meta.dirname, "..");
const writers: Record<string, [path: string, render: () => string | Promise<string>]> = {
  config: ["docs/configuration.md", configurationReference],
  openapi: ["docs/openapi.json", servedOpenApi],
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in writers));
if (unknown.length > 0) {
  console.error(`unknown: ${unknown.join(", ")} (known: ${Object.keys(writers).join(", ")})`);
  process.exit(2);
}
for (const name of asked.length > 0 ? asked : Object.keys(writers)) {
  const [path, render] = writers[name]!;
  writeFileSync(join(ROOT, path), await render());
  console.log(`wrote ${path}`);
}
