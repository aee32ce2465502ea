import { Hono } from "hono";
import { requireService, type AuthVariables } from "../auth.js";
import { body } from "../input.js";
import { answer, internal } from "../operation.js";
import * as res from "../response-schemas.js";
import { EraseUserBody, ExitUserBody, ReferralPushBody, SubscriptionBody } from "../schemas.js";
import { jobRunner } from "../../observability/job-runs.js";
import { ApiError } from "../errors.js";
import type { AppServices } from "../services.js";
import { readPushedPhones, type PhoneContext } from "../phone-numbers.js";

/** Service-to-service endpoints (the platform's user-service and payment flow). */
export function internalRoutes(services: AppServices) {
  const { engine } = services;
  const runJob = jobRunner(services.metrics, services.logger);
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use("*", requireService(services.secrets, undefined, services.logger));

  const feed = () => {
    if (!services.directoryFeed) throw new ApiError(409, "conflict", "The directory is pulled from the user-service (RELANCE_DIRECTORY=http): push calls are disabled");
    return services.directoryFeed;
  };

  const phones = (): PhoneContext => ({
    defaultCountry: services.defaultCountry ?? null,
    referrerPhone: async (referrerId) => (await feed().getReferrer(referrerId))?.phone ?? null,
  });

  app.post(
    "/exit-user",
    body(ExitUserBody, { example: { userId: "user-42", reason: "paid" } }),
    internal({ summary: "A referral paid (or is taken out): every loop of theirs stops; idempotent", responses: { 200: answer("targets exited", res.ExitUserResponse) } }),
    async (c) => {
      const { userId, reason } = c.req.valid("json");
      return c.json(await engine.exitUser(userId, reason ?? "paid"));
    },
  );

  app.post(
    "/erase-user",
    body(EraseUserBody, { example: { userId: "user-42" } }),
    internal({
      summary: "GDPR erasure: a person's data removed everywhere (targets, directory records, referrer config and WhatsApp session); the do-not-contact hash stays",
      responses: { 200: answer("what was removed", res.EraseUserResponse) },
    }),
    async (c) => {
      const { userId, phone } = c.req.valid("json");
      return c.json(await engine.eraseUser(userId, phone ? { phones: [phone] } : {}));
    },
  );

  app.post(
    "/subscriptions",
    body(SubscriptionBody, { example: { userId: "referrer-7", active: true, name: "Jean Martin", phone: "+33612345678" } }),
    internal({ summary: "A referrer's relance subscription (push directory)", responses: { 200: answer("stored", res.OkResponse) }, errors: ["Conflict"] }),
    async (c) => {
      const subscription = c.req.valid("json");
      const directory = feed();
      // The referrer's own number: read in the default country (it is what reads their referrals').
      const phone =
        typeof subscription.phone === "string" ? (await readPushedPhones([{ referrerId: null, phone: subscription.phone, path: "phone" }], phones()))[0] : subscription.phone;
      await directory.setSubscription({ ...subscription, phone });
      return c.json({ ok: true as const });
    },
  );

  // One referral, or a feed's batch (an array of the same bodies); the directory keeps a known
  // referral's createdAt when none is given, reading only that referral.
  app.post(
    "/referrals",
    body(ReferralPushBody, {
      example: { referrerId: "referrer-7", referral: { userId: "user-42", phone: "+33698765432", name: "Léa Dupont", language: "fr", createdAt: "2026-01-05T08:00:00Z", paid: false } },
    }),
    internal({
      summary: "Upsert one referral, or a batch of up to 1,000 (push directory)",
      description:
        "The body is one `{referrerId, referral}` or an array of 1 to 1,000 of them (a feed's batch, answered with `upserted`). Without `createdAt`, a referral already stored keeps its own and a new one gets now; the cost does not grow with the referrer's history.",
      responses: { 200: answer("stored", res.ReferralPushResponse) },
      errors: ["Conflict"],
    }),
    async (c) => {
      const pushed = c.req.valid("json");
      const items = Array.isArray(pushed) ? pushed : [pushed];
      const directory = feed();
      const read = await readPushedPhones(
        items.map(({ referrerId, referral }, index) => ({ referrerId, phone: referral.phone, path: Array.isArray(pushed) ? `${index}.referral.phone` : "referral.phone" })),
        phones(),
      );
      await directory.upsertReferrals(
        items.map(({ referrerId, referral }, index) => ({
          userId: referral.userId,
          referrerId,
          phone: read[index]!,
          name: referral.name,
          language: referral.language ?? null,
          createdAt: referral.createdAt ?? null,
          paid: referral.paid ?? false,
          paymentLink: referral.paymentLink ?? null,
        })),
      );
      return c.json(Array.isArray(pushed) ? { ok: true as const, upserted: items.length } : { ok: true as const });
    },
  );

  app.post(
    "/jobs/enrollment/run",
    internal({ summary: "Run enrollment now (joins a run in progress)", responses: { 200: answer("result", res.EnrollmentRunResponse) } }),
    async (c) => c.json(await runJob("enrollment", () => engine.runEnrollment())),
  );

  app.post(
    "/jobs/dispatch/run",
    internal({
      summary: "Run dispatch now (joins a run in progress)",
      description: "A run the storage cut short answers `aborted: true` and `abortReason` with its counts, or 503 `unavailable` when nothing could be done.",
      responses: { 200: answer("result", res.DispatchRunResponse) },
      errors: ["Unavailable"],
    }),
    async (c) => {
      const result = await runJob("dispatch", () => engine.runDispatch());
      await engine.idle();
      const counts = { sent: result.sent, failed: result.failed, deferred: result.deferred, held: result.held, exited: result.exited };
      if (!result.aborted) return c.json(counts);
      // Cut short by the storage: with nothing done, the caller must not read it as "nothing due".
      const done = Object.values(counts).some((n) => n > 0);
      if (!done) throw new ApiError(503, "unavailable", "Dispatch aborted: the storage is unavailable", { aborted: true, ...counts });
      return c.json({ ...counts, aborted: true as const, abortReason: result.abortReason });
    },
  );

  app.post(
    "/jobs/session-keys/run",
    internal({
      summary: "Re-encrypt every stored WhatsApp session with the current WHATSAPP_SESSION_SECRET; reports the blobs still on an old key (0: the old secret can be removed)",
      responses: { 200: answer("report", res.SessionKeysRunResponse) },
    }),
    async (c) => c.json(await services.reencryptSessions()),
  );

  app.post(
    "/jobs/retention/run",
    internal({ summary: "Run the retention job now: contacts of targets ended RELANCE_RETENTION_DAYS ago are purged", responses: { 200: answer("result", res.RetentionRunResponse) } }),
    async (c) => c.json(await runJob("retention", () => engine.runRetention())),
  );

  // The listening job: with RELANCE_JOBS=off, whoever drives the jobs must call it too, or a STOP
  // sent while nothing is due waits for the next due message.
  app.post(
    "/jobs/listen/run",
    internal({
      summary: "Run the listening job now: sessions of referrers with active targets made ready, replies read (joins a run in progress)",
      responses: { 200: answer("result", res.ListenRunResponse) },
    }),
    async (c) => {
      const result = await runJob("listen", () => engine.runListen());
      await engine.idle();
      return c.json(result);
    },
  );
  return app;
}
