import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g;

describe("packages/core is pure", () => {
  const files = sourceFiles(SRC);

  it("imports nothing but its own files (no packages, no node: modules)", () => {
    const offending: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
        const specifier = match[1] ?? match[2] ?? match[3]!;
        if (!specifier.startsWith(".")) offending.push(`${relative(SRC, file)} → ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("never reads the wall clock (time comes from the Clock port) and uses no decorators", () => {
    const offending = files.filter((file) => /Date\.now\(\)|new Date\(\)|performance\.now\(\)|^\s*@[A-Za-z]/m.test(readFileSync(file, "utf8")));
    expect(offending.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("declares no dependencies", () => {
    const manifest = JSON.parse(readFileSync(join(SRC, "..", "package.json"), "utf8"));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
  });
});
