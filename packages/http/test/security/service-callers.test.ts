import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "@relance/adapters";
import { buildContainer, createLogger, loadConfig, resolved, TOKENS } from "../../src/index.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const USER_SERVICE = "u".repeat(43);
const BILLING = "b".repeat(43);
const WEBHOOK = "h".repeat(43);

describe("security 2: one secret per job, one per caller", () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("signs webhooks and calls the user-service with secrets of their own, never the one /internal accepts", () => {
    const config = loadConfig({ NODE_ENV: "test", RELANCE_SERVICE_SECRET: "s".repeat(43), RELANCE_WEBHOOK_SECRET: WEBHOOK, RELANCE_DIRECTORY_SECRET: "d".repeat(43) });
    expect(config.secrets.webhook).toBe(WEBHOOK);
    expect(config.secrets.directory).toBe("d".repeat(43));
    // Generated for the run when not given: still never the /internal secret.
    const generated = loadConfig({ NODE_ENV: "test", RELANCE_SERVICE_SECRET: "s".repeat(43) });
    expect(generated.secrets.webhook).not.toBe("s".repeat(43));
    expect(generated.secrets.directory).not.toBe("s".repeat(43));
  });

  it("the service's webhooks are signed with the webhook secret, not the one /internal accepts", async () => {
    let received: { headers: IncomingHttpHeaders; body: string } | null = null;
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received = { headers: req.headers, body };
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const config = loadConfig({ NODE_ENV: "test", RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox", RELANCE_SERVICE_SECRET: "s".repeat(43), RELANCE_WEBHOOK_SECRET: WEBHOOK, RELANCE_NOTIFY_WEBHOOK_URL: url });
      const notifier = await resolved(buildContainer(config, createLogger("silent")), TOKENS.Notifier);
      await notifier.notify({ type: "sender_unavailable", referrerUserId: "r1", linkStatus: "logged_out", reason: "logged out", heldTargets: 1, at: new Date() });
      const { headers, body } = received!;
      const check = (secret: string) => verifyWebhookSignature({ body, secret, signature: headers["x-relance-signature"] as string, timestamp: headers["x-relance-timestamp"] as string });
      expect(check(WEBHOOK)).toBe(true);
      expect(check("s".repeat(43))).toBe(false);
    } finally {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it("a webhook receiver, holding only the webhook secret, cannot call /internal", async () => {
    t = await startTestApp({ RELANCE_WEBHOOK_SECRET: WEBHOOK });
    const response = await t.call("POST", "/api/relance/internal/referrals", {
      service: { secret: WEBHOOK, name: "webhook-receiver" },
      body: { referrerId: "r1", referral: { userId: "u1", phone: "+33612345678", name: "Eve" } },
    });
    expect(response.status).toBe(401);
  });

  it("binds each caller's secret to its name and to the routes it may use", async () => {
    t = await startTestApp({ RELANCE_SERVICE_SECRETS: `user-service:${USER_SERVICE}:subscriptions+referrals+exit-user,billing:${BILLING}:exit-user` });
    const referral = { referrerId: "r1", referral: { userId: "u1", phone: "+33612345678", name: "Eve" } };
    expect((await t.call("POST", "/api/relance/internal/referrals", { service: { secret: USER_SERVICE, name: "user-service" }, body: referral })).status).toBe(200);
    // Billing's secret under its own name: only exit-user.
    expect((await t.call("POST", "/api/relance/internal/exit-user", { service: { secret: BILLING, name: "billing" }, body: { userId: "u1" } })).status).toBe(200);
    const refused = await t.call("POST", "/api/relance/internal/referrals", { service: { secret: BILLING, name: "billing" }, body: referral });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    // A name that is not the secret's owner proves nothing.
    expect((await t.call("POST", "/api/relance/internal/referrals", { service: { secret: BILLING, name: "user-service" }, body: referral })).status).toBe(401);
    // The single secret of the test app is not accepted any more once callers are listed... unless given too.
    expect((await t.call("POST", "/api/relance/internal/jobs/enrollment/run", { service: { secret: USER_SERVICE, name: "user-service" } })).status).toBe(403);
  });

  it("keeps the single-secret form: any caller name, every route", async () => {
    t = await startTestApp();
    expect((await t.call("POST", "/api/relance/internal/exit-user", { service: { name: "anything" }, body: { userId: "u1" } })).status).toBe(200);
  });

  it("refuses malformed caller lists", () => {
    expect(() => loadConfig({ RELANCE_SERVICE_SECRETS: "billing" })).toThrow(/RELANCE_SERVICE_SECRETS/);
    expect(() => loadConfig({ RELANCE_SERVICE_SECRETS: `billing:${BILLING}:nope` })).toThrow(/RELANCE_SERVICE_SECRETS/);
    expect(() => loadConfig({ RELANCE_SERVICE_SECRETS: `billing:short` })).toThrow(/RELANCE_SERVICE_SECRETS/);
  });
});
