import { z } from "zod";
import * as req from "../app/schemas.js";
import * as res from "../app/response-schemas.js";
import type { RouteDoc } from "./describe.js";
import { ASSETS } from "../pages/assets.js";

// One description per route, from the very schemas the handlers validate with (`req`) and the
// shapes they answer (`res`). Routes attach them with `documented(...)`.

const STATUS_EXAMPLE = (res.StatusResponse.meta()?.examples as unknown[] | undefined)?.[0];
// Generic, so that each operation keeps its own schemas' types: handlers read their input with them.
type Own = Omit<RouteDoc, "tags" | "security">;
const referrer = <D extends Own>(doc: D) => ({ tags: ["referrer"], security: "jwt" as const, ...doc });
const admin = <D extends Own>(doc: D) => ({ tags: ["admin"], security: "admin" as const, ...doc });
const internal = <D extends Own>(doc: D) => ({ tags: ["internal"], security: "service" as const, ...doc });
const sandbox = <D extends Own>(doc: D) => ({ tags: ["sandbox"], security: "none" as const, errors: ["NotFound"], ...doc });
const operations = <D extends Own>(doc: D) => ({ tags: ["operations"], security: "none" as const, ...doc });

const message = {
  dayNumber: 1,
  messageTemplate: { fr: "Bonjour {{firstName}}, votre lien : {{paymentLink}}", en: "Hi {{firstName}}, your link: {{paymentLink}}" },
  mediaUrls: [{ url: "https://cdn.example.com/offer.jpg", type: "image", language: "both" }],
  active: true,
};

