// Writes the generated docs: `npm run docs:config` (docs/configuration.md from the env schema),
// `npm run docs` (all of them). The tests that keep them in step name the command to run.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfigurationReference } from "../packages/http/src/config/env-reference.js";

const ROOT = join(import.meta.dirname, "..");
const writers: Record<string, () => Promise<string>> = {
  config: async () => {
    writeFileSync(join(ROOT, "docs/configuration.md"), renderConfigurationReference());
    return "docs/configuration.md";
  },
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in writers));
if (unknown.length > 0) {
  console.error(`unknown: ${unknown.join(", ")} (known: ${Object.keys(writers).join(", ")})`);
  process.exit(2);
}
for (const name of asked.length > 0 ? asked : Object.keys(writers)) console.log(`wrote ${await writers[name]!()}`);
