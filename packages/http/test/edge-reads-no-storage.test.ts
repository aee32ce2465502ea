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

/**
 * What reading storage looks like in a file: the storage port or one of its repositories named,
 * a storage adapter imported, or a `storage` object's members used.
 */
const STORAGE = [
  /\bRelanceStorage\b/,
  /\b(Target|(?:Daily|Capped)Counter|DoNotContact|ExitedUser|Lease|Session|Directory|EnrollmentCursor|Config|Message)Repository\b/,
  /\bcreate(Memory|Sqlite|Mongo\w*)Storage\b/,
  /from\s+["']@relance\/adapters\/(sqlite|mongodb|memory)["']/,
  /\bstorage\s*[.?]/,
  /\bstorage\s*:/,
];

// Issue 23, item 2: the HTTP edge translates requests into the core's use cases; what it reads it
// reads through them (the composition root alone wires storage in).
describe("packages/http's app and pages never read storage", () => {
  it("no file under src/app or src/pages names the storage port, a repository or a storage adapter", () => {
    const offending: string[] = [];
    for (const dir of ["app", "pages"]) {
      for (const file of sourceFiles(join(SRC, dir))) {
        const lines = readFileSync(file, "utf8").split("\n");
        lines.forEach((line, index) => {
          if (/^\s*(\/\*|\*|\/\/)/.test(line)) return; // comments may speak of storage
          for (const pattern of STORAGE) if (pattern.test(line)) offending.push(`${relative(SRC, file)}:${index + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offending).toEqual([]);
  });
});
