import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The codemod the lead re-runs after merging branches written before NodeNext.
const SCRIPT = join(import.meta.dirname, "..", "scripts", "fix-import-extensions.mjs");
const dir = mkdtempSync(join(tmpdir(), "relance-codemod-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): string {
  return execFileSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("scripts/fix-import-extensions.mjs", () => {
  mkdirSync(join(dir, "storage", "memory"), { recursive: true });
  writeFileSync(join(dir, "clock.ts"), "export const now = 1;\n");
  writeFileSync(join(dir, "storage", "memory", "index.ts"), "export const memory = 1;\n");
  // Spelled through `rel` so that running the codemod over this repository leaves them alone.
  const rel = "./";
  const source = [
    `import { now } from "${rel}clock";`,
    `import type { memory } from "${rel}storage/memory";`,
    `export * from "${rel}clock.js";`,
    "export {",
    "  memory,",
    `} from "${rel}storage/memory";`,
    `const lazy = () => import("${rel}clock");`,
    `import data from "${rel}data.json";`,
    'import { z } from "zod";',
    `import "${rel}missing";`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "main.ts"), source);

  it("adds .js to files and /index.js to folders, and leaves the rest alone", () => {
    run(dir);
    expect(readFileSync(join(dir, "main.ts"), "utf8").split("\n")).toEqual([
      `import { now } from "${rel}clock.js";`,
      `import type { memory } from "${rel}storage/memory/index.js";`,
      `export * from "${rel}clock.js";`,
      "export {",
      "  memory,",
      `} from "${rel}storage/memory/index.js";`,
      `const lazy = () => import("${rel}clock.js");`,
      `import data from "${rel}data.json";`,
      'import { z } from "zod";',
      `import "${rel}missing";`,
      "",
    ]);
  });

  it("is idempotent, and --check fails only while something is left to fix", () => {
    const fixed = readFileSync(join(dir, "main.ts"), "utf8");
    expect(run(dir)).toContain("changed 0 line(s) in 0 file(s)");
    expect(readFileSync(join(dir, "main.ts"), "utf8")).toBe(fixed);
    expect(run("--check", dir)).toContain("would change 0 line(s)");
    writeFileSync(join(dir, "late.ts"), `import { now } from "${rel}clock";\n`);
    expect(() => run("--check", dir)).toThrow(/npm run fix-imports/);
  });
});
