import { Hono } from "hono";
import { requireAdmin, requireUser, type AuthVariables } from "../auth.js";
import { presentMessage } from "../presenters.js";
import { DayNumber, MessageBody, MessageWithoutDayBody, PreviewBody } from "../schemas.js";
import type { AppServices } from "../services.js";
import { jsonBody, parseOrThrow } from "../validation.js";

/** Admin endpoints: the day 1…N messages and the global stats. */
export function adminRoutes(services: AppServices) {
  const { engine } = services;
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use("*", requireUser(services.secrets.jwt), requireAdmin());

  app.get("/messages", async (c) => c.json({ items: (await engine.messages.list()).map(presentMessage) }));

  app.post("/messages/preview", async (c) => {
    const body = await jsonBody(c, PreviewBody);
    const preview = await engine.messages.preview(body);
    return c.json({ text: preview.text, media: preview.media, language: preview.language });
  });

  app.post("/messages", async (c) => {
    const { updatedAt: _ignored, ...body } = await jsonBody(c, MessageBody);
    const { created, message } = await engine.messages.upsert(body as never);
    return c.json(presentMessage(message), created ? 201 : 200);
  });

  app.put("/messages/:dayNumber", async (c) => {
    const dayNumber = parseOrThrow(DayNumber, c.req.param("dayNumber"), "dayNumber");
    const { updatedAt: _ignored, ...body } = await jsonBody(c, MessageWithoutDayBody);
    return c.json(presentMessage(await engine.messages.replace(dayNumber, body as never)));
  });

  app.delete("/messages/:dayNumber", async (c) => {
    const dayNumber = parseOrThrow(DayNumber, c.req.param("dayNumber"), "dayNumber");
    await engine.messages.delete(dayNumber);
    return c.body(null, 204);
  });

  app.get("/stats", async (c) => c.json(await engine.globalStats()));
  return app;
}
