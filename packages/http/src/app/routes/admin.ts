import { Hono } from "hono";
import { documented, inputOf } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import { ADMIN_COOKIE, pageCookieName, requireAdmin, requireUser, type AuthVariables } from "../auth.js";
import { presentMessage } from "../presenters.js";
import type { AppServices } from "../services.js";

/** Admin endpoints: the day 1…N messages, the global stats and the service-wide settings. */
export function adminRoutes(services: AppServices) {
  const { engine } = services;
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use("*", requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, issuer: services.jwtIssuer ?? null, cookie: { name: pageCookieName(ADMIN_COOKIE, services.publicUrl), kind: "api" } }), requireAdmin());

  app.get("/messages", documented(doc.listMessages), async (c) => c.json({ items: (await engine.messages.list()).map(presentMessage) }));

  app.post("/messages/preview", documented(doc.previewMessage), async (c) => {
    const { draft, ...body } = inputOf(c, doc.previewMessage).body;
    // The core validates the draft like a save (media types, URLs, variables).
    const { updatedAt: _ignored, ...draftFields } = draft ?? {};
    const preview = await engine.messages.preview({ ...body, ...(draft ? { draft: draftFields as never } : {}) });
    return c.json({ text: preview.text, media: preview.media, language: preview.language });
  });

  app.post("/messages", documented(doc.upsertMessage), async (c) => {
    const { updatedAt: _ignored, ...body } = inputOf(c, doc.upsertMessage).body;
    const { created, message } = await engine.messages.upsert(body as never);
    return c.json(presentMessage(message), created ? 201 : 200);
  });

  app.put("/messages/:dayNumber", documented(doc.replaceMessage), async (c) => {
    const { path, body: message } = inputOf(c, doc.replaceMessage);
    const { dayNumber } = path;
    const { updatedAt: _ignored, ...body } = message;
    return c.json(presentMessage(await engine.messages.replace(dayNumber, body as never)));
  });

  app.delete("/messages/:dayNumber", documented(doc.deleteMessage), async (c) => {
    const { dayNumber } = inputOf(c, doc.deleteMessage).path;
    await engine.messages.delete(dayNumber);
    return c.body(null, 204);
  });

  app.get("/stats", documented(doc.globalStats), async (c) => c.json(await engine.globalStats()));

  app.get("/settings", documented(doc.getSettings), async (c) => c.json(await engine.settings.get()));
  app.patch("/settings", documented(doc.updateSettings), async (c) => {
    const { body } = inputOf(c, doc.updateSettings);
    return c.json(await engine.settings.update(body));
  });
  return app;
}
