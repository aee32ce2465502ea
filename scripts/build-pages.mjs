#!/usr/bin/env node
// The pages' browser scripts (packages/http/src/pages/client/*.ts) as JavaScript in
// packages/http/dist/pages/client/, where the built service reads them: production serves
// /assets/<name>.js from these files and needs no esbuild. Run after tsc has built packages/http
// (`npm run build` does both); it uses the built module's own list and transform, so what is
// served from dist is what `npm start` serves from the sources.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HTTP = join(dirname(fileURLToPath(import.meta.url)), "..", "packages", "http");
const { CLIENT_SCRIPTS, transpileClientScript } = await import(pathToFileURL(join(HTTP, "dist/pages/client-scripts.js")).href);

const out = join(HTTP, "dist/pages/client");
mkdirSync(out, { recursive: true });
for (const name of CLIENT_SCRIPTS) {
  const source = readFileSync(join(HTTP, "src/pages/client", `${name}.ts`), "utf8");
  writeFileSync(join(out, `${name}.js`), await transpileClientScript(source, `pages/client/${name}.ts`));
}
console.log(`built ${CLIENT_SCRIPTS.length} page scripts in packages/http/dist/pages/client`);
