#!/usr/bin/env node
// `npm run build`: a clean build of every package to its dist/ (no stale file of a deleted source
// can end up in a tarball), in dependency order through the project references.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const PACKAGES = ["core", "adapters", "http"];

for (const name of PACKAGES) rmSync(join(ROOT, "packages", name, "dist"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-b", ...PACKAGES.map((name) => join(ROOT, "packages", name, "tsconfig.build.json"))], { cwd: ROOT, stdio: "inherit" });
// The pages' browser scripts: their own tsconfig (DOM), transpiled next to the built pages.
execFileSync(process.execPath, [join(ROOT, "scripts/build-pages.mjs")], { cwd: ROOT, stdio: "inherit" });
console.log(`built ${PACKAGES.map((name) => `packages/${name}/dist`).join(", ")}`);
