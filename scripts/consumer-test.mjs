#!/usr/bin/env node
// `npm run test:consumer` (CI: .ci/run): Relance as a new user gets it from npm.
//   1. clean build, `npm pack` of every package; each tarball holds dist, README and LICENSE only,
//      and `npm publish --dry-run` accepts it;
//   2. a fresh project in the OS temp dir (no workspace node_modules reachable) installs the
//      @relance/core and @relance/adapters tarballs; no WhatsApp library or browser in its tree,
//      installed size reported and kept under 30 MB;
//   3. plain `node` runs test/consumer/consumer.mjs there (memory storage, sandbox, manual clock:
//      enrolls a referral and sends day 1); the Baileys and wwebjs subpaths fail to load there,
//      each naming its missing optional peer;
//   4. test/consumer/consumer.ts type-checks there (NodeNext, strict, no skipLibCheck);
//   5. the service runs from built JavaScript: `node packages/http/dist/main.js` answers /health.
// Needs the npm registry (or a warm npm cache) for the tarballs' own dependencies.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, parse } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGES = ["core", "adapters", "http"];
const EMBEDDED = ["core", "adapters"];
const FORBIDDEN = ["puppeteer", "puppeteer-core", "whatsapp-web.js", "@whiskeysockets/baileys", "mongodb", "better-sqlite3"];
const MAX_INSTALL_BYTES = 30 * 1024 * 1024;
/** Entry points whose sources come from another branch: reported, not failed, until they land. */
const PENDING = new Set(["@relance/adapters/sqlite"]);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const keep = process.argv.includes("--keep");

/** The environment of a stranger's shell: no npm lifecycle variables, no source condition. */
function cleanEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key === "NODE_PATH") continue;
    if (/^npm_/i.test(key) && !/^npm_config_(registry|cache|userconfig|globalconfig)$/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

function run(command, args, cwd, options = {}) {
  return execFileSync(command, args, { cwd, env: cleanEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024, ...options });
}

function step(title) {
  console.log(`\n== ${title}`);
}

class Failure extends Error {}

/** Throws, so that the temp project is removed and the server stopped on the way out. */
function fail(message) {
  throw new Failure(message);
}

function directorySize(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + directorySize(join(path, name)), 0);
}

function installedPackages(nodeModules, found = new Set()) {
  if (!existsSync(nodeModules)) return found;
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith(".")) continue;
    const path = join(nodeModules, name);
    if (name.startsWith("@")) {
      for (const scoped of readdirSync(path)) {
        found.add(`${name}/${scoped}`);
        installedPackages(join(path, scoped, "node_modules"), found);
      }
    } else {
      found.add(name);
      installedPackages(join(path, "node_modules"), found);
    }
  }
  return found;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The built service serves the page scripts compiled into dist (production has no esbuild to transpile them). */
async function checkBuiltPageScripts(port) {
  const dir = join(ROOT, "packages/http/dist/pages/client");
  const names = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".js")) : [];
  if (names.length === 0) fail(`${dir} holds no compiled page script`);
  for (const name of names) {
    const served = await fetch(`http://127.0.0.1:${port}/assets/${name}`).then((r) => r.text());
    if (served !== readFileSync(join(dir, name), "utf8")) fail(`/assets/${name} is not dist/pages/client/${name}`);
  }
  console.log(`page scripts served from dist/pages/client: ${names.join(", ")}`);
}

