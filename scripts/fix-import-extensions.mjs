#!/usr/bin/env node
// Adds the `.js` extension Node's ESM resolver needs (and TypeScript's `NodeNext` checks) to
// every relative import/export specifier of the repository's TypeScript files:
// `./engine` → `./engine.js`, `./storage/memory` → `./storage/memory/index.js`.
// Idempotent: a specifier that already names a file (`.js`, `.json`, ...) is left alone, and so is
// one that resolves to no `.ts` file (reported). Run it after merging branches written before it:
//   node scripts/fix-import-extensions.mjs            # packages, test, examples, bench
//   node scripts/fix-import-extensions.mjs --check    # exit 1 if something would change (CI, hooks)
//   node scripts/fix-import-extensions.mjs some/dir a/file.ts
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_ROOTS = ["packages", "test", "examples", "bench", "vitest.config.ts"];
const SKIP_DIRS = new Set(["node_modules", "dist", ".git", "coverage", "test-artifacts"]);
// `from "…"`, `import "…"`, `import("…")`, `export … from "…"`, `vi.mock("…")`, `require("…")`.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bvi\.(?:mock|doMock|importActual)\s*\(\s*|\brequire\s*\(\s*)(["'])(\.{1,2}\/[^"'\n]*?|\.{1,2})\2/g;
const HAS_EXTENSION = /\.(?:[cm]?js|json|node|css|wasm)$/;

function isFile(path) {
  return existsSync(path) && statSync(path).isFile();
}

/** The NodeNext spelling of one relative specifier, or undefined when it is fine or unknown. */
function fixSpecifier(specifier, fromDir) {
  if (HAS_EXTENSION.test(specifier)) return undefined;
  const target = resolve(fromDir, specifier);
  for (const ext of [".ts", ".tsx", ".mts"]) {
    if (isFile(target + ext)) return specifier + ext.replace("t", "j");
  }
  for (const ext of [".ts", ".tsx", ".mts"]) {
    if (isFile(join(target, "index" + ext))) return specifier.replace(/\/?$/, "/index" + ext.replace("t", "j"));
  }
  return undefined;
}

/** Rewrites the specifiers of `text` (the content of a file in `fromDir`); exported for tooling. */
export function fixImportExtensions(text, fromDir, unresolved = []) {
  return text.replace(SPECIFIER, (match, lead, quote, specifier) => {
    const fixed = fixSpecifier(specifier, fromDir);
    if (fixed === undefined) {
      if (!HAS_EXTENSION.test(specifier)) unresolved.push(specifier);
      return match;
    }
    return `${lead}${quote}${fixed}${quote}`;
  });
}

function* typeScriptFiles(path) {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    if (/\.(?:ts|tsx|mts)$/.test(path) && !path.endsWith(".d.ts")) yield path;
    return;
  }
  for (const entry of readdirSync(path)) {
    if (SKIP_DIRS.has(entry)) continue;
    yield* typeScriptFiles(join(path, entry));
  }
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const roots = args.filter((arg) => !arg.startsWith("--"));
  const paths = (roots.length > 0 ? roots.map((root) => resolve(root)) : DEFAULT_ROOTS.map((root) => join(ROOT, root)));
  let changedFiles = 0;
  let changedSpecifiers = 0;
  for (const root of paths) {
    for (const file of typeScriptFiles(root)) {
      const before = readFileSync(file, "utf8");
      const unresolved = [];
      const after = fixImportExtensions(before, dirname(file), unresolved);
      for (const specifier of unresolved) console.warn(`${relative(ROOT, file)}: "${specifier}" resolves to no TypeScript file; left as is`);
      if (after === before) continue;
      changedFiles += 1;
      changedSpecifiers += before.split("\n").filter((line, i) => line !== after.split("\n")[i]).length;
      if (check) console.log(`would fix ${relative(ROOT, file)}`);
      else writeFileSync(file, after);
    }
  }
  const verb = check ? "would change" : "changed";
  console.log(`fix-import-extensions: ${verb} ${changedSpecifiers} line(s) in ${changedFiles} file(s)`);
  if (check && changedFiles > 0) {
    console.error("relative imports need their .js extension under NodeNext: run `npm run fix-imports`");
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
