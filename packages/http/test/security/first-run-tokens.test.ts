import { describe, expect, it } from "vitest";
import { developmentFirstRun } from "../../src/first-run.js";
import { loadConfig, startService } from "../../src/index.js";

describe("security 7: demo tokens only for a JWT secret made up for the run", () => {
  async function firstRun(env: Record<string, string>): Promise<string> {
    const config = loadConfig({ NODE_ENV: "development", RELANCE_TRANSPORT: "sandbox", RELANCE_JOBS: "off", LOG_LEVEL: "silent", ...env });
    const service = await startService(config, { listen: false });
    try {
      return await developmentFirstRun(config, service);
    } finally {
      await service.close();
    }
  }

  it("prints demo tokens and links when the JWT secret was generated", async () => {
    const output = await firstRun({});
    expect(output).toMatch(/Demo admin token/);
    expect(output).toMatch(/\/connect\?token=ey/);
  });

  it("prints none when the JWT secret comes from the environment: those tokens would be real", async () => {
    const output = await firstRun({ RELANCE_JWT_SECRET: "q3Zr8vLk2Xw9PmT4sYc7NbJ1hGf6DaE0uRiOpWxVzQk" });
    expect(output).not.toMatch(/token=ey|Demo admin token|Demo referrer token/);
    expect(output).toMatch(/Connect page: {2}http:\/\/\S+\/connect\s/);
  });
});
