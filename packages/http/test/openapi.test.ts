import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileErrors, dereference, validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const P = "/api/relance";
let t: TestApp;
let document: any;
beforeAll(async () => {
  t = await startTestApp();
  document = (await t.call("GET", "/openapi.json")).body;
});
afterAll(async () => {
  await t.close();
});

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document by a strict parser (no errors, no warnings)", async () => {
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document));
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it("describes every route the app serves, with its parameters, and nothing it does not serve", () => {
    const served = new Set(
      t.service.app.routes.filter((route) => route.method !== "ALL").map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(Object.entries(document.paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)));
    const undocumented = [...served].filter((route) => !documented.has(route));
    expect(undocumented, "routes without documented(...) (see src/openapi/operations.ts)").toEqual([]);
    expect([...documented].filter((route) => !served.has(route)), "documented but not served").toEqual([]);
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const operation of Object.values(item)) {
        const declared = (operation.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name);
        expect(declared.sort(), path).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
      }
    }
    expect(document.paths[`${P}/targets`].get.parameters.map((p: any) => p.name)).toEqual(["status", "limit", "cursor"]);
  });

  it("gives every API operation a response schema, its security and its errors", () => {
    const schemes = document.components.securitySchemes;
    expect(schemes.bearerJwt).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    expect(schemes.serviceSecret).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemes.serviceName).toMatchObject({ type: "apiKey", in: "header", name: "X-Service-Name" });
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method} ${path}`;
        const success = Object.entries(operation.responses).filter(([status]) => status.startsWith("2"));
        expect(success.length, where).toBeGreaterThan(0);
        for (const [status, response] of success as Array<[string, any]>) {
          if (status !== "204") expect(Object.values(response.content ?? {})[0], `${where} ${status}`).toHaveProperty("schema");
        }
        if (!path.startsWith(P)) continue;
        const security = path.startsWith(`${P}/internal/`) ? [{ serviceSecret: [], serviceName: [] }] : path.startsWith(`${P}/sandbox/`) ? [] : [{ bearerJwt: [] }];
        expect(operation.security, where).toEqual(security);
        if (security.length > 0) expect(operation.responses["401"], where).toEqual({ $ref: "#/components/responses/Unauthorized" });
        if (operation.requestBody) {
          expect(operation.responses["400"], where).toBeDefined();
          expect(operation.requestBody.content["application/json"].example, `${where} request example`).toBeDefined();
        }
      }
    }
    expect(document.paths[`${P}/admin/messages`].get.responses["403"]).toEqual({ $ref: "#/components/responses/Forbidden" });
  });

  it("documents requests with the very constraints the routes enforce", () => {
    const day = document.paths[`${P}/admin/messages/{dayNumber}`].put.parameters[0];
    expect(day).toMatchObject({ name: "dayNumber", in: "path", required: true, schema: { type: "string", pattern: "^[1-9][0-9]{0,8}$" } });
    const exit = document.paths[`${P}/internal/exit-user`].post.requestBody.content["application/json"].schema;
    expect(exit).toMatchObject({ type: "object", required: ["userId"], additionalProperties: false, properties: { reason: { enum: ["paid", "manual"] } } });
    const message = document.paths[`${P}/admin/messages`].post.requestBody.content["application/json"].schema;
    expect(message.properties.dayNumber).toMatchObject({ type: "integer", minimum: 1, maximum: 30 });
  });

  it("describes what the API really answers (real answers checked against the response schemas)", async () => {
    const resolved: any = await dereference(structuredClone(document));
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const check = (method: string, path: string, status: number, body: unknown) => {
      const response = resolved.paths[path][method].responses[String(status)];
      expect(response, `${method} ${path} ${status} documented`).toBeDefined();
      if (status === 204) return expect(body).toBeNull();
      const schema = response.content["application/json"].schema;
      const valid = ajv.validate(schema, body);
      expect(valid, `${method} ${path} ${status}: ${ajv.errorsText()} in ${JSON.stringify(body)}`).toBe(true);
    };
    const svc = { service: true } as const;
    const admin = await t.adminToken();
    const token = await t.referrerToken("r1");
    const answer = async (method: string, path: string, options: Parameters<TestApp["call"]>[2], documentedPath = path) => {
      const response = await t.call(method.toUpperCase(), `${P}${path}`, options);
      check(method, `${P}${documentedPath.split("?")[0]}`, response.status, response.body);
      return response.body;
    };

    // Inside the send window, so that dispatch sends and deliveries (with their variant) are answered.
    await answer("post", "/sandbox/clock", { body: { now: "2026-01-05T08:00:00.000Z" } });
    await answer("post", "/internal/subscriptions", { ...svc, body: { userId: "r1", active: true } });
    await answer("post", "/internal/referrals", { ...svc, body: { referrerId: "r1", referral: { userId: "u1", phone: "+33611111111", name: "Léa", createdAt: "2020-01-01T00:00:00Z" } } });
    await answer("post", "/internal/referrals", { ...svc, body: { referrerId: "r1", referral: { userId: "u2", phone: "+33622222222", name: "Max", createdAt: "2020-01-01T00:00:00Z" } } });
    await answer("post", "/admin/messages", { token: admin, body: { dayNumber: 1, messageTemplate: { fr: "Bonjour {{firstName}}" }, mediaUrls: [{ url: "https://cdn.example.com/a.jpg", type: "image", language: "both" }] } });
    await answer("post", "/admin/messages", { token: admin, body: { dayNumber: 2, messageTemplate: { fr: "Jour 2" } } });
    await answer(
      "put",
      "/admin/messages/1",
      { token: admin, body: { messageTemplate: { fr: "Bonjour {{firstName}} !" }, defaultWeight: 3, variants: [{ key: "short", messageTemplate: { fr: "Salut {{firstName}}" }, weight: 2 }] } },
      "/admin/messages/{dayNumber}",
    );
    await answer("get", "/admin/messages", { token: admin });
    await answer("post", "/admin/messages/preview", { token: admin, body: { dayNumber: 1, language: "fr", variables: { firstName: "Léa" } } });
    await answer("post", "/admin/messages/preview", { token: admin, body: { dayNumber: 1, language: "fr", variant: "short" } });
    await answer("post", "/connect", { token, body: { method: "qr" } });
    await answer("post", "/sandbox/link", { body: { userId: "r1", phone: "+33600000001" } });
    await answer("post", "/connect", { token, body: {} });
    await answer("patch", "/admin/settings", { token: admin, body: { holdoutPercent: 50 } });
    await answer("get", "/admin/settings", { token: admin });
    await answer("patch", "/admin/settings", { token: admin, body: { holdoutPercent: 51 } });
    await answer("post", "/internal/jobs/enrollment/run", svc);
    await answer("post", "/internal/jobs/dispatch/run", svc);
    await answer("post", "/internal/exit-user", { ...svc, body: { userId: "u1" } });
    await answer("post", "/sandbox/inbound", { body: { from: "+33622222222", to: "+33600000001", text: "d'accord, merci" } });
    await answer("get", "/status", { token });
    await answer("patch", "/config", { token, body: { sendWindow: { start: "09:00", end: "18:00" }, onReply: "continue" } });
    const page = await answer("get", "/targets?limit=1", { token });
    expect(page.nextCursor).toEqual(expect.any(String));
    await answer("get", `/targets?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`, { token });
    await answer("get", "/stats", { token });
    await answer("get", "/admin/stats", { token: admin });
    await answer("get", "/sandbox/outbox?referrerId=r1", {});
    await answer("post", "/sandbox/clock", { body: { advanceMs: 1000 } });
    await answer("post", "/disconnect", { token, body: {} });
    await answer("delete", "/admin/messages/1", { token: admin }, "/admin/messages/{dayNumber}");
    // Errors are documented too.
    await answer("get", "/targets?cursor=forged", { token });
    await answer("get", "/status", {});
    await answer("get", "/admin/stats", { token });
    const health = await t.call("GET", "/health");
    check("get", "/health", health.status, health.body);
    const ready = await t.call("GET", "/ready");
    check("get", "/ready", ready.status, ready.body);
  });
});
