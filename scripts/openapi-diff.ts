// What changed for integrators between two OpenAPI documents: every JSON pointer added, removed
// or changed, key order ignored (`npm run docs:openapi-diff -- <old.json> [new.json]`; without a
// new one, the document the service serves now). Used to list /openapi.json changes in CHANGELOG.md.
import { readFileSync } from "node:fs";
import { servedOpenApi } from "./docs-generators.js";

export interface Difference {
  pointer: string;
  kind: "added" | "removed" | "changed";
  was?: unknown;
  is?: unknown;
}

const escape = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every difference between `was` and `is`, as JSON pointers (arrays compared item by item). */
export function openApiDifferences(was: unknown, is: unknown, pointer = ""): Difference[] {
  if (isObject(was) && isObject(is)) {
    const keys = [...new Set([...Object.keys(was), ...Object.keys(is)])].sort();
    return keys.flatMap((key) => {
      const at = `${pointer}/${escape(key)}`;
      if (!(key in is)) return [{ pointer: at, kind: "removed" as const, was: was[key] }];
      if (!(key in was)) return [{ pointer: at, kind: "added" as const, is: is[key] }];
      return openApiDifferences(was[key], is[key], at);
    });
  }
  if (Array.isArray(was) && Array.isArray(is) && was.length === is.length) return was.flatMap((item, index) => openApiDifferences(item, is[index], `${pointer}/${index}`));
  return JSON.stringify(was) === JSON.stringify(is) ? [] : [{ pointer: pointer || "/", kind: "changed", was, is }];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [oldPath, newPath] = process.argv.slice(2);
  if (!oldPath) {
    console.error("usage: openapi-diff <old.json> [new.json]");
    process.exit(2);
  }
  const was = JSON.parse(readFileSync(oldPath, "utf8"));
  const is = JSON.parse(newPath ? readFileSync(newPath, "utf8") : await servedOpenApi());
  const differences = openApiDifferences(was, is);
  for (const d of differences) console.log(`${d.kind.padEnd(7)} ${d.pointer}${d.kind === "changed" ? `: ${JSON.stringify(d.was)} -> ${JSON.stringify(d.is)}` : d.kind === "added" ? `: ${JSON.stringify(d.is)}` : ""}`);
  console.log(`${differences.length} difference(s)`);
}
