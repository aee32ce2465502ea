import { Hono } from "hono";
import { documented, inputOf } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import { notFound } from "../errors.js";
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

  app.post("/link", documented(doc.sandboxLink), async (c) => {
    const { body } = inputOf(c, doc.sandboxLink);
    world().transport.link(body.userId, body.phone);
    await engine.idle();
    return c.json(await engine.status(body.userId));
  });

  app.post("/drop", documented(doc.sandboxDrop), async (c) => {
    const { body } = inputOf(c, doc.sandboxDrop);
    world().transport.drop(body.userId, { loggedOut: body.loggedOut ?? false });
    await engine.idle();
    return c.json(await engine.status(body.userId));
  });

  app.post("/numbers", documented(doc.sandboxNumbers), async (c) => {
    const { body } = inputOf(c, doc.sandboxNumbers);
    world().transport.setOnWhatsApp(body.phone, body.onWhatsApp);
    return c.json({ ok: true });
  });

  app.post("/inbound", documented(doc.sandboxInbound), async (c) => {
    const { body } = inputOf(c, doc.sandboxInbound);
    world().transport.inbound(body.from, body.to, body.text);
    await engine.idle();
    return c.json({ ok: true });
  });

  app.get("/outbox", documented(doc.sandboxOutbox), (c) => {
    const { referrerId } = inputOf(c, doc.sandboxOutbox).query;
    const items = world()
      .transport.outbox(referrerId)
      .map((m) => ({ from: m.from, to: m.to, text: m.text, media: m.media, sentAt: m.sentAt.toISOString(), day: m.day, targetId: m.targetId, messageId: m.messageId }));
    return c.json({ items });
  });

  app.post("/clock", documented(doc.sandboxClock), async (c) => {
    const { body } = inputOf(c, doc.sandboxClock);
    const clock = world().clock;
    const now = "advanceMs" in body ? clock.advance(body.advanceMs) : clock.set(body.now);
    // The simulated recipients act on the clock's time: what came due happens now.
    await world().population.tick();
    await engine.idle();
    return c.json({ now: now.toISOString() });
  });

  app.post("/population", documented(doc.sandboxPopulation), async (c) => {
    const { body } = inputOf(c, doc.sandboxPopulation);
    const { referrerId, ...settings } = body;
    const population = world().population;
    // What came due under the previous behaviour happens first.
    await population.tick();
    population.configure(settings, referrerId);
    await engine.idle();
    return c.json({ ok: true });
  });
  return app;
}