export const OPERATIONS = {
  connect: referrer({
    summary: "Link WhatsApp by QR code or pairing code",
    description:
      "Answers within RELANCE_CONNECT_WAIT_MS (2 s): the QR, the pairing code, or `connected` when already linked (200); " +
      "202 with the Status while the transport is still getting there (the QR then arrives on /status/events); 502 link_failed with the reason when the attempt failed.",
    body: { schema: req.ConnectBody, required: false, example: { method: "qr" } },
    responses: {
      "200": { description: "pending_qr, pending_pairing or connected", schema: res.ConnectResponse },
      "202": { description: "still linking: the Status (status connecting)", ref: "Status", example: { ...(STATUS_EXAMPLE as object), status: "connecting", phone: null } },
    },
    errors: ["SubscriptionRequired", "Conflict", "LinkFailed", "TooManyRequests", "Unavailable"],
  }),
  status: referrer({ summary: "The referrer's link status, settings and today's count", responses: { "200": { description: "Status", ref: "Status", example: STATUS_EXAMPLE } } }),
  statusEvents: referrer({
    summary: "Server-sent events: `status` (a Status) at once and on every change, `qr` ({text, dataUrl}) on every new QR",
    description:
      "A bearer token, or the connect page's cookie (no token in the URL). The stream closes when the token expires; at most RELANCE_SSE_MAX_PER_USER streams per account (429 too_many_streams).",
    errors: ["TooManyRequests"],
    responses: { "200": { description: "text/event-stream", media: "text/event-stream", example: 'event: status\ndata: {"status":"pending_qr",...}\n\n' } },
  }),
  connectLink: referrer({
    summary: "A short-lived link to the connect page, to send by SMS or e-mail",
    description:
      "Mints a purpose-bound, single-use token (aud relance-connect, a jti, 10 minutes) for the caller: the connect page exchanges it once for an HttpOnly cookie good only for that page's calls (status, its stream, connect, disconnect without logout); it is refused on every API route.",
    responses: { "200": { description: "the link and when it stops working", schema: res.ConnectLinkResponse } },
    errors: ["TooManyRequests"],
  }),
  disconnect: referrer({
    summary: "Disconnect WhatsApp (logout also deletes the stored session)",
    body: { schema: req.DisconnectBody, required: false, example: { logout: false } },
    responses: { "200": { description: "Status after the disconnect", ref: "Status" } },
  }),
  config: referrer({
    summary: "Pauses, time zone, send window",
    description: "The send window's start and end must differ (00:00-23:59 is the whole day); start after end spans midnight.",
    body: { schema: req.ConfigPatchBody, example: { sendingPaused: false, timezone: "Europe/Paris", sendWindow: { start: "09:00", end: "19:30" } } },
    responses: { "200": { description: "Status with the change applied", ref: "Status" } },
  }),
  targets: referrer({
    summary: "The caller's targets, a page at a time",
    description: "A cursor is only valid with the listing that returned it (same user and status filter); any other is a 400.",
    query: req.TargetsQuery,
    responses: { "200": { description: "a page of targets", schema: res.TargetPageResponse } },
  }),
  stats: referrer({ summary: "The caller's stats", responses: { "200": { description: "stats", ref: "Stats" } } }),

  adminTargets: admin({
    summary: "Every referrer's targets, searchable by referrer and status, a page at a time (admin console)",
    description: "A cursor is only valid with the listing that returned it (same referrer and status filter); any other is a 400.",
    query: req.AdminTargetsQuery,
    responses: { "200": { description: "a page of targets", schema: res.TargetPageResponse } },
  }),
  adminSenders: admin({
    summary: "Linked senders with their status and health (at risk first, then degraded), for the admin console",
    responses: { "200": { description: "the senders", schema: z.object({ items: z.array(res.StatusResponse.extend({ referrerUserId: z.string() })) }) } },
  }),
  adminFunnel: admin({
    summary: "Targets enrolled and messages sent per day, for the admin console's funnel",
    query: req.FunnelQuery,
    responses: { "200": { description: "the funnel", schema: z.object({ enrolled: z.number().int(), sentByDay: z.record(z.string(), z.number().int()) }) } },
  }),
  listMessages: admin({ summary: "Day messages, by dayNumber", responses: { "200": { description: "every day message", schema: res.MessageListResponse } } }),
  upsertMessage: admin({
    summary: "Create or replace a day message (upsert by dayNumber)",
    body: { schema: req.MessageBody, example: message },
    responses: { "200": { description: "replaced", schema: res.MessageResponse }, "201": { description: "created", schema: res.MessageResponse, example: message } },
  }),
  replaceMessage: admin({
    summary: "Replace a day message",
    path: req.DayNumberParams,
    body: { schema: req.MessageWithoutDayBody, example: { messageTemplate: message.messageTemplate } },
    responses: { "200": { description: "the stored message", schema: res.MessageResponse } },
    errors: ["NotFound"],
  }),
  deleteMessage: admin({ summary: "Delete a day message", path: req.DayNumberParams, responses: { "204": { description: "deleted" } }, errors: ["NotFound"] }),
  previewMessage: admin({
    summary: "Render a day message with variables",
    body: { schema: req.PreviewBody, example: { dayNumber: 1, language: "fr", variables: { firstName: "Léa", paymentLink: "https://pay.example.com/x" } } },
    responses: { "200": { description: "the rendered text and the media sent with it", schema: res.PreviewResponse } },
    errors: ["NotFound"],
  }),
  globalStats: admin({ summary: "Stats over all referrers", responses: { "200": { description: "stats", ref: "Stats" } } }),
  getSettings: admin({ summary: "Service-wide settings: the holdout share", responses: { "200": { description: "Settings", schema: res.SettingsResponse } } }),
  updateSettings: admin({
    summary: "Change service-wide settings (the holdout share applies to targets enrolled from now on)",
    description: "holdoutPercent p (0 to 50): p % of new targets, chosen by their referral id, are never messaged; the stats' lift compares them with the others. A target keeps its group.",
    body: { schema: req.SettingsPatchBody, example: { holdoutPercent: 10 } },
    responses: { "200": { description: "Settings after the change", schema: res.SettingsResponse } },
  }),

  exitUser: internal({
    summary: "A referral paid (or is taken out): every loop of theirs stops; idempotent",
    body: { schema: req.ExitUserBody, example: { userId: "user-42", reason: "paid" } },
    responses: { "200": { description: "targets exited", schema: res.ExitUserResponse } },
  }),
  eraseUser: internal({
    summary: "GDPR erasure: a person's data removed everywhere (targets, directory records, referrer config and WhatsApp session); the do-not-contact hash stays",
    body: { schema: req.EraseUserBody, example: { userId: "user-42" } },
    responses: { "200": { description: "what was removed", schema: res.EraseUserResponse } },
  }),
  subscriptions: internal({
    summary: "A referrer's relance subscription (push directory)",
    body: { schema: req.SubscriptionBody, example: { userId: "referrer-7", active: true, name: "Jean Martin", phone: "+33612345678" } },
    responses: { "200": { description: "stored", schema: res.OkResponse } },
    errors: ["Conflict"],
  }),
  referrals: internal({
    summary: "Upsert one referral, or a batch of up to 1,000 (push directory)",
    description:
      "The body is one `{referrerId, referral}` or an array of 1 to 1,000 of them (a feed's batch, answered with `upserted`). Without `createdAt`, a referral already stored keeps its own and a new one gets now; the cost does not grow with the referrer's history.",
    body: {
      schema: req.ReferralPushBody,
      example: { referrerId: "referrer-7", referral: { userId: "user-42", phone: "+33698765432", name: "Léa Dupont", language: "fr", createdAt: "2026-01-05T08:00:00Z", paid: false } },
    },
    responses: { "200": { description: "stored", schema: res.ReferralPushResponse } },
    errors: ["Conflict"],
  }),
  runEnrollment: internal({ summary: "Run enrollment now (joins a run in progress)", responses: { "200": { description: "result", schema: res.EnrollmentRunResponse } } }),
  runDispatch: internal({
    summary: "Run dispatch now (joins a run in progress)",
    description: "A run the storage cut short answers `aborted: true` and `abortReason` with its counts, or 503 `unavailable` when nothing could be done.",
    responses: { "200": { description: "result", schema: res.DispatchRunResponse } },
    errors: ["Unavailable"],
  }),
  runSessionKeys: internal({
    summary: "Re-encrypt every stored WhatsApp session with the current WHATSAPP_SESSION_SECRET; reports the blobs still on an old key (0: the old secret can be removed)",
    responses: { "200": { description: "report", schema: res.SessionKeysRunResponse } },
  }),
  runRetention: internal({
    summary: "Run the retention job now: contacts of targets ended RELANCE_RETENTION_DAYS ago are purged",
    responses: { "200": { description: "result", schema: res.RetentionRunResponse } },
  }),
  runListen: internal({
    summary: "Run the listening job now: sessions of referrers with active targets made ready, replies read (joins a run in progress)",
    responses: { "200": { description: "result", schema: res.ListenRunResponse } },
  }),

  sandboxLink: sandbox({ summary: "The simulated phone scans the QR", body: { schema: req.SandboxLinkBody, example: { userId: "referrer-7", phone: "+33612345678" } }, responses: { "200": { description: "Status, connected", ref: "Status" } } }),
  sandboxDrop: sandbox({ summary: "Connection lost, or logged out from the phone", body: { schema: req.SandboxDropBody, example: { userId: "referrer-7", loggedOut: false } }, responses: { "200": { description: "Status after the drop", ref: "Status" } } }),
  sandboxNumbers: sandbox({ summary: "A number is on WhatsApp or not", body: { schema: req.SandboxNumberBody, example: { phone: "+33698765432", onWhatsApp: false } }, responses: { "200": { description: "stored", schema: res.OkResponse } } }),
  sandboxInbound: sandbox({ summary: "A referral replies", body: { schema: req.SandboxInboundBody, example: { from: "+33698765432", to: "+33612345678", text: "STOP" } }, responses: { "200": { description: "handled", schema: res.OkResponse } } }),
  sandboxOutbox: sandbox({ summary: "What was sent, oldest first", query: req.SandboxOutboxQuery, responses: { "200": { description: "one item per day's message", schema: res.OutboxResponse } } }),
  sandboxClock: sandbox({ summary: "Move the service's clock", body: { schema: req.SandboxClockBody, example: { advanceMs: 86400000 } }, responses: { "200": { description: "the new time", schema: res.ClockResponse } } }),
  sandboxPopulation: sandbox({
    summary: "How the simulated recipients behave",
    description:
      "After each message: a delivered receipt (probability `delivered`), then read (`read`), a reply that is not a STOP (`reply`), " +
      "each timed by the service's clock. Over a sequence's length an enrolled referral (holdout included) pays, exiting `paid`, with " +
      "probability `pay.messaged` if it received a message by then, else `pay.notMessaged`, on a day drawn uniformly over the sequence. " +
      "Deterministic for a `seed`. Without `referrerId`: every referrer's default.",
    body: { schema: req.SandboxPopulationBody, example: { delivered: 0.95, read: 0.7, reply: 0.05, pay: { messaged: 0.25, notMessaged: 0.1 }, seed: 42 } },
    responses: { "200": { description: "applied", schema: res.OkResponse } },
  }),

  health: operations({ summary: "Liveness", responses: { "200": { description: "alive", schema: res.HealthResponse } } }),
  ready: operations({
    summary: "Readiness: storage and scheduler",
    responses: { "200": { description: "ready", schema: res.ReadyResponse }, "503": { description: "not ready", schema: res.ReadyResponse } },
  }),
  metrics: { ...operations({ summary: "Prometheus metrics (service secret; or unauthenticated on RELANCE_METRICS_PORT)", responses: { "200": { description: "Prometheus text format", media: "text/plain" } } }), security: "service" },
  openapi: operations({ summary: "This document", responses: { "200": { description: "OpenAPI 3.1", schema: z.record(z.string(), z.unknown()) } } }),
  homePage: operations({ summary: "A small page linking the connect page, the admin console and this document", responses: { "200": { description: "HTML page", media: "text/html" } } }),
  adminPage: operations({
    summary: "The admin console: day messages with preview, funnel and conversions charts, the measured lift (holdout) chart and share, targets search",
    query: z.object({ token: z.string().optional().describe("never taken (security review 2, L12: an address is kept by proxies and access logs): the token is dropped from the address, no cookie is set, and the page asks for its form (POST /admin); `?signout=1` clears the cookie") }),
    validates: false,
    responses: { "200": { description: "HTML page", media: "text/html" }, "303": { description: "`?token=` dropped (to `?notice=token-in-url`, no cookie), or `?signout=1` done: the clean address" } },
  }),
  adminSignIn: operations({
    summary: "The admin console's sign-in form: a pasted admin JWT (form field `token`), exchanged for the HttpOnly cookie",
    description: "application/x-www-form-urlencoded, from the console's own page only (Sec-Fetch-Site same-origin; 403 otherwise). The token never goes through a URL.",
    validates: false,
    responses: {
      "200": { description: "the console's page, when the form held no token", media: "text/html" },
      "303": { description: "the token was exchanged for a cookie (or refused: ?expired=1): the console's address" },
    },
  }),
  pageAsset: operations({
    summary: "Scripts, styles and the charting library of the pages, served locally",
    description: "Scripts are served as text/javascript, the stylesheet as text/css (both charset=utf-8); any other name is a 404.",
    path: z.object({ name: z.enum(Object.keys(ASSETS) as [string, ...string[]]) }),
    validates: false,
    responses: { "200": { description: "the asset", media: [...new Set(Object.values(ASSETS).map((asset) => asset.type.split(";")[0]!))] } },
    errors: ["NotFound"],
  }),
  favicon: operations({
    summary: "The icon browsers ask for on their own: none (204), so that it is no 404 in their console or in the logs",
    responses: { "204": { description: "no icon; browsers keep it a day" } },
  }),
  connectPage: operations({
    summary: "The page a referrer opens to link WhatsApp (pairing code or QR, live status)",
    query: z.object({ token: z.string().optional().describe("a single-use connect link's token (POST /connect-link), exchanged once for an HttpOnly cookie (the page then redirects to its clean address)") }),
    validates: false,
    responses: { "200": { description: "HTML page", media: "text/html" }, "303": { description: "the token was exchanged for a cookie: the clean address" } },
  }),
} satisfies Record<string, RouteDoc>;
