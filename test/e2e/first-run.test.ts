import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

const P = "/api/relance";

/** `npm start` on a fresh clone: development mode, no secret set. */
describe("development first run", () => {
  let server: ServerProcess;
  let printed = "";
  beforeAll(async () => {
    server = await startServerProcess({
      NODE_ENV: "development",
      RELANCE_JWT_SECRET: "",
      RELANCE_SERVICE_SECRET: "",
      WHATSAPP_SESSION_SECRET: "",
      RELANCE_TRANSPORT: "sandbox",
      RELANCE_STORAGE: "memory",
      RELANCE_JOBS: "off",
    });
    const deadline = Date.now() + 10_000;
    while (!server.output().includes("first-run.txt") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // stdout is a pipe here, not a terminal: the secrets and tokens went to a private file.
    printed = readFileSync(join(server.dataDir, "first-run.txt"), "utf8");
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const line = (label: string) => new RegExp(`${label}\\s*(\\S+)`).exec(printed)?.[1] ?? "";

  it("keeps every generated secret out of a piped stdout, in a 0600 file, and they are the ones in use", async () => {
    expect(server.output()).not.toMatch(/RELANCE_JWT_SECRET=|token=ey/);
    expect(statSync(join(server.dataDir, "first-run.txt")).mode & 0o777).toBe(0o600);
    const secrets = Object.fromEntries([...printed.matchAll(/^ {2}(RELANCE_JWT_SECRET|RELANCE_SERVICE_SECRET|WHATSAPP_SESSION_SECRET)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(secrets).sort()).toEqual(["RELANCE_JWT_SECRET", "RELANCE_SERVICE_SECRET", "WHATSAPP_SESSION_SECRET"]);
    const response = await fetch(`${server.url}${P}/internal/jobs/enrollment/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.RELANCE_SERVICE_SECRET}`, "x-service-name": "newcomer" },
    });
    expect(response.status).toBe(200);
  });

  it("prints a connect link that works: the demo referrer is subscribed, so linking starts (no 403)", async () => {
    const link = line("Connect page:");
    expect(link).toMatch(new RegExp(`^http://.*/connect\\?token=`));
    // A single-use link: the page exchanges it for its session cookie, which may connect.
    const exchanged = await fetch(link, { redirect: "manual" });
    expect(exchanged.status).toBe(303);
    const cookie = (exchanged.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect(cookie).toMatch(/^relance_connect=ey/);
    const connected = await fetch(`${server.url}${P}/connect`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ method: "qr" }) });
    expect(connected.status).toBe(200);
    expect(((await connected.json()) as { status: string }).status).toBe("pending_qr");
    expect(server.output()).toContain("demo-referrer is subscribed");
  });

  it("prints the admin console's address (no token in it) and a demo admin token to paste, and GET / links the pages", async () => {
    const link = line("Admin console:");
    expect(new URL(link).pathname).toBe("/admin");
    expect(new URL(link).search).toBe("");
    const token = line("Demo admin token \\(12 h\\):");
    expect(token).toMatch(/^ey/);
    expect((await server.call("GET", `${P}/admin/messages`, { token })).status).toBe(200);
    // The console's form posts it and the page opens signed in.
    const signedIn = await fetch(link, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" }, body: new URLSearchParams({ token }) });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("set-cookie") ?? "").toMatch(/^relance_admin=ey/);
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    for (const href of ['href="/connect"', 'href="/admin"', 'href="/openapi.json"']) expect(html).toContain(href);
  });
});
