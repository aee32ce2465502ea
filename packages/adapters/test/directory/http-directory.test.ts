import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DirectoryError, type Logger } from "@relance/core";
import { afterEach, describe, expect, it } from "vitest";
import { HttpDirectory, type HttpDirectoryOptions } from "../../src/directory/http-directory.js";

const SECRET = "s3cr3t-service-token-do-not-leak";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

type Handler = (request: Seen, response: ServerResponse) => void;

let server: Server | undefined;

afterEach(async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  current.closeAllConnections();
  await new Promise<void>((resolve) => current.close(() => resolve()));
});

/** Answers the n-th request with handlers[n] (the last one repeats). */
async function serve(...handlers: Handler[]): Promise<{ baseUrl: string; requests: Seen[] }> {
  const requests: Seen[] = [];
  server = createServer((req, res) => {
    const seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
    requests.push(seen);
    const handler = handlers[Math.min(requests.length - 1, handlers.length - 1)]!;
    handler(seen, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/`, requests };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

function recordingLogger() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(fields, message) {
      warnings.push({ fields, message });
    },
    error() {},
  };
  return { logger, warnings };
}

function directory(baseUrl: string, extra: Partial<HttpDirectoryOptions> = {}) {
  const sleeps: number[] = [];
  const dir = new HttpDirectory({
    baseUrl,
    serviceSecret: SECRET,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { dir, sleeps };
}

const referrer = (active: boolean) => ({ userId: "ref-1", name: "Awa", phone: "+33612345678", relanceSubscriptionActive: active });

const item = (overrides: Record<string, unknown> = {}) => ({
  userId: "u-1",
  phone: "+33611111111",
  name: "Binta",
  language: "fr",
  createdAt: "2025-03-01T10:00:00.000Z",
  paid: false,
  paymentLink: "https://pay.example/u-1",
  ...overrides,
});

async function captureError(promise: Promise<unknown>): Promise<DirectoryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DirectoryError);
  return error as DirectoryError;
}

describe("HttpDirectory: referrer", () => {
  it("reads an active subscription and the profile, with auth headers", async () => {
    const { baseUrl, requests } = await serve(json(200, referrer(true)));
    const { dir } = directory(baseUrl);

    expect(await dir.hasActiveSubscription("ref-1")).toBe(true);
    expect(await dir.getReferrer("ref-1")).toEqual({ userId: "ref-1", name: "Awa", phone: "+33612345678" });
    expect(requests[0]).toMatchObject({ method: "GET", url: "/internal/relance/referrers/ref-1" });
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(requests[0]!.headers["x-service-name"]).toBe("relance");
  });

  it("reads an inactive subscription and sends a custom service name", async () => {
    const { baseUrl, requests } = await serve(json(200, referrer(false)));
    const { dir } = directory(baseUrl, { serviceName: "relance-eu" });

    expect(await dir.hasActiveSubscription("ref-1")).toBe(false);
    expect(requests[0]!.headers["x-service-name"]).toBe("relance-eu");
  });

  it("treats 404 as an unknown referrer", async () => {
    const { baseUrl } = await serve(json(404, { error: "not found" }));
    const { dir } = directory(baseUrl);

    expect(await dir.hasActiveSubscription("nobody")).toBe(false);
    expect(await dir.getReferrer("nobody")).toBeNull();
  });

  it("getReferrerStatus answers the subscription and the profile in one request", async () => {
    const { baseUrl, requests } = await serve(json(200, referrer(true)));
    const { dir } = directory(baseUrl);

    expect(await dir.getReferrerStatus("ref-1")).toEqual({ active: true, profile: { userId: "ref-1", name: "Awa", phone: "+33612345678" } });
    expect(requests).toHaveLength(1);
  });

  it("URL-encodes ids in paths", async () => {
    const { baseUrl, requests } = await serve(json(200, referrer(true)));
    const { dir } = directory(baseUrl);

    await dir.hasActiveSubscription("a/b c?d");
    expect(requests[0]!.url).toBe("/internal/relance/referrers/a%2Fb%20c%3Fd");
  });

  it("refuses a wrong shape, naming the field", async () => {
    const { baseUrl } = await serve(json(200, { ...referrer(true), relanceSubscriptionActive: "yes" }));
    const { dir } = directory(baseUrl);

    const error = await captureError(dir.hasActiveSubscription("ref-1"));
    expect(error.message).toMatch(/^\[http-directory\] .*relanceSubscriptionActive/);
  });

  it("refuses malformed JSON without retrying", async () => {
    const { baseUrl, requests } = await serve(json(200, "{not json"));
    const { dir } = directory(baseUrl);

    const error = await captureError(dir.getReferrer("ref-1"));
    expect(error.message).toMatch(/\[http-directory\].*not valid JSON/);
    expect(requests).toHaveLength(1);
  });
});

describe("HttpDirectory: referrals", () => {
  it("parses dates, paid, null language and follows pagination", async () => {
    const { baseUrl, requests } = await serve(
      json(200, { items: [item(), item({ userId: "u-2", phone: "+221771234567", language: null, paid: true, paymentLink: null })], nextCursor: "c/2" }),
      json(200, { items: [item({ userId: "u-3", phone: "+33 6 22-22-22-22", language: "en" })], nextCursor: null }),
    );
    const { dir } = directory(baseUrl);

    const referrals = await dir.listReferrals("ref-1");

    expect(requests.map((r) => r.url)).toEqual([
      "/internal/relance/referrers/ref-1/referrals",
      "/internal/relance/referrers/ref-1/referrals?cursor=c%2F2",
    ]);
    expect(referrals).toHaveLength(3);
    expect(referrals[0]).toEqual({
      userId: "u-1",
      referrerId: "ref-1",
      phone: "+33611111111",
      name: "Binta",
      language: "fr",
      createdAt: new Date("2025-03-01T10:00:00.000Z"),
      paid: false,
      paymentLink: "https://pay.example/u-1",
    });
    expect(referrals[0]!.createdAt).toBeInstanceOf(Date);
    expect(referrals[1]).toMatchObject({ userId: "u-2", language: null, paid: true, paymentLink: null });
    expect(referrals[2]).toMatchObject({ userId: "u-3", phone: "+33622222222", language: "en" });
  });

  it("treats 404 as no referrals", async () => {
    const { baseUrl } = await serve(json(404, {}));
    const { dir } = directory(baseUrl);

    expect(await dir.listReferrals("ref-1")).toEqual([]);
  });

  it("drops a referral with a bad phone, with a warning naming the field and why, and keeps the rest", async () => {
    const { baseUrl } = await serve(
      json(200, { items: [item({ userId: "bad", phone: "+12" }), item({ userId: "none", phone: null }), item({ userId: "fixed", phone: "+33142685300" }), item()] }),
    );
    const { logger, warnings } = recordingLogger();
    const { dir } = directory(baseUrl, { logger });

    const referrals = await dir.listReferrals("ref-1");

    expect(referrals.map((r) => r.userId)).toEqual(["u-1"]);
    expect(warnings.map((w) => w.fields.referralUserId)).toEqual(["bad", "none", "fixed"]);
    expect(warnings.map((w) => w.fields.field)).toEqual(["items[0].phone", "items[1].phone", "items[2].phone"]);
    expect(warnings[2]!.fields.reason).toMatch(/landline/);
    expect(JSON.stringify(warnings)).not.toContain("142685300");
  });

  it("reads national numbers in the referrer's own country, fetching the referrer once per listing", async () => {
    const { baseUrl, requests } = await serve((req, res) =>
      req.url === "/internal/relance/referrers/ref-1"
        ? json(200, { ...referrer(true), phone: "+221761234567" })(req, res)
        : json(200, { items: [item({ userId: "n1", phone: "77 123 45 67" }), item({ userId: "n2", phone: "78 123 45 67" }), item({ userId: "i1", phone: "+33 6 12 34 56 78" })] })(req, res),
    );
    const { dir } = directory(baseUrl, { defaultCountry: "FR" });

    const referrals = await dir.listReferrals("ref-1");

    expect(referrals.map((r) => r.phone)).toEqual(["+221771234567", "+221781234567", "+33612345678"]);
    expect(requests.filter((r) => r.url === "/internal/relance/referrers/ref-1")).toHaveLength(1);
  });

  it("reads national numbers in the default country when the referrer has no number; without either they are refused", async () => {
    const handler = (req: Seen, res: ServerResponse) =>
      req.url === "/internal/relance/referrers/ref-1" ? json(200, { ...referrer(true), phone: null })(req, res) : json(200, { items: [item({ phone: "06 12 34 56 78" })] })(req, res);
    const { baseUrl } = await serve(handler);
    expect((await directory(baseUrl, { defaultCountry: "FR" }).dir.listReferrals("ref-1")).map((r) => r.phone)).toEqual(["+33612345678"]);

    const { logger, warnings } = recordingLogger();
    expect(await directory(baseUrl, { logger }).dir.listReferrals("ref-1")).toEqual([]);
    expect(warnings[0]!.fields.reason).toMatch(/national number/);
  });

  it("never fetches the referrer when every number is international", async () => {
    const { baseUrl, requests } = await serve(json(200, { items: [item(), item({ userId: "u-2", phone: "0033622222222" })] }));
    const { dir } = directory(baseUrl, { defaultCountry: "FR" });

    expect((await dir.listReferrals("ref-1")).map((r) => r.phone)).toEqual(["+33611111111", "+33622222222"]);
    expect(requests).toHaveLength(1);
  });

  it("refuses a wrong shape, naming the field", async () => {
    const { baseUrl } = await serve(json(200, { items: [item(), item({ createdAt: "yesterday" })] }));
    const { dir } = directory(baseUrl);

    const error = await captureError(dir.listReferrals("ref-1"));
    expect(error.message).toMatch(/^\[http-directory\] .*items\[1\]\.createdAt/);
  });

  it("refuses a response without items", async () => {
    const { baseUrl } = await serve(json(200, { data: [] }));
    const { dir } = directory(baseUrl);

    const error = await captureError(dir.listReferrals("ref-1"));
    expect(error.message).toMatch(/items must be an array/);
  });
});

describe("HttpDirectory: batch lookup and incremental listing", () => {
  it("getReferrals asks for those ids only, at most 100 per request, URL-encoded", async () => {
    const { baseUrl, requests } = await serve(json(200, { items: [item({ userId: "a b" })] }), json(200, { items: [item({ userId: "u-150" })] }));
    const { dir } = directory(baseUrl);
    const ids = ["a b", ...Array.from({ length: 150 }, (_, i) => `u-${i}`), "a b"];
    const found = await dir.getReferrals("ref-1", ids);
    expect(found.map((r) => r.userId)).toEqual(["a b", "u-150"]);
    expect(requests).toHaveLength(2);
    const first = new URL(requests[0]!.url, baseUrl);
    expect(first.pathname).toBe("/internal/relance/referrers/ref-1/referrals");
    expect(first.searchParams.getAll("userId")).toEqual(["a b", ...Array.from({ length: 99 }, (_, i) => `u-${i}`)]);
    expect(new URL(requests[1]!.url, baseUrl).searchParams.getAll("userId")).toHaveLength(51);
    expect(await dir.getReferrals("ref-1", [])).toEqual([]);
    expect(requests).toHaveLength(2);
  });

  it("lists changes with ?since= after a full listing, following pages, and makes a full listing again once a day", async () => {
    let now = new Date("2026-01-05T08:00:00.000Z");
    const { baseUrl, requests } = await serve(
      json(200, { items: [item({ userId: "u-1" })], nextCursor: "p2" }),
      json(200, { items: [item({ userId: "u-2" })], nextCursor: null, nextSince: "s-1" }),
      json(200, { items: [item({ userId: "u-3" })], nextSince: "s-2" }),
      json(200, { items: [], nextSince: "s-2" }),
      json(200, { items: [item({ userId: "u-1" }), item({ userId: "u-2" }), item({ userId: "u-3" })], nextSince: "s-3" }),
    );
    const { dir } = directory(baseUrl, { now: () => now });
    const full = await dir.listReferralChanges("ref-1", null);
    expect(full.items.map((r) => r.userId)).toEqual(["u-1", "u-2"]);
    expect(full.cursor).not.toBeNull();

    now = new Date(now.getTime() + 3_600_000);
    const changes = await dir.listReferralChanges("ref-1", full.cursor);
    expect(changes.items.map((r) => r.userId)).toEqual(["u-3"]);
    expect(new URL(requests[2]!.url, baseUrl).searchParams.get("since")).toBe("s-1");
    const idle = await dir.listReferralChanges("ref-1", changes.cursor);
    expect(idle.items).toEqual([]);
    expect(new URL(requests[3]!.url, baseUrl).searchParams.get("since")).toBe("s-2");

    // 24 h after the last full listing: a full one again, the safety net.
    now = new Date(Date.parse("2026-01-06T08:00:00.000Z"));
    const daily = await dir.listReferralChanges("ref-1", idle.cursor);
    expect(daily.items).toHaveLength(3);
    expect(new URL(requests[4]!.url, baseUrl).search).toBe("");
  });

  it("without nextSince the service cannot list changes: every listing is full", async () => {
    const { baseUrl, requests } = await serve(json(200, { items: [item()] }));
    const { dir } = directory(baseUrl);
    const first = await dir.listReferralChanges("ref-1", null);
    expect(first).toMatchObject({ items: [expect.objectContaining({ userId: "u-1" })], cursor: null });
    expect(await dir.listReferralChanges("ref-1", first.cursor)).toMatchObject({ cursor: null });
    expect(requests.map((r) => r.url)).toEqual(["/internal/relance/referrers/ref-1/referrals", "/internal/relance/referrers/ref-1/referrals"]);
  });

  it("410 on ?since= (the cursor expired): a full listing follows", async () => {
    const { baseUrl, requests } = await serve(
      json(200, { items: [item()], nextSince: "s-1" }),
      json(410, { error: "gone" }),
      json(200, { items: [item(), item({ userId: "u-2" })], nextSince: "s-9" }),
    );
    const { dir } = directory(baseUrl);
    const first = await dir.listReferralChanges("ref-1", null);
    const again = await dir.listReferralChanges("ref-1", first.cursor);
    expect(again.items.map((r) => r.userId)).toEqual(["u-1", "u-2"]);
    expect(requests.map((r) => new URL(r.url, baseUrl).search)).toEqual(["", "?since=s-1", ""]);
    expect(JSON.parse(again.cursor!)).toMatchObject({ since: "s-9" });
  });
});

describe("HttpDirectory: failures", () => {
  it("retries 503 and then succeeds", async () => {
    const { baseUrl, requests } = await serve(json(503, {}), json(503, {}), json(200, referrer(true)));
    const { logger, warnings } = recordingLogger();
    const { dir, sleeps } = directory(baseUrl, { logger });

    expect(await dir.hasActiveSubscription("ref-1")).toBe(true);
    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    // 200 ms then 400 ms, plus up to 200 ms of jitter each.
    expect(sleeps[0]!).toBeGreaterThanOrEqual(200);
    expect(sleeps[0]!).toBeLessThan(400);
    expect(sleeps[1]!).toBeGreaterThanOrEqual(400);
    expect(sleeps[1]!).toBeLessThan(600);
    expect(warnings).toHaveLength(2);
  });

  it("gives up after the retries with the status in the error", async () => {
    const { baseUrl, requests } = await serve(json(502, {}));
    const { dir } = directory(baseUrl, { retries: 1 });

    const error = await captureError(dir.hasActiveSubscription("ref-1"));
    expect(error.message).toMatch(/^\[http-directory\] .*HTTP 502/);
    expect(error.code).toBe("directory_failure");
    expect(requests).toHaveLength(2);
  });

  it("honours Retry-After on 429, up to the cap", async () => {
    const { baseUrl } = await serve(json(429, {}, { "Retry-After": "2" }), json(429, {}, { "Retry-After": "3600" }), json(200, referrer(true)));
    const { dir, sleeps } = directory(baseUrl, { maxRetryAfterMs: 10_000 });

    expect(await dir.hasActiveSubscription("ref-1")).toBe(true);
    expect(sleeps).toEqual([2000, 10_000]);
  });

  it("does not retry other 4xx", async () => {
    const { baseUrl, requests } = await serve(json(401, { error: "bad token" }));
    const { dir } = directory(baseUrl);

    const error = await captureError(dir.listReferrals("ref-1"));
    expect(error.message).toMatch(/HTTP 401/);
    expect(requests).toHaveLength(1);
  });

  it("times out on a server that never answers", async () => {
    const { baseUrl } = await serve(() => {});
    const { dir, sleeps } = directory(baseUrl, { timeoutMs: 50, retries: 1 });

    const error = await captureError(dir.hasActiveSubscription("ref-1"));
    expect(error.message).toMatch(/timed out after 50 ms/);
    // Counted on the client's side: on a loaded machine the server may not even have accepted the
    // connection within 50 ms, so its request log is no measure of the attempts made.
    expect(sleeps).toHaveLength(1);
  });

  it("reports a refused connection as a DirectoryError", async () => {
    const { baseUrl } = await serve(json(200, {}));
    server!.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const { dir } = directory(baseUrl, { retries: 0 });

    const error = await captureError(dir.hasActiveSubscription("ref-1"));
    expect(error.message).toMatch(/network error/);
  });

  it("never puts the secret in error messages or logs", async () => {
    // A misbehaving proxy echoing our headers back in its error body and status text.
    const { baseUrl } = await serve((req, res) => {
      res.writeHead(500, `echo ${req.headers.authorization}`, { "Content-Type": "text/plain" });
      res.end(String(req.headers.authorization));
    });
    const { logger, warnings } = recordingLogger();
    const { dir } = directory(baseUrl, { logger });

    const error = await captureError(dir.getReferrer("ref-1"));
    const everything = [error.message, String(error.stack), String(error.cause ?? ""), JSON.stringify(warnings)].join("\n");
    expect(everything).not.toContain(SECRET);
  });
});
