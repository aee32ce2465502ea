import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ReferrerNotification } from "@relance/core";
import { afterEach, describe, expect, it } from "vitest";
import { WebhookNotifier, verifyWebhookSignature, type WebhookNotifierOptions } from "../../src/notifier/webhook-notifier.js";

const SECRET = "whsec-signing-secret-0123456789";
const NOW = new Date("2025-06-01T12:00:00.000Z");
const NOW_SECONDS = NOW.getTime() / 1000;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server | undefined;

afterEach(async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  current.closeAllConnections();
  await new Promise<void>((resolve) => current.close(() => resolve()));
});

/** Replies with statuses[n] to the n-th request (the last one repeats). */
async function receiver(...statuses: number[]): Promise<{ url: string; requests: Seen[] }> {
  const requests: Seen[] = [];
  server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(statuses[Math.min(requests.length - 1, statuses.length - 1)]!);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/relance`, requests };
}

function notifier(url: string, extra: Partial<WebhookNotifierOptions> = {}) {
  const sleeps: number[] = [];
  const instance = new WebhookNotifier({
    url,
    secret: SECRET,
    clock: { now: () => NOW },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { instance, sleeps };
}

const notification: ReferrerNotification = {
  type: "sender_unavailable",
  referrerUserId: "ref-1",
  linkStatus: "logged_out",
  reason: "WhatsApp session logged out",
  heldTargets: 4,
  at: new Date("2025-06-01T11:59:30.000Z"),
};

function header(seen: Seen, name: string): string {
  return String(seen.headers[name]);
}

describe("WebhookNotifier", () => {
  it("posts the notification as JSON with signature headers", async () => {
    const { url, requests } = await receiver(204);
    const { instance } = notifier(url, { serviceName: "relance-test" });

    await instance.notify(notification);

    expect(requests).toHaveLength(1);
    const seen = requests[0]!;
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/hooks/relance");
    expect(header(seen, "content-type")).toBe("application/json");
    expect(header(seen, "x-service-name")).toBe("relance-test");
    expect(header(seen, "x-relance-timestamp")).toBe(String(NOW_SECONDS));
    expect(header(seen, "x-relance-signature")).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(seen.body)).toEqual({
      type: "sender_unavailable",
      referrerUserId: "ref-1",
      linkStatus: "logged_out",
      reason: "WhatsApp session logged out",
      heldTargets: 4,
      at: "2025-06-01T11:59:30.000Z",
    });
  });

  it("carries a sender restriction, signed like the others", async () => {
    const { url, requests } = await receiver(204);
    const { instance } = notifier(url);
    await instance.notify({
      type: "sender_restricted",
      referrerUserId: "ref-1",
      reason: "new chats capped by WhatsApp",
      until: new Date("2025-06-02T08:00:00.000Z"),
      heldTargets: 3,
      at: new Date("2025-06-01T11:59:30.000Z"),
    });
    await instance.notify({ type: "sender_restricted", referrerUserId: "ref-1", reason: "account restricted", until: null, heldTargets: 0, at: NOW });

    const seen = requests[0]!;
    expect(JSON.parse(seen.body)).toEqual({
      type: "sender_restricted",
      referrerUserId: "ref-1",
      reason: "new chats capped by WhatsApp",
      until: "2025-06-02T08:00:00.000Z",
      heldTargets: 3,
      at: "2025-06-01T11:59:30.000Z",
    });
    expect(JSON.parse(requests[1]!.body)).toMatchObject({ type: "sender_restricted", until: null });
    const signed = { body: seen.body, timestamp: header(seen, "x-relance-timestamp"), signature: header(seen, "x-relance-signature") };
    expect(verifyWebhookSignature({ ...signed, secret: SECRET, now: NOW })).toBe(true);
  });

  it("carries a referral's reply with its text, signed like the others", async () => {
    const { url, requests } = await receiver(204);
    const { instance } = notifier(url);
    await instance.notify({
      type: "referral_replied",
      referrerUserId: "ref-1",
      referralUserId: "user-42",
      targetId: "t-1",
      phone: "+33698765432",
      text: "ok je paie demain",
      exited: true,
      at: new Date("2025-06-01T11:59:30.000Z"),
    });
    const seen = requests[0]!;
    expect(JSON.parse(seen.body)).toEqual({
      type: "referral_replied",
      referrerUserId: "ref-1",
      referralUserId: "user-42",
      targetId: "t-1",
      phone: "+33698765432",
      text: "ok je paie demain",
      exited: true,
      at: "2025-06-01T11:59:30.000Z",
    });
    const signed = { body: seen.body, timestamp: header(seen, "x-relance-timestamp"), signature: header(seen, "x-relance-signature") };
    expect(verifyWebhookSignature({ ...signed, secret: SECRET, now: NOW })).toBe(true);
  });

  it("produces a signature the receiver accepts, and rejects tampering, a wrong secret and replays", async () => {
    const { url, requests } = await receiver(200);
    const { instance } = notifier(url);
    await instance.notify(notification);
    const seen = requests[0]!;
    const signed = { body: seen.body, timestamp: header(seen, "x-relance-timestamp"), signature: header(seen, "x-relance-signature") };

    expect(verifyWebhookSignature({ ...signed, secret: SECRET, now: NOW })).toBe(true);
    expect(verifyWebhookSignature({ ...signed, secret: SECRET, now: new Date(NOW.getTime() + 299_000) })).toBe(true);
    expect(verifyWebhookSignature({ ...signed, body: seen.body.replace('"heldTargets":4', '"heldTargets":5'), secret: SECRET, now: NOW })).toBe(false);
    expect(verifyWebhookSignature({ ...signed, secret: "another-secret", now: NOW })).toBe(false);
    expect(verifyWebhookSignature({ ...signed, secret: SECRET, now: new Date(NOW.getTime() + 301_000) })).toBe(false);
    expect(verifyWebhookSignature({ ...signed, secret: SECRET, now: new Date(NOW.getTime() + 3_600_000), toleranceSeconds: 7200 })).toBe(true);
    // The timestamp is part of what is signed: moving it forward to dodge the tolerance breaks the signature.
    expect(verifyWebhookSignature({ ...signed, timestamp: String(NOW_SECONDS + 600), secret: SECRET, now: new Date(NOW.getTime() + 600_000) })).toBe(false);
  });

  it("rejects missing or malformed signature headers without throwing", () => {
    const base = { body: "{}", secret: SECRET, now: NOW };
    expect(verifyWebhookSignature({ ...base, timestamp: undefined, signature: "sha256=00" })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: String(NOW_SECONDS), signature: null })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: "soon", signature: "sha256=00" })).toBe(false);
    expect(verifyWebhookSignature({ ...base, timestamp: String(NOW_SECONDS), signature: "sha256=short" })).toBe(false);
  });

  it("retries on 500 and then succeeds", async () => {
    const { url, requests } = await receiver(500, 503, 200);
    const { instance, sleeps } = notifier(url);

    await instance.notify(notification);

    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
  });

  it("rejects with [webhook-notifier] after the retries", async () => {
    const { url, requests } = await receiver(500);
    const { instance } = notifier(url);

    const error = (await instance.notify(notification).catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^\[webhook-notifier\] .*HTTP 500/);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain("/hooks/relance");
    expect(requests).toHaveLength(3);
  });

  it("does not retry a 4xx refusal", async () => {
    const { url, requests } = await receiver(401);
    const { instance } = notifier(url);

    await expect(instance.notify(notification)).rejects.toThrow(/^\[webhook-notifier\] .*HTTP 401/);
    expect(requests).toHaveLength(1);
  });

  it("rejects on a network failure", async () => {
    const { url } = await receiver(200);
    server!.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const { instance, sleeps } = notifier(url, { retries: 1 });

    await expect(instance.notify(notification)).rejects.toThrow(/^\[webhook-notifier\] .*network error/);
    expect(sleeps).toHaveLength(1);
  });
});
