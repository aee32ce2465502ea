import { describe, expect, it } from "vitest";
import { ADMIN_COOKIE, CONNECT_COOKIE } from "../src/app/auth.js";
import { useTestApp } from "./support/test-app.js";

// Issue 28 item 1 and the security review's L1, each rule shown on its own; the conformance test
// (conformance.test.ts) checks the same rules on every operation.
const P = "/api/relance";
const t = useTestApp();

const expectError = (response: { status: number; body: any }, status: number, code: string) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
};
const pathsOf = (response: { body: any }) => (response.body.error.details as Array<{ path: string }>).map((d) => d.path);
const DAY_2 = JSON.stringify({ dayNumber: 2, messageTemplate: { fr: "CSRF: payez ici https://evil.example/pay" } });

describe("415: every body is application/json", () => {
  it("refuses text/plain, form and untyped bodies before anything reads them, and stores nothing", async () => {
    const token = await t.adminToken();
    for (const type of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", null]) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const response = await t.service.app.request(`${P}/admin/messages`, { method: "POST", headers: { ...headers, authorization: `Bearer ${token}` }, body: new TextEncoder().encode(DAY_2) });
      expectError({ status: response.status, body: await response.json() }, 415, "unsupported_media_type");
    }
    expect((await t.call("GET", `${P}/admin/messages`, { token })).body.items).toEqual([]);
    // With a charset, still JSON.
    const json = await t.call("POST", `${P}/admin/messages`, { token, raw: DAY_2, headers: { "content-type": "application/json; charset=utf-8" } });
    expect(json.status).toBe(201);
  });

  it("applies to routes without a body too, and lets an empty body through", async () => {
    expectError(await t.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true, raw: "{}", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
    expect((await t.call("POST", `${P}/internal/jobs/enrollment/run`, { service: true, headers: { "content-type": "text/plain" } })).status).toBe(200);
  });
});

describe("400 invalid_request naming the field", () => {
  it("a missing required body is refused; an optional one left out is {}, never null", async () => {
    const token = await t.referrerToken("r1");
    const missing = await t.call("PATCH", `${P}/config`, { token });
    expectError(missing, 400, "invalid_request");
    expect(pathsOf(missing)).toEqual(["(body)"]);
    expect((await t.call("POST", `${P}/disconnect`, { token })).status).toBe(200);
    expectError(await t.call("POST", `${P}/disconnect`, { token, raw: "null" }), 400, "invalid_request");
  });

  it("an empty query value is invalid, not absent; so is one given twice or one not declared", async () => {
    const token = await t.referrerToken("r1");
    for (const [query, field] of [
      ["cursor=", "cursor"],
      ["status=", "status"],
      ["limit=5&limit=6", "limit"],
      ["extra=1", "extra"],
      ["__proto__=1", "__proto__"],
    ]) {
      const response = await t.call("GET", `${P}/targets?${query}`, { token });
      expectError(response, 400, "invalid_request");
      expect(pathsOf(response), query).toEqual([field]);
    }
    const admin = await t.adminToken();
    expect(pathsOf(await t.call("GET", `${P}/admin/targets?referrerId=`, { token: admin }))).toEqual(["referrerId"]);
    expect(pathsOf(await t.call("GET", `${P}/sandbox/outbox?referrerId=`))).toEqual(["referrerId"]);
    expect(pathsOf(await t.call("GET", `${P}/status?access_token=x`, { token }))).toEqual(["access_token"]);
    expect((await t.call("GET", `${P}/targets?status=active&limit=5`, { token })).status).toBe(200);
  });

  it("caller-keyed maps refuse __proto__, constructor and prototype, at any depth, naming where", async () => {
    const token = await t.adminToken();
    await t.call("POST", `${P}/admin/messages`, { token, body: { dayNumber: 1, messageTemplate: { fr: "Bonjour {{name}}" } } });
    const cases: Array<[string, string]> = [
      ['{"dayNumber":1,"messageTemplate":{"fr":"x","__proto__":"y"}}', "messageTemplate.__proto__"],
      ['{"dayNumber":1,"language":"fr","variables":{"constructor":"y"}}', "variables.constructor"],
      ['{"dayNumber":1,"language":"fr","variables":{"prototype":"y"}}', "variables.prototype"],
      ['{"dayNumber":1,"language":"fr","draft":{"messageTemplate":{"fr":"x","__proto__":"y"}}}', "draft.messageTemplate.__proto__"],
    ];
    for (const [raw, path] of cases) {
      const url = raw.includes('"language"') ? `${P}/admin/messages/preview` : `${P}/admin/messages`;
      const response = await t.call("POST", url, { token, raw });
      expectError(response, 400, "invalid_request");
      expect(pathsOf(response), raw).toEqual([path]);
    }
    expect((await t.call("GET", `${P}/admin/messages`, { token })).body.items.map((m: any) => m.messageTemplate)).toEqual([{ fr: "Bonjour {{name}}" }]);
  });

  it("names every wrong part at once: query, path and body", async () => {
    const response = await t.call("PUT", `${P}/admin/messages/99?x=1`, { token: await t.adminToken(), raw: "{}" });
    expect(pathsOf(response)).toEqual(["x", "dayNumber", "messageTemplate"]);
  });

  it("checks credentials first: a bad request without them is a 401", async () => {
    expectError(await t.call("PATCH", `${P}/config`, { raw: "{" }), 401, "unauthorized");
    expectError(await t.call("GET", `${P}/targets?cursor=`), 401, "unauthorized");
  });
});

describe("L1: a page's cookie writes only from the page's own origin", () => {
  const withCookie = async (method: string, path: string, cookie: string, headers: Record<string, string>, body?: string) =>
    t.call(method, path, { ...(body !== undefined ? { raw: body } : {}), headers: { cookie, ...headers } });

  it("refuses the review's reproduction (same-site origin) and any cross-site or foreign-origin write", async () => {
    const admin = `${ADMIN_COOKIE}=${await t.adminToken()}`;
    for (const headers of [
      { "sec-fetch-site": "same-site", origin: "https://user-content.platform.example" },
      { "sec-fetch-site": "cross-site" },
      { origin: "http://127.0.0.1:38140" },
      { origin: "null" },
    ] as Array<Record<string, string>>) {
      expectError(await withCookie("POST", `${P}/admin/messages`, admin, headers, DAY_2), 403, "forbidden");
      expectError(await withCookie("DELETE", `${P}/admin/messages/2`, admin, headers), 403, "forbidden");
    }
    const connect = `${CONNECT_COOKIE}=${await t.referrerToken("r1")}`;
    expectError(await withCookie("POST", `${P}/disconnect`, connect, { "sec-fetch-site": "same-site" }, '{"logout":true}'), 403, "forbidden");
    expect((await t.call("GET", `${P}/admin/messages`, { token: await t.adminToken() })).body.items).toEqual([]);
  });

  it("accepts the page's own writes, reads from anywhere, and bearer tokens whatever the headers", async () => {
    const admin = `${ADMIN_COOKIE}=${await t.adminToken()}`;
    expect((await withCookie("POST", `${P}/admin/messages`, admin, { "sec-fetch-site": "same-origin", origin: "http://localhost" }, DAY_2)).status).toBe(201);
    expect((await withCookie("PUT", `${P}/admin/messages/2`, admin, { origin: "http://localhost" }, '{"messageTemplate":{"fr":"J2"}}')).status).toBe(200);
    expect((await withCookie("GET", `${P}/admin/messages`, admin, { "sec-fetch-site": "cross-site" })).status).toBe(200);
    const bearer = await t.call("POST", `${P}/admin/messages`, { token: await t.adminToken(), body: { dayNumber: 3, messageTemplate: { fr: "J3" } }, headers: { "sec-fetch-site": "cross-site" } });
    expect(bearer.status).toBe(201);
  });
});

describe("/assets: documented with the media types they are served with", () => {
  it("serves scripts as text/javascript and the stylesheet as text/css, both documented; other names 404", async () => {
    const document = (await t.call("GET", "/openapi.json")).body;
    const operation = document.paths["/assets/{name}"].get;
    expect(Object.keys(operation.responses["200"].content).sort()).toEqual(["text/css", "text/javascript"]);
    expect(operation.responses["404"]).toEqual({ $ref: "#/components/responses/NotFound" });
    const names: string[] = operation.parameters[0].schema.enum;
    expect(names).toContain("pages.css");
    for (const name of names) {
      const response = await t.call("GET", `/assets/${name}`);
      expect(response.headers.get("content-type"), name).toBe(name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    }
    expect((await t.call("GET", "/assets/constructor")).status).toBe(404);
  });
});

describe("/openapi.json documents what the edge refuses", () => {
  it("415 and 413 on every API write, 400 on every API operation, 403 on cookie-capable writes", async () => {
    const document = (await t.call("GET", "/openapi.json")).body;
    expect(document.components.responses.UnsupportedMediaType.content["application/json"].example.error.code).toBe("unsupported_media_type");
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith(P)) continue;
      for (const [method, operation] of Object.entries(item)) {
        // Documented with an error body (a component or its own), not merely present.
        const errorBody = (response: any) => (response?.$ref ? document.components.responses[response.$ref.split("/").at(-1)] : response)?.content?.["application/json"]?.schema;
        expect(Object.keys(errorBody(operation.responses["400"]) ?? {}).length, `${method} ${path} 400 schema`).toBeGreaterThan(0);
        if (method === "get") continue;
        expect(operation.responses["415"], `${method} ${path}`).toEqual({ $ref: "#/components/responses/UnsupportedMediaType" });
        expect(operation.responses["413"], `${method} ${path}`).toEqual({ $ref: "#/components/responses/PayloadTooLarge" });
        if (operation.security?.[0]?.bearerJwt) expect(Object.keys(errorBody(operation.responses["403"]) ?? {}).length, `${method} ${path} 403 schema`).toBeGreaterThan(0);
      }
    }
    const cursor = document.paths[`${P}/targets`].get.parameters.find((p: any) => p.name === "cursor");
    expect(cursor.schema.minLength).toBe(1);
    expect(document.components.responses.BadRequest.description).toMatch(/empty/);
  });
});
