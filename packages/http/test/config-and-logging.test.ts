import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConfigError, createLogger, loadConfig, startService } from "../src/index.js";

// 32 random bytes each: production refuses weaker ones.
const SECRETS = {
  RELANCE_JWT_SECRET: "q3Zr8vLk2Xw9PmT4sYc7NbJ1hGf6DaE0uRiOpWxVzQk",
  RELANCE_SERVICE_SECRETS: "platform:M7nB2vC9xZ4lK8jH1gF6dS3aP0oI5uY7tR2eW9qLmNb",
  RELANCE_PUBLIC_URL: "https://relance.example.com",
  RELANCE_JWT_AUDIENCE: "relance-api",
  WHATSAPP_SESSION_SECRET: "T1yU6iO3pA8sD2fG7hJ4kL9zX5cV0bN3mQ8wE1rTy6U",
  RELANCE_CONTACT_KEY_SECRET: "Hw3Kq8Ns1Vb6Xm9Pz2Lt5Rc0Yf7Gd4Je1Ua8Oi3Sk6E",
};

describe("configuration", () => {
  it("runs on embedded defaults in development, generating the missing secrets for the run", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      RELANCE_STORAGE: "sqlite",
      RELANCE_DATA_DIR: "./data",
      RELANCE_TRANSPORT: "baileys",
      RELANCE_DIRECTORY: "stored",
      RELANCE_MAX_CONCURRENT_SESSIONS: 50,
      RELANCE_MESSAGE_DELAY_MS: 3000,
      RELANCE_MAX_MESSAGES_PER_DAY: 100,
      RELANCE_DEFAULT_TIMEZONE: "Europe/Paris",
    });
    expect(config.generatedSecrets).toEqual(["RELANCE_JWT_SECRET", "RELANCE_SERVICE_SECRET", "WHATSAPP_SESSION_SECRET"]);
    expect(config.secrets.jwt.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}).secrets.jwt).not.toBe(config.secrets.jwt);
  });

  it("reads the pacing and new-account limits for real accounts", () => {
    expect(loadConfig({})).toMatchObject({
      RELANCE_TYPING_MS: { min: 2000, max: 6000 },
      RELANCE_DAILY_CAP_RAMP_UP: [20, 40, 60, 80],
      RELANCE_MAX_FIRST_CONTACTS_PER_DAY: 25,
      RELANCE_LISTEN_CRON: "*/10 * * * *",
    });
    const custom = loadConfig({ RELANCE_TYPING_MS: "1500", RELANCE_DAILY_CAP_RAMP_UP: "off", RELANCE_MAX_FIRST_CONTACTS_PER_DAY: "20", RELANCE_MESSAGE_JITTER_MS: "90000" });
    expect(custom).toMatchObject({ RELANCE_TYPING_MS: { min: 1500, max: 1500 }, RELANCE_DAILY_CAP_RAMP_UP: [], RELANCE_MAX_FIRST_CONTACTS_PER_DAY: 20, RELANCE_MESSAGE_JITTER_MS: 90000 });
    expect(loadConfig({ RELANCE_DAILY_CAP_RAMP_UP: "10,30" }).RELANCE_DAILY_CAP_RAMP_UP).toEqual([10, 30]);
    expect(() => loadConfig({ RELANCE_TYPING_MS: "6000-2000" })).toThrow(/RELANCE_TYPING_MS/);
    expect(() => loadConfig({ RELANCE_DAILY_CAP_RAMP_UP: "20,0" })).toThrow(/RELANCE_DAILY_CAP_RAMP_UP/);
    expect(() => loadConfig({ RELANCE_DAILY_CAP_RAMP_UP: "twenty" })).toThrow(/RELANCE_DAILY_CAP_RAMP_UP/);
  });

  it("reads the listen job's schedule from RELANCE_LISTEN_CRON, and still from its old name with a warning", async () => {
    expect(loadConfig({ RELANCE_LISTEN_CRON: "*/5 * * * *" })).toMatchObject({ RELANCE_LISTEN_CRON: "*/5 * * * *", warnings: [] });
    const old = loadConfig({ RELANCE_INBOX_CRON: "*/7 * * * *" });
    expect(old.RELANCE_LISTEN_CRON).toBe("*/7 * * * *");
    expect(old).not.toHaveProperty("RELANCE_INBOX_CRON");
    expect(old.warnings).toEqual(["RELANCE_INBOX_CRON is deprecated: rename it RELANCE_LISTEN_CRON (its value is used meanwhile)"]);
    // Both set: the new name wins, the old one is called out.
    const both = loadConfig({ RELANCE_INBOX_CRON: "*/7 * * * *", RELANCE_LISTEN_CRON: "*/5 * * * *" });
    expect(both.RELANCE_LISTEN_CRON).toBe("*/5 * * * *");
    expect(both.warnings).toEqual([expect.stringMatching(/^RELANCE_INBOX_CRON is deprecated and ignored: RELANCE_LISTEN_CRON is set too/)]);

    // The service says so in its log at start, and schedules the job with the value.
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const config = loadConfig({ NODE_ENV: "test", RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox", RELANCE_JOBS: "off", RELANCE_INBOX_CRON: "*/7 * * * *" });
    const service = await startService(config, { listen: false, logger: createLogger("info", sink) });
    try {
      expect(service.engine.options.listenCron).toBe("*/7 * * * *");
      const warned = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40 && /RELANCE_INBOX_CRON is deprecated/.test(entry.msg));
      expect(warned).toHaveLength(1);
    } finally {
      await service.close();
    }
  });

  it("refuses to start in production without its secrets, naming each", () => {
    try {
      loadConfig({ NODE_ENV: "production", RELANCE_PUBLIC_URL: "https://relance.example.com", RELANCE_JWT_AUDIENCE: "relance-api", RELANCE_JWT_SECRET: SECRETS.RELANCE_JWT_SECRET });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^RELANCE_SERVICE_SECRETS: required in production/),
        expect.stringMatching(/^WHATSAPP_SESSION_SECRET: required in production/),
        expect.stringMatching(/^RELANCE_CONTACT_KEY_SECRET: required in production/),
      ]);
    }
    expect(loadConfig({ NODE_ENV: "production", ...SECRETS }).generatedSecrets).toEqual([]);
  });

  it("explains every invalid value", () => {
    try {
      loadConfig({
        PORT: "eighty",
        RELANCE_STORAGE: "postgres",
        RELANCE_TRANSPORT: "telegram",
        RELANCE_DEFAULT_TIMEZONE: "Europe/Atlantis",
        RELANCE_DIRECTORY: "http",
        RELANCE_JWT_SECRET: "short",
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join("\n");
      for (const name of ["PORT", "RELANCE_STORAGE", "RELANCE_TRANSPORT", "RELANCE_DEFAULT_TIMEZONE", "RELANCE_JWT_SECRET"]) expect(problems).toContain(name);
    }
    expect(() => loadConfig({ RELANCE_STORAGE: "mongodb" })).toThrow(/MONGODB_URI: required when RELANCE_STORAGE=mongodb/);
    expect(() => loadConfig({ RELANCE_DIRECTORY: "http" })).toThrow(/USER_SERVICE_URL: required when RELANCE_DIRECTORY=http/);
  });
});

describe("logs", () => {
  it("are JSON lines with secrets redacted", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger("info", sink);
    logger.info({ token: "eyJ.secret.token", headers: { authorization: "Bearer abc" }, creds: { noiseKey: "k" }, referrerUserId: "r1" }, "connect");
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ msg: "connect", referrerUserId: "r1", token: "[redacted]", headers: { authorization: "[redacted]" }, creds: "[redacted]" });
    expect(lines.join("")).not.toMatch(/eyJ\.secret|Bearer abc|noiseKey/);
  });
});
