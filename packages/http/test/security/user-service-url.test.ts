import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/index.js";

const PRODUCTION = {
  NODE_ENV: "production",
  RELANCE_JWT_SECRET: "q3Zr8vLk2Xw9PmT4sYc7NbJ1hGf6DaE0uRiOpWxVzQk",
  RELANCE_SERVICE_SECRETS: "platform:M7nB2vC9xZ4lK8jH1gF6dS3aP0oI5uY7tR2eW9qLmNb",
  RELANCE_PUBLIC_URL: "https://relance.example.com",
  RELANCE_JWT_AUDIENCE: "relance-api",
  WHATSAPP_SESSION_SECRET: "T1yU6iO3pA8sD2fG7hJ4kL9zX5cV0bN3mQ8wE1rTy6U",
  RELANCE_CONTACT_KEY_SECRET: "Hw3Kq8Ns1Vb6Xm9Pz2Lt5Rc0Yf7Gd4Je1Ua8Oi3Sk6E",
  RELANCE_DIRECTORY_SECRET: "Zx9Cv8Bn7Mq6Wl5Ek4Rj3Th2Yg1Uf0IdOsPaLkJhGfD",
  RELANCE_DIRECTORY: "http",
};

describe("security 11: the pull directory over https outside development", () => {
  it("refuses an http:// USER_SERVICE_URL in production, accepts https://", () => {
    expect(() => loadConfig({ ...PRODUCTION, USER_SERVICE_URL: "http://users.internal:8080" })).toThrow(/USER_SERVICE_URL: must be https:\/\/ in production/);
    expect(loadConfig({ ...PRODUCTION, USER_SERVICE_URL: "https://users.internal:8080" }).USER_SERVICE_URL).toBe("https://users.internal:8080");
    expect(loadConfig({ NODE_ENV: "development", RELANCE_DIRECTORY: "http", USER_SERVICE_URL: "http://localhost:4000" }).USER_SERVICE_URL).toBe("http://localhost:4000");
  });
});
