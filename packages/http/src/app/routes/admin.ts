import { Hono } from "hono";
import { ADMIN_COOKIE, pageCookieName, requireAdmin, requireUser, type AuthVariables } from "../auth.js";
import { body, param } from "../input.js";
import { admin, answer } from "../operation.js";
import { presentMessage } from "../presenters.js";
import * as res from "../response-schemas.js";
import { DayNumberParams, MessageBody, MessageWithoutDayBody, PreviewBody, SettingsPatchBody } from "../schemas.js";
import type { AppServices } from "../services.js";

const MESSAGE_EXAMPLE = {
  dayNumber: 1,
  messageTemplate: { fr: "Bonjour {{firstName}}, votre lien : {{paymentLink}}", en: "Hi {{firstName}}, your link: {{paymentLink}}" },
  mediaUrls: [{ url: "https://cdn.example.com/offer.jpg", type: "image", language: "both" }],
  active: true,
};

/** A message as sent back from a listing: its `updatedAt` is accepted, and never stored. */
const withoutUpdatedAt = <T extends { updatedAt?: string | undefined }>({ updatedAt: _ignored, ...message }: T) => message;

/** Admin endpoints: the day 1…N messages, the global stats and the service-wide settings. */
export function adminRoutes(services: AppServices) {
  const { engine } = services;
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use("*", requireUser(services.secrets.jwt, { maxTtlSeconds: services.jwtMaxTtlSeconds, audience: services.jwtAudience ?? null, issuer: services.jwtIssuer ?? null, cookie: { name: pageCookieName(ADMIN_COOKIE, services.publicUrl), kind: "api" } }), requireAdmin());

  app.get("/messages", admin({ summary: "Day messages, by dayNumber", responses: { 200: answer("every day message", res.MessageListResponse) } }), async (c) =>
    c.json({ items: (await engine.messages.list()).map(presentMessage) }),
  );

  app.post(
    "/messages/preview",
    body(PreviewBody, { example: { dayNumber: 1, language: "fr", variables: { firstName: "Léa", paymentLink: "https://pay.example.com/x" } } }),
    admin({ summary: "Render a day message with variables", responses: { 200: answer("the rendered text and the media sent with it", res.PreviewResponse) }, errors: ["NotFound"] }),
    async (c) => {
      const { draft, ...request } = c.req.valid("json");
      // The core validates the draft like a save (media types, URLs, variables).
      const preview = await engine.messages.preview({ ...request, ...(draft ? { draft: withoutUpdatedAt(draft) } : {}) });
      return c.json({ text: preview.text, media: preview.media, language: preview.language });
    },
  );

  app.post(
    "/messages",
    body(MessageBody, { example: MESSAGE_EXAMPLE }),
    admin({
      summary: "Create or replace a day message (upsert by dayNumber)",
      responses: { 200: answer("replaced", res.MessageResponse), 201: answer("created", res.MessageResponse, MESSAGE_EXAMPLE) },
    }),
    async (c) => {
      const { created, message: stored } = await engine.messages.upsert(withoutUpdatedAt(c.req.valid("json")));
      return c.json(presentMessage(stored), created ? 201 : 200);
    },
  );

  app.put(
    "/messages/:dayNumber",
    param(DayNumberParams),
    body(MessageWithoutDayBody, { example: { messageTemplate: MESSAGE_EXAMPLE.messageTemplate } }),
    admin({ summary: "Replace a day message", responses: { 200: answer("the stored message", res.MessageResponse) }, errors: ["NotFound"] }),
    async (c) => {
      const { dayNumber } = c.req.valid("param");
      return c.json(presentMessage(await engine.messages.replace(dayNumber, withoutUpdatedAt(c.req.valid("json")))));
    },
  );

  app.delete(
    "/messages/:dayNumber",
    param(DayNumberParams),
    admin({ summary: "Delete a day message", responses: { 204: { description: "deleted" } }, errors: ["NotFound"] }),
    async (c) => {
      await engine.messages.delete(c.req.valid("param").dayNumber);
      return c.body(null, 204);
    },
  );

  app.get("/stats", admin({ summary: "Stats over all referrers", responses: { 200: { description: "stats", ref: "Stats" } } }), async (c) => c.json(await engine.globalStats()));

  app.get("/settings", admin({ summary: "Service-wide settings: the holdout share", responses: { 200: answer("Settings", res.SettingsResponse) } }), async (c) => c.json(await engine.settings.get()));
  app.patch(
    "/settings",
    body(SettingsPatchBody, { example: { holdoutPercent: 10 } }),
    admin({
      summary: "Change service-wide settings (the holdout share applies to targets enrolled from now on)",
      description: "holdoutPercent p (0 to 50): p % of new targets, chosen by their referral id, are never messaged; the stats' lift compares them with the others. A target keeps its group.",
      responses: { 200: answer("Settings after the change", res.SettingsResponse) },
    }),
    async (c) => c.json(await engine.settings.update(c.req.valid("json"))),
  );
  return app;
}
