import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/index.js";

const SECRETS = {
  RELANCE_JWT_SECRET: "q3Zr8vLk2Xw9PmT4sYc7NbJ1hGf6DaE0uRiOpWxVzQk",
  RELANCE_SERVICE_SECRETS: "platform:M7nB2vC9xZ4lK8jH1gF6dS3aP0oI5uY7tR2eW9qLmNb",
  RELANCE_PUBLIC_URL: "https://relance.example.com",
  RELANCE_JWT_AUDIENCE: "relance-api",
  WHATSAPP_SESSION_SECRET: "T1yU6iO3pA8sD2fG7hJ4kL9zX5cV0bN3mQ8wE1rTy6U",
  RELANCE_CONTACT_KEY_SECRET: "Hw3Kq8Ns1Vb6Xm9Pz2Lt5Rc0Yf7Gd4Je1Ua8Oi3Sk6E",
  RELANCE_WEBHOOK_SECRET: "Lp4Hs9Qd2Wv7Nc1Xk6Bt3Zr8Mf5Gy0Ja2Ue7Io4Sx9D",
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig({ NODE_ENV: "production", ...SECRETS, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join("\n");
    throw error;
  }
  return "";
}

// Security review 2, L8: production accepted a plain-http webhook (it carries the referral's
// number and reply text) and an unauthenticated metrics listener open to the network.
describe("security L8: production refuses weak deployment settings", () => {
  it("requires RELANCE_JWT_AUDIENCE in production", () => {
    expect(problemsOf({ RELANCE_JWT_AUDIENCE: "" })).toMatch(/RELANCE_JWT_AUDIENCE: required in production/);
    expect(problemsOf({})).toBe("");
  });

  it("refuses an http:// notification webhook in production, accepts https://", () => {
    expect(problemsOf({ RELANCE_NOTIFY_WEBHOOK_URL: "http://hooks.example/relance" })).toMatch(/RELANCE_NOTIFY_WEBHOOK_URL: must be https:\/\/ in production/);
    expect(problemsOf({ RELANCE_NOTIFY_WEBHOOK_URL: "https://hooks.example/relance" })).toBe("");
    expect(() => loadConfig({ NODE_ENV: "development", RELANCE_NOTIFY_WEBHOOK_URL: "http://localhost:9/hook" })).not.toThrow();
  });

  it("refuses the unauthenticated metrics listener on a non-loopback address in production", () => {
    expect(problemsOf({ RELANCE_METRICS_PORT: "9464", RELANCE_METRICS_HOST: "0.0.0.0" })).toMatch(/RELANCE_METRICS_HOST: .*loopback/);
    expect(problemsOf({ RELANCE_METRICS_PORT: "9464", RELANCE_METRICS_HOST: "::" })).toMatch(/RELANCE_METRICS_HOST/);
    expect(problemsOf({ RELANCE_METRICS_PORT: "9464" })).toBe("");
    expect(problemsOf({ RELANCE_METRICS_PORT: "9464", RELANCE_METRICS_HOST: "::1" })).toBe("");
  });

  it("refuses a MongoDB URI without credentials in production (compose runs MongoDB with access control)", () => {
    const mongo = { RELANCE_STORAGE: "mongodb" };
    expect(problemsOf({ ...mongo, MONGODB_URI: "mongodb://mongo:27017/?replicaSet=rs0" })).toMatch(/MONGODB_URI: .*credentials/);
    expect(problemsOf({ ...mongo, MONGODB_URI: "mongodb+srv://cluster0.example.net/relance" })).toMatch(/MONGODB_URI/);
    expect(problemsOf({ ...mongo, MONGODB_URI: "mongodb://relance:Zq8Lm2Np@mongo:27017/?replicaSet=rs0&authSource=admin" })).toBe("");
    // Certificate (x509) or cloud IAM authentication carry no password in the URI.
    expect(problemsOf({ ...mongo, MONGODB_URI: "mongodb://mongo:27017/?tls=true&authMechanism=MONGODB-X509" })).toBe("");
    expect(problemsOf({ ...mongo, MONGODB_URI: "mongodb+srv://cluster0.example.net/?authMechanism=MONGODB-AWS" })).toBe("");
    expect(() => loadConfig({ RELANCE_STORAGE: "mongodb", MONGODB_URI: "mongodb://127.0.0.1:27017" })).not.toThrow();
  });

  // L11: the pinned WhatsApp Web page comes from a third-party archive; in production it must be
  // pinned by hash (or placed by the operator, or the live page followed).
  it("requires the WhatsApp Web page's SHA-256 in production when whatsapp-web.js fetches it from the archive", () => {
    const wwebjs = { RELANCE_TRANSPORT: "wwebjs" };
    expect(problemsOf(wwebjs)).toMatch(/RELANCE_WWEBJS_WEB_VERSION_SHA256: required in production/);
    expect(problemsOf({ ...wwebjs, RELANCE_WWEBJS_WEB_VERSION_SHA256: "a".repeat(64) })).toBe("");
    expect(problemsOf({ ...wwebjs, RELANCE_WWEBJS_WEB_VERSION_SHA256: "not-a-hash" })).toMatch(/RELANCE_WWEBJS_WEB_VERSION_SHA256/);
    expect(problemsOf({ ...wwebjs, RELANCE_WWEBJS_WEB_VERSION_SOURCE: "local" })).toBe("");
    expect(problemsOf({ ...wwebjs, RELANCE_WWEBJS_WEB_VERSION: "latest" })).toBe("");
    expect(problemsOf({})).toBe("");
    expect(loadConfig({ RELANCE_TRANSPORT: "wwebjs", RELANCE_WWEBJS_WEB_VERSION_SHA256: "A".repeat(64) }).RELANCE_WWEBJS_WEB_VERSION_SHA256).toBe("a".repeat(64));
  });
});
