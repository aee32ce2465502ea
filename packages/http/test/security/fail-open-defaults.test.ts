import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/index.js";

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
});
