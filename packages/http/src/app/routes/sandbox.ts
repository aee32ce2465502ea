import { Hono } from "hono";
import { notFound } from "../errors.js";
import { body, query } from "../input.js";
import { answer, sandbox } from "../operation.js";
import * as res from "../response-schemas.js";
import { SandboxClockBody, SandboxDropBody, SandboxInboundBody, SandboxLinkBody, SandboxNumberBody, SandboxOutboxQuery, SandboxPopulationBody } from "../schemas.js";
import type { AppServices } from "../services.js";

/**
 * The simulated WhatsApp world (like a payment provider's test mode). Mounted always, so that
 * without the sandbox transport every path answers 404 like an unknown resource.
 */
export function sandboxRoutes(services: AppServices) {
  const { engine } = services;
  const app = new Hono();
  app.use("*", async (_c, next) => {
    if (!services.sandbox) throw notFound("Sandbox (RELANCE_TRANSPORT is not sandbox)");
    await next();
  });
  const world = () => services.sandbox!;

  app.post(
    "/link",
    body(SandboxLinkBody, { example: { userId: "referrer-7", phone: "+33612345678" } }),
    sandbox({ summary: "The simulated phone scans the QR", responses: { 200: { description: "Status, connected", ref: "Status" } } }),
    async (c) => {
      const { userId, phone } = c.req.valid("json");
      world().transport.link(userId, phone);
      await engine.idle();
      return c.json(await engine.status(userId));
    },
  );

  app.post(
    "/drop",
    body(SandboxDropBody, { example: { userId: "referrer-7", loggedOut: false } }),
    sandbox({ summary: "Connection lost, or logged out from the phone", responses: { 200: { description: "Status after the drop", ref: "Status" } } }),
    async (c) => {
      const { userId, loggedOut } = c.req.valid("json");
      world().transport.drop(userId, { loggedOut: loggedOut ?? false });
      await engine.idle();
      return c.json(await engine.status(userId));
    },
  );

  app.post(
    "/numbers",
    body(SandboxNumberBody, { example: { phone: "+33698765432", onWhatsApp: false } }),
    sandbox({ summary: "A number is on WhatsApp or not", responses: { 200: answer("stored", res.OkResponse) } }),
    async (c) => {
      const { phone, onWhatsApp } = c.req.valid("json");
      world().transport.setOnWhatsApp(phone, onWhatsApp);
      return c.json({ ok: true as const });
    },
  );

  app.post(
    "/inbound",
    body(SandboxInboundBody, { example: { from: "+33698765432", to: "+33612345678", text: "STOP" } }),
    sandbox({ summary: "A referral replies", responses: { 200: answer("handled", res.OkResponse) } }),
    async (c) => {
      const { from, to, text } = c.req.valid("json");
      world().transport.inbound(from, to, text);
      await engine.idle();
      return c.json({ ok: true as const });
    },
  );

  app.get(
    "/outbox",
    query(SandboxOutboxQuery),
    sandbox({ summary: "What was sent, oldest first", responses: { 200: answer("one item per day's message", res.OutboxResponse) } }),
    (c) => {
      const { referrerId } = c.req.valid("query");
      const items = world()
        .transport.outbox(referrerId)
        .map((m) => ({ from: m.from, to: m.to, text: m.text, media: m.media, sentAt: m.sentAt.toISOString(), day: m.day, targetId: m.targetId, messageId: m.messageId }));
      return c.json({ items });
    },
  );

  app.post(
    "/clock",
    body(SandboxClockBody, { example: { advanceMs: 86400000 } }),
    sandbox({ summary: "Move the service's clock", responses: { 200: answer("the new time", res.ClockResponse) } }),
    async (c) => {
      const move = c.req.valid("json");
      const clock = world().clock;
      const now = "advanceMs" in move ? clock.advance(move.advanceMs) : clock.set(move.now);
      // The simulated recipients act on the clock's time: what came due happens now.
      await world().population.tick();
      await engine.idle();
      return c.json({ now: now.toISOString() });
    },
  );

  app.post(
    "/population",
    body(SandboxPopulationBody, { example: { delivered: 0.95, read: 0.7, reply: 0.05, pay: { messaged: 0.25, notMessaged: 0.1 }, seed: 42 } }),
    sandbox({
      summary: "How the simulated recipients behave",
      description:
        "After each message: a delivered receipt (probability `delivered`), then read (`read`), a reply that is not a STOP (`reply`), " +
        "each timed by the service's clock. Over a sequence's length an enrolled referral (holdout included) pays, exiting `paid`, with " +
        "probability `pay.messaged` if it received a message by then, else `pay.notMessaged`, on a day drawn uniformly over the sequence. " +
        "Deterministic for a `seed`. Without `referrerId`: every referrer's default.",
      responses: { 200: answer("applied", res.OkResponse) },
    }),
    async (c) => {
      const { referrerId, ...settings } = c.req.valid("json");
      const population = world().population;
      // What came due under the previous behaviour happens first.
      await population.tick();
      population.configure(settings, referrerId);
      await engine.idle();
      return c.json({ ok: true as const });
    },
  );
  return app;
}
