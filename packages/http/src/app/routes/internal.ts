import { Hono } from "hono";
import { documented, inputOf } from "../../openapi/describe.js";
import { OPERATIONS as doc } from "../../openapi/operations.js";
import { requireService, type AuthVariables } from "../auth.js";
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

  app.post("/exit-user", documented(doc.exitUser), async (c) => {
    const { body } = inputOf(c, doc.exitUser);
    return c.json(await engine.exitUser(body.userId, body.reason ?? "paid"));
  });

  app.post("/erase-user", documented(doc.eraseUser), async (c) => {
    const { body } = inputOf(c, doc.eraseUser);
    return c.json(await engine.eraseUser(body.userId, body.phone ? { phones: [body.phone] } : {}));
  });

  app.post("/subscriptions", documented(doc.subscriptions), async (c) => {
    const { body } = inputOf(c, doc.subscriptions);
    const directory = feed();
    // The referrer's own number: read in the default country (it is what reads their referrals').
    const phone = typeof body.phone === "string" ? (await readPushedPhones([{ referrerId: null, phone: body.phone, path: "phone" }], phones()))[0] : body.phone;
    await directory.setSubscription({ ...body, phone });
    return c.json({ ok: true });
  });

  // One referral, or a feed's batch (an array of the same bodies); the directory keeps a known
  // referral's createdAt when none is given, reading only that referral.
  app.post("/referrals", documented(doc.referrals), async (c) => {
    const { body } = inputOf(c, doc.referrals);
    const items = Array.isArray(body) ? body : [body];
    const directory = feed();
    const read = await readPushedPhones(
      items.map(({ referrerId, referral }, index) => ({ referrerId, phone: referral.phone, path: Array.isArray(body) ? `${index}.referral.phone` : "referral.phone" })),
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
    return c.json(Array.isArray(body) ? { ok: true, upserted: items.length } : { ok: true });
  });

  app.post("/jobs/enrollment/run", documented(doc.runEnrollment), async (c) => c.json(await runJob("enrollment", () => engine.runEnrollment())));

  app.post("/jobs/dispatch/run", documented(doc.runDispatch), async (c) => {
    const result = await runJob("dispatch", () => engine.runDispatch());
    await engine.idle();
    const counts = { sent: result.sent, failed: result.failed, deferred: result.deferred, held: result.held, exited: result.exited };
    if (!result.aborted) return c.json(counts);
    // Cut short by the storage: with nothing done, the caller must not read it as "nothing due".
    const done = Object.values(counts).some((n) => n > 0);
    if (!done) throw new ApiError(503, "unavailable", "Dispatch aborted: the storage is unavailable", { aborted: true, ...counts });
    return c.json({ ...counts, aborted: true, abortReason: result.abortReason });
  });

  app.post("/jobs/session-keys/run", documented(doc.runSessionKeys), async (c) => c.json(await services.reencryptSessions()));

  app.post("/jobs/retention/run", documented(doc.runRetention), async (c) => c.json(await runJob("retention", () => engine.runRetention())));

  // The listening job: with RELANCE_JOBS=off, whoever drives the jobs must call it too, or a STOP
  // sent while nothing is due waits for the next due message.
  app.post("/jobs/listen/run", documented(doc.runListen), async (c) => {
    const result = await runJob("listen", () => engine.runListen());
    await engine.idle();
    return c.json(result);
  });
  return app;
}
