import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

/**
 * The pages' browser scripts: TypeScript modules under `pages/client/` (checked against the DOM by
 * their own tsconfig), each served as `/assets/<name>.js`. They import one another by relative
 * path (`./session.js`), which the browser resolves under `/assets/` too: no bundling, one file
 * per module, the same files the pages loaded when they were strings.
 */
export const CLIENT_SCRIPTS = ["session", "connect", "connect-words", "admin", "admin-stats", "admin-lift"] as const;
export type ClientScript = (typeof CLIENT_SCRIPTS)[number];

/** esbuild, a development dependency: present for `npm start` and the tests, never in production. */
interface Esbuild {
  transform(code: string, options: Record<string, unknown>): Promise<{ code: string }>;
}

/** Types stripped, modules and names kept, ES2022 as the browsers the pages support run it. */
const TRANSFORM = { loader: "ts", format: "esm", target: "es2022", charset: "utf8" } as const;

/** One script's JavaScript from its TypeScript source (what `npm run build` writes to dist). */
export async function transpileClientScript(source: string, sourcefile: string): Promise<string> {
  let esbuild: Esbuild;
  try {
    esbuild = createRequire(import.meta.url)("esbuild") as Esbuild;
  } catch (error) {
    throw new Error(`${sourcefile}: the page scripts are transpiled by esbuild (a development dependency); a built package serves them from dist/pages/client`, { cause: error });
  }
  return (await esbuild.transform(source, { ...TRANSFORM, sourcefile })).code;
}

/**
 * A script as served: the built package's compiled file (dist/pages/client/<name>.js, written by
 * `npm run build`), else transpiled from the source next to this module (tsx, vitest).
 */
export async function loadClientScript(name: ClientScript): Promise<string> {
  const compiled = new URL(`./client/${name}.js`, import.meta.url);
  if (existsSync(compiled)) return readFile(compiled, "utf8");
  const source = new URL(`./client/${name}.ts`, import.meta.url);
  return transpileClientScript(await readFile(source, "utf8"), `pages/client/${name}.ts`);
}
