import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { developmentFirstRun } from "../../src/first-run.js";
import { ConfigError, loadConfig, startService } from "../../src/index.js";

const root = new URL("../../../../", import.meta.url);

// Security review 2, L7: outside the Docker image the defaults failed open — development mode on
// every interface, and `npm run start:dist` (presented as "the same from a checkout") never set
// NODE_ENV, so a VM deployment following it ran in development mode.
describe("security L7: defaults that fail closed", () => {
  it("listens on loopback unless production (the image) or HOST says otherwise", () => {
    expect(loadConfig({}).HOST).toBe("127.0.0.1");
    expect(loadConfig({ NODE_ENV: "test" }).HOST).toBe("127.0.0.1");
    expect(loadConfig({ RELANCE_TRANSPORT: "sandbox" }).HOST).toBe("127.0.0.1");
    expect(loadConfig({ HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
  });

  it("npm run start:dist runs in production mode", () => {
    const scripts = (JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["start:dist"]).toMatch(/NODE_ENV=production node packages\/http\/dist\/main\.js/);
  });

  it("prints generated secrets and demo tokens only to a terminal: piped into a log collector, none", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "relance-first-run-"));
    const config = loadConfig({ NODE_ENV: "development", RELANCE_TRANSPORT: "sandbox", RELANCE_JOBS: "off", LOG_LEVEL: "silent", RELANCE_DATA_DIR: dataDir });
    const service = await startService(config, { listen: false });
    try {
      const piped = await developmentFirstRun(config, service, { tty: false });
      for (const name of config.generatedSecrets) expect(piped).not.toContain(name);
      expect(piped).not.toContain(config.secrets.jwt);
      expect(piped).not.toContain(config.secrets.session);
      expect(piped).not.toMatch(/token=ey|Demo admin token|Demo referrer token|\bey[A-Za-z0-9_-]{20,}\./);
      expect(piped).toMatch(/not a terminal/);
      // Kept for the newcomer in a file only they can read, named on stdout.
      const file = join(dataDir, "first-run.txt");
      expect(piped).toContain(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, "utf8")).toContain(config.secrets.jwt);
      expect(readFileSync(file, "utf8")).toMatch(/Demo admin token/);
      const terminal = await developmentFirstRun(config, service, { tty: true });
      expect(terminal).toContain(config.secrets.jwt);
      expect(terminal).toMatch(/Demo admin token/);
    } finally {
      await service.close();
    }
  });

  it("refuses the unauthenticated sandbox on a non-loopback address unless NODE_ENV=development says so", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ RELANCE_TRANSPORT: "sandbox", ...env });
        return "";
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join("\n");
        throw error;
      }
    };
    expect(problems({ NODE_ENV: "test", HOST: "0.0.0.0" })).toMatch(/RELANCE_TRANSPORT: .*sandbox.*loopback/);
    expect(problems({ NODE_ENV: "test", HOST: "::" })).toMatch(/RELANCE_TRANSPORT/);
    expect(problems({ NODE_ENV: "test" })).toBe("");
    expect(problems({ NODE_ENV: "test", HOST: "127.0.0.1" })).toBe("");
    expect(problems({ NODE_ENV: "development", HOST: "0.0.0.0" })).toBe("");
  });
});
