import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/index";

const PRODUCTION = {
  NODE_ENV: "production",
  RELANCE_JWT_SECRET: "j".repeat(43),
  RELANCE_SERVICE_SECRET: "s".repeat(43),
  WHATSAPP_SESSION_SECRET: "w".repeat(43),
  RELANCE_DIRECTORY_SECRET: "d".repeat(43),
  RELANCE_DIRECTORY: "http",
};

describe("security 11: the pull directory over https outside development", () => {
  it("refuses an http:// USER_SERVICE_URL in production, accepts https://", () => {
    expect(() => loadConfig({ ...PRODUCTION, USER_SERVICE_URL: "http://users.internal:8080" })).toThrow(/USER_SERVICE_URL: must be https:\/\/ in production/);
    expect(loadConfig({ ...PRODUCTION, USER_SERVICE_URL: "https://users.internal:8080" }).USER_SERVICE_URL).toBe("https://users.internal:8080");
    expect(loadConfig({ NODE_ENV: "development", RELANCE_DIRECTORY: "http", USER_SERVICE_URL: "http://localhost:4000" }).USER_SERVICE_URL).toBe("http://localhost:4000");
  });
});