/** `node packages/http/dist/main.js` (the Dockerfile's command) on memory + sandbox until /health answers. */
async function checkBuiltService() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "packages/http/dist/main.js")], {
    cwd: ROOT,
    env: { ...cleanEnv(), NODE_ENV: "test", PORT: String(port), HOST: "127.0.0.1", RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) fail(`node packages/http/dist/main.js exited with ${child.exitCode}:\n${output}`);
      const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => (r.ok ? r.json() : null), () => null);
      if (health) {
        await checkBuiltPageScripts(port);
        return health;
      }
      if (Date.now() > deadline) fail(`node packages/http/dist/main.js did not answer /health in 30 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "relance-consumer-"));
  try {
    for (let dir = work; ; dir = dirname(dir)) {
      if (existsSync(join(dir, "node_modules"))) fail(`${join(dir, "node_modules")} is reachable from ${work}`);
      if (dir === parse(dir).root) break;
    }
    step("build");
    run(process.execPath, [join(ROOT, "scripts/build.mjs")], ROOT, { stdio: "inherit" });

    step("npm pack");
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    const packed = JSON.parse(
      run(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", tarballs, ...PACKAGES.map((p) => `--workspace=packages/${p}`)], ROOT),
    );
    const tarballOf = {};
    for (const pack of packed) {
      const pkg = pack.name.replace("@relance/", "");
      tarballOf[pkg] = join(tarballs, pack.filename);
      const stray = pack.files.map((f) => f.path).filter((path) => !/^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts|js\.map))$/.test(path) || /\.test\./.test(path));
      if (stray.length > 0) fail(`${pack.name} ships files it should not: ${stray.join(", ")}`);
      const shipped = new Set(pack.files.map((f) => f.path));
      if (pkg === "http" && !shipped.has("dist/pages/client/admin.js")) fail(`${pack.name} lacks its compiled page scripts (dist/pages/client)`);
      const { exports } = JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8"));
      for (const [subpath, target] of Object.entries(exports)) {
        if (typeof target === "string") continue;
        const id = subpath === "." ? pack.name : `${pack.name}/${subpath.slice(2)}`;
        const missing = [target.types, target.import].map((path) => path.slice(2)).filter((path) => !shipped.has(path));
        if (missing.length === 0) continue;
        if (PENDING.has(id) && !existsSync(join(ROOT, "packages", pkg, target["@relance/source"]))) console.log(`${id}: pending (its sources are not on this branch yet)`);
        else fail(`${id} points at files the tarball lacks: ${missing.join(", ")}`);
      }
      console.log(`${pack.filename}: ${pack.entryCount} files, ${mb(pack.size)} packed, ${mb(pack.unpackedSize)} unpacked`);
    }

    step("npm publish --dry-run");
    for (const pkg of PACKAGES) {
      const result = JSON.parse(run(NPM, ["publish", "--dry-run", "--json", "--ignore-scripts", "--tag", "next", `--workspace=packages/${pkg}`], ROOT));
      const published = Array.isArray(result) ? result[0] : (result[`@relance/${pkg}`] ?? result);
      console.log(`@relance/${pkg}@${published.version}: accepted (${published.entryCount} files)`);
    }

    step("fresh project: npm install the @relance/core and @relance/adapters tarballs");
    const project = join(work, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "relance-consumer", private: true, type: "module" }, null, 2));
    run(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", ...EMBEDDED.map((p) => tarballOf[p])], project, { stdio: "inherit" });
    const installed = installedPackages(join(project, "node_modules"));
    const forbidden = FORBIDDEN.filter((name) => installed.has(name));
    if (forbidden.length > 0) fail(`the memory + sandbox install pulled ${forbidden.join(", ")}`);
    const bytes = directorySize(join(project, "node_modules"));
    console.log(`installed size: ${mb(bytes)} (${bytes} bytes) in ${installed.size} packages: ${[...installed].sort().join(", ")}`);
    console.log(`none of ${FORBIDDEN.join(", ")} in the tree`);
    if (bytes >= MAX_INSTALL_BYTES) fail(`installed size ${mb(bytes)} is not under ${mb(MAX_INSTALL_BYTES)}`);

    step("plain node runs the embedded engine (memory storage, sandbox, manual clock)");
    copyFileSync(join(ROOT, "test/consumer/consumer.mjs"), join(project, "consumer.mjs"));
    process.stdout.write(run(process.execPath, ["consumer.mjs"], project));

    step("a transport subpath without its optional peer fails at its own import, naming the peer");
    const peers = { baileys: "@whiskeysockets/baileys", wwebjs: "whatsapp-web.js" };
    for (const [subpath, peer] of Object.entries(peers)) {
      const probe = `import("@relance/adapters/${subpath}").then(() => process.exit(3), (e) => { console.log(e.code + ": " + e.message.split("\\n")[0]); process.exit(e.code === "ERR_MODULE_NOT_FOUND" && e.message.includes("'${peer}'") ? 0 : 4); })`;
      try {
        console.log(`@relance/adapters/${subpath} → ${run(process.execPath, ["--input-type=module", "-e", probe], project).trim()}`);
      } catch (error) {
        fail(`@relance/adapters/${subpath} without ${peer}: ${error.stdout || error.message}`);
      }
    }

    step("TypeScript consumer type-checks (NodeNext, strict)");
    run(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--save-dev", "@types/node@20"], project, { stdio: "inherit" });
    copyFileSync(join(ROOT, "test/consumer/consumer.ts"), join(project, "consumer.ts"));
    const tsconfig = { compilerOptions: { target: "ES2022", lib: ["ES2023"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"], skipLibCheck: false }, files: ["consumer.ts"] };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], project, { stdio: "inherit" });
    console.log("consumer.ts: no type errors");

    step("the service from built JavaScript: node packages/http/dist/main.js");
    console.log(`/health: ${JSON.stringify(await checkBuiltService())}`);

    console.log(`\nconsumer test passed: memory + sandbox install ${mb(bytes)}, no WhatsApp library or browser`);
  } finally {
    if (keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`consumer test FAILED: ${error instanceof Failure ? error.message : error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
