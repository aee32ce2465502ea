import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConfigError, createLogger, loadConfig, startService } from "../../src/index.js";

const SECRETS = {
  RELANCE_JWT_SECRET: "q3Zr8vLk2Xw9PmT4sYc7NbJ1hGf6DaE0uRiOpWxVzQk",
  RELANCE_SERVICE_SECRETS: "platform:M7nB2vC9xZ4lK8jH1gF6dS3aP0oI5uY7tR2eW9qLmNb",
  RELANCE_PUBLIC_URL: "https://relance.example.com",
  RELANCE_JWT_AUDIENCE: "relance-api",
  WHATSAPP_SESSION_SECRET: "T1yU6iO3pA8sD2fG7hJ4kL9zX5cV0bN3mQ8wE1rTy6U",
};

describe("security 1: the sandbox transport and production", () => {
  it("refuses the sandbox transport with NODE_ENV=production, saying why", () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: "production", RELANCE_TRANSPORT: "sandbox", ...SECRETS });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join("\n")).toMatch(/RELANCE_TRANSPORT: the sandbox transport is refused in production/);
  });

  it("logs a loud warning when the sandbox starts elsewhere", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const service = await startService(loadConfig({ NODE_ENV: "test", RELANCE_TRANSPORT: "sandbox", RELANCE_JOBS: "off" }), { listen: false, logger });
    await service.close();
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /SANDBOX/.test(l.msg));
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toMatch(/unauthenticated/);
  });
});
