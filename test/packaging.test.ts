import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// What each published entry point drags in, read from the sources: the main entries must need
// nothing but their `dependencies` (no WhatsApp library, browser or database driver), and each
// subpath only its own optional peer. `npm run test:consumer` proves the same on real tarballs.

const ROOT = join(import.meta.dirname, "..");
const PACKAGES = ["core", "adapters", "http"] as const;
const SOURCE_CONDITION = "@relance/source";
/** Entry points planned before their sources land (merged from another branch), with their peers. */
const PENDING: Record<string, { source: string; peers: string[] }> = {
  "@relance/adapters/sqlite": { source: "packages/adapters/src/storage/sqlite/index.ts", peers: ["better-sqlite3", "@types/better-sqlite3"] },
};
const stillPending = (id: string) => id in PENDING && !existsSync(join(ROOT, PENDING[id]!.source));
const pendingPeers = new Set(Object.keys(PENDING).flatMap((id) => (stillPending(id) ? PENDING[id]!.peers : [])));

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  files?: string[];
  exports: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const rootDevDependencies: Record<string, string> = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies;

function manifest(pkg: string): Manifest {
  return JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8"));
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function resolveRelative(fromFile: string, specifier: string): string {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")];
  const found = candidates.find((path) => existsSync(path) && statSync(path).isFile());
  if (!found) throw new Error(`${relative(ROOT, fromFile)}: cannot resolve "${specifier}"`);
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const isBuiltin = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(specifier);

/** The packages the files reachable from `entry` import (statically, dynamically or for types). */
function reachablePackages(entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      // Browser scripts embedded as strings import by URL ("/assets/…"): not packages.
      if (specifier.startsWith("/") || /^[a-z][a-z+.-]*:/.test(specifier) && !specifier.startsWith("node:")) continue;
      if (specifier.startsWith(".")) queue.push(resolveRelative(file, specifier));
      else if (!isBuiltin(specifier) && !packages.has(packageName(specifier))) packages.set(packageName(specifier), relative(ROOT, file));
    }
  }
  return packages;
}

function sourceEntry(pkg: string, target: string | Record<string, string>): string | undefined {
  const path = typeof target === "string" ? undefined : target[SOURCE_CONDITION];
  return path ? join(ROOT, "packages", pkg, path) : undefined;
}

function allSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allSources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe.each(PACKAGES)("packages/%s is publishable", (pkg) => {
  const meta = manifest(pkg);
  const dependencies = new Set([...Object.keys(meta.dependencies ?? {})]);
  const peers = new Set(Object.keys(meta.peerDependencies ?? {}));

  it("is public, 0.x, licensed, and ships dist, README and LICENSE only", () => {
    expect(meta.private).toBeUndefined();
    expect(meta.version).toMatch(/^0\.\d+\.\d+$/);
    expect(meta.license).toBeTruthy();
    expect(meta.files).toEqual(["dist", "!dist/**/*.tsbuildinfo", "README.md", "LICENSE"]);
    expect(existsSync(join(ROOT, "packages", pkg, "README.md"))).toBe(true);
    expect(existsSync(join(ROOT, "packages", pkg, "LICENSE"))).toBe(true);
  });

  it("maps every entry point to dist (types, import) and to its source for the workspace", () => {
    for (const [subpath, target] of Object.entries(meta.exports)) {
      if (subpath === "./package.json") continue;
      expect(target, subpath).toMatchObject({ types: expect.stringMatching(/^\.\/dist\/.*\.d\.ts$/), import: expect.stringMatching(/^\.\/dist\/.*\.js$/) });
      const entry = target as Record<string, string>;
      expect(entry[SOURCE_CONDITION], subpath).toBe(entry.import!.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts"));
      expect(Object.keys(entry)[0], `${subpath}: the source condition must come first`).toBe(SOURCE_CONDITION);
    }
  });

  for (const [subpath, target] of Object.entries(meta.exports)) {
    if (subpath === "./package.json") continue;
    const id = subpath === "." ? meta.name : `${meta.name}/${subpath.slice(2)}`;
    const entry = sourceEntry(pkg, target)!;
    const pending = stillPending(id);
    it.skipIf(pending)(`${id} needs only ${subpath === "." ? "its dependencies" : "its dependencies and optional peers"}${pending ? " (skipped: its sources are not on this branch yet)" : ""}`, () => {
      expect(existsSync(entry), `${id}: ${relative(ROOT, entry)} is missing`).toBe(true);
      const undeclared = [...reachablePackages([entry])]
        .filter(([name]) => name !== meta.name && !dependencies.has(name) && (subpath === "." || !peers.has(name)))
        .map(([name, file]) => `${name} (imported by ${file})`);
      expect(undeclared).toEqual([]);
    });
  }

  it("declares every package its sources import (main.ts included)", () => {
    const undeclared = [...reachablePackages(allSources(join(ROOT, "packages", pkg, "src")))]
      .filter(([name]) => name !== meta.name && !dependencies.has(name) && !peers.has(name))
      .map(([name, file]) => `${name} (imported by ${file})`);
    expect(undeclared).toEqual([]);
  });

  it("pins a prerelease peer to the exact version it is tested with", () => {
    // Prerelease ids without a dot compare as text: "^7.0.0-rc14" accepts 7.0.0-rc2 and rc9 as
    // newer than rc14 (and refuses rc.9), so only an exact pin says which rc the code was checked on.
    const tested = { ...rootDevDependencies, ...meta.dependencies, ...meta.devDependencies };
    for (const [peer, range] of Object.entries(meta.peerDependencies ?? {})) {
      const version = tested[peer];
      if (version === undefined || !/^\d+\.\d+\.\d+-/.test(version)) continue;
      expect(range, peer).toBe(version);
      const installed = JSON.parse(readFileSync(join(ROOT, "node_modules", peer, "package.json"), "utf8")).version;
      expect(installed, `${peer} installed`).toBe(version);
    }
  });

  it("keeps its peers optional and installed for its own tests", () => {
    for (const peer of peers) {
      expect(meta.peerDependenciesMeta?.[peer]?.optional, peer).toBe(true);
      if (pendingPeers.has(peer)) continue;
      expect(Object.keys({ ...meta.devDependencies, ...meta.dependencies, ...rootDevDependencies }), peer).toContain(peer);
    }
  });
});

describe("@relance/adapters' main entry", () => {
  it("reaches no WhatsApp library, browser or database driver, even for types", () => {
    const entry = join(ROOT, "packages/adapters/src/index.ts");
    const heavy = ["@whiskeysockets/baileys", "whatsapp-web.js", "puppeteer", "mongodb", "better-sqlite3", "vitest"];
    expect([...reachablePackages([entry]).keys()].filter((name) => heavy.includes(name))).toEqual([]);
  });
});
