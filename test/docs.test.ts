import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../packages/http/src/config/env.js";

// The docs a user reads: the landing README, docs/*.md, the package READMEs npm shows, the bench results.
const ROOT = join(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const docFiles = (): string[] => [
  "README.md",
  ...readdirSync(join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`),
  ...readdirSync(join(ROOT, "packages")).map((pkg) => `packages/${pkg}/README.md`).filter((path) => existsSync(join(ROOT, path))),
  ...["CHANGELOG.md", "bench/RESULTS.md"].filter((path) => existsSync(join(ROOT, path))),
];
const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const body = markdown.replace(/^```[\s\S]*?^```/gm, "");
  for (const [, heading] of body.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = heading!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").trim().replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe("the README is a landing page", () => {
  const readme = read("README.md");

  it("is short, and its first lines are the two commands for a fresh machine", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    const head = readme.split("\n").slice(0, 8).join("\n");
    expect(head).toContain("npm install && npm start");
    expect(head).toContain("npm install && npm test");
  });

  it("says true things of those commands: npm start runs the service's sources on SQLite in ./data at port 3000; npm test type-checks then runs every suite", () => {
    expect(scripts.start).toContain("packages/http/src/main.ts");
    const defaults = loadConfig({});
    expect(defaults.RELANCE_STORAGE).toBe("sqlite");
    expect(defaults.RELANCE_DATA_DIR).toBe("./data");
    expect(defaults.PORT).toBe(3000);
    expect(scripts.test).toMatch(/^npm run typecheck && vitest run$/);
    expect(readme.split("\n").slice(0, 8).join("\n")).toContain("http://localhost:3000");
  });
});

describe("the docs stand on their own", () => {
  it("never point at files a user does not have (../shared/…)", () => {
    const offenders = docFiles().filter((path) => /\.\.\/shared\//.test(read(path)));
    expect(offenders).toEqual([]);
  });

  it("link only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const path of docFiles()) {
      const text = read(path).replace(/^```[\s\S]*?^```/gm, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // http(s), mailto: not checked here
        const [file, anchor] = target!.split("#") as [string, string | undefined];
        const resolved = file === "" ? join(ROOT, path) : resolve(dirname(join(ROOT, path)), file);
        if (!existsSync(resolved)) {
          broken.push(`${path}: ${target} (no ${relative(ROOT, resolved)})`);
          continue;
        }
        if (anchor && resolved.endsWith(".md") && !anchorsOf(readFileSync(resolved, "utf8")).has(anchor)) {
          broken.push(`${path}: ${target} (no heading #${anchor})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("name only npm scripts that exist", () => {
    const missing = docFiles().flatMap((path) =>
      [...read(path).matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]!).filter((name) => !(name in scripts)).map((name) => `${path}: npm run ${name}`),
    );
    expect([...new Set(missing)]).toEqual([]);
  });
});

describe("the package READMEs npm shows", () => {
  const packages = ["core", "adapters", "http"];

  it("say how to install their package and name every entry point it exports", () => {
    for (const pkg of packages) {
      const meta = JSON.parse(read(`packages/${pkg}/package.json`)) as { name: string; exports: Record<string, unknown> };
      const readme = read(`packages/${pkg}/README.md`);
      expect(readme, pkg).toMatch(new RegExp(`npm install [^\\n]*${meta.name}`));
      const entries = Object.keys(meta.exports).filter((key) => key !== "./package.json").map((key) => (key === "." ? meta.name : `${meta.name}/${key.slice(2)}`));
      expect(entries.filter((entry) => !readme.includes(`\`${entry}\``) && !readme.includes(`"${entry}"`)), `${pkg}: entry points missing from its README`).toEqual([]);
    }
  });

  it("list only adapters that exist (the file store is gone), and keep each one's requirements beside it", () => {
    const adapters = read("packages/adapters/README.md");
    expect(adapters).not.toMatch(/file stor(e|age)|nedb/i);
    // The MongoDB adapter's write concern and indexes, SQLite's native module, each transport's library and runtime.
    for (const fact of ['w: "majority"', "INDEXES", "replica set", "better-sqlite3", "7.0.0-rc14", "Chromium", "instanceId"]) expect(adapters, fact).toContain(fact);
  });
});
