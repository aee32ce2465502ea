import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/index.js";

const strong = () => randomBytes(32).toString("base64url");

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("security 7: strong, distinct secrets in production", () => {
  const base = () => ({ NODE_ENV: "production", RELANCE_PUBLIC_URL: "https://relance.example.com", RELANCE_JWT_AUDIENCE: "relance-api", RELANCE_JWT_SECRET: strong(), RELANCE_SERVICE_SECRETS: `platform:${strong()}`, WHATSAPP_SESSION_SECRET: strong(), RELANCE_CONTACT_KEY_SECRET: strong() });

  it("accepts 32 random bytes per secret", () => {
    expect(problemsOf(base())).toEqual([]);
    expect(problemsOf({ ...base(), RELANCE_JWT_SECRET: randomBytes(32).toString("hex") })).toEqual([]);
  });

  it("refuses short or repetitive secrets, naming each", () => {
    const problems = problemsOf({ ...base(), RELANCE_JWT_SECRET: "jwt-secret-0123456789abcdef", WHATSAPP_SESSION_SECRET: "a".repeat(64) });
    expect(problems).toEqual([
      expect.stringMatching(/^RELANCE_JWT_SECRET: .*32 random bytes/),
      expect.stringMatching(/^WHATSAPP_SESSION_SECRET: .*not random/),
    ]);
  });

  it("refuses the same secret for two jobs", () => {
    const shared = strong();
    expect(problemsOf({ ...base(), RELANCE_JWT_SECRET: shared, RELANCE_SERVICE_SECRETS: `platform:${shared}` })).toEqual([expect.stringMatching(/RELANCE_SERVICE_SECRETS \(platform\): the same value as RELANCE_JWT_SECRET/)]);
    expect(problemsOf({ ...base(), RELANCE_SERVICE_SECRETS: `billing:${shared}:exit-user`, WHATSAPP_SESSION_SECRET: shared })).toEqual([expect.stringMatching(/same value/)]);
  });

  it("is lenient outside production (a developer's short secret still starts)", () => {
    expect(problemsOf({ NODE_ENV: "development", RELANCE_JWT_SECRET: "jwt-secret-0123456789abcdef" })).toEqual([]);
  });
});

describe("security 7: the Docker image and compose run in production mode", () => {
  it("sets NODE_ENV=production in both", async () => {
    const { readFileSync } = await import("node:fs");
    const root = new URL("../../../../", import.meta.url);
    expect(readFileSync(new URL("Dockerfile", root), "utf8")).toMatch(/ENV NODE_ENV=production/);
    expect(readFileSync(new URL("compose.yaml", root), "utf8")).toMatch(/^\s+NODE_ENV: production$/m);
  });
});
