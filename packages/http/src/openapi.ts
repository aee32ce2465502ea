import { z } from "zod";
import * as schemas from "./app/schemas.js";

const json = (schema: z.ZodType) => ({ content: { "application/json": { schema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) } } });
const ok = (description: string) => ({ "200": { description } });
const errors = {
  "400": { description: "invalid_request" },
  "401": { description: "unauthorized" },
  "403": { description: "forbidden / subscription_required" },
  "404": { description: "not_found" },
  "409": { description: "conflict" },
  "413": { description: "payload_too_large" },
};
const jwt = [{ bearerJwt: [] }];
const service = [{ serviceSecret: [], serviceName: [] }];

/** OpenAPI 3.1 description of the API; request bodies come from the same zod schemas that validate them. */
export function openApiDocument() {
  const op = (summary: string, security: object[] | undefined, body?: z.ZodType, responses: object = ok("OK")) => ({
    summary,
    ...(security ? { security } : {}),
    ...(body ? { requestBody: { required: false, ...json(body) } } : {}),
    responses: { ...responses, ...errors },
  });
  const p = "/api/relance";
  return {
    openapi: "3.1.0",
    info: { title: "Relance API", version: "0.1.0", description: "WhatsApp follow-up sequences for a referral platform. Errors: {error: {code, message, details?}}." },
    components: {
      securitySchemes: {
        bearerJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT (HS256; sub, role, exp)" },
        serviceSecret: { type: "http", scheme: "bearer", description: "RELANCE_SERVICE_SECRET" },
        serviceName: { type: "apiKey", in: "header", name: "X-Service-Name" },
      },
    },
    paths: {
      [`${p}/connect`]: { post: op("Link WhatsApp by QR or pairing code", jwt, schemas.ConnectBody) },
      [`${p}/status`]: { get: op("Link status, pauses, limits", jwt) },
      [`${p}/status/events`]: { get: op("Server-sent events: status, qr", jwt, undefined, { "200": { description: "text/event-stream" } }) },
      [`${p}/disconnect`]: { post: op("Disconnect (logout deletes the session)", jwt, schemas.DisconnectBody) },
      [`${p}/config`]: { patch: op("Pauses, time zone, send window", jwt, schemas.ConfigPatchBody) },
      [`${p}/targets`]: { get: op("The caller's targets, by cursor pages", jwt) },
      [`${p}/stats`]: { get: op("The caller's stats", jwt) },
      [`${p}/admin/messages`]: {
        get: op("Day messages", jwt),
        post: op("Upsert a day message", jwt, schemas.MessageBody, { "200": { description: "replaced" }, "201": { description: "created" } }),
      },
      [`${p}/admin/messages/{dayNumber}`]: {
        put: op("Replace a day message", jwt, schemas.MessageWithoutDayBody),
        delete: op("Delete a day message", jwt, undefined, { "204": { description: "deleted" } }),
      },
      [`${p}/admin/messages/preview`]: { post: op("Render a day message", jwt, schemas.PreviewBody) },
      [`${p}/admin/stats`]: { get: op("Stats over all referrers", jwt) },
      [`${p}/internal/exit-user`]: { post: op("A referral paid: stop every loop", service, schemas.ExitUserBody) },
      [`${p}/internal/subscriptions`]: { post: op("Referrer subscription (push directory)", service, schemas.SubscriptionBody) },
      [`${p}/internal/referrals`]: { post: op("Upsert a referral (push directory)", service, schemas.ReferralBody) },
      [`${p}/internal/jobs/enrollment/run`]: { post: op("Run enrollment now", service) },
      [`${p}/internal/jobs/dispatch/run`]: { post: op("Run dispatch now", service) },
      [`${p}/sandbox/link`]: { post: op("Sandbox: the phone scans the QR", undefined, schemas.SandboxLinkBody) },
      [`${p}/sandbox/drop`]: { post: op("Sandbox: connection lost / logged out", undefined, schemas.SandboxDropBody) },
      [`${p}/sandbox/numbers`]: { post: op("Sandbox: number on WhatsApp or not", undefined, schemas.SandboxNumberBody) },
      [`${p}/sandbox/inbound`]: { post: op("Sandbox: a referral replies", undefined, schemas.SandboxInboundBody) },
      [`${p}/sandbox/outbox`]: { get: op("Sandbox: what was sent", undefined) },
      [`${p}/sandbox/clock`]: { post: op("Sandbox: move the service clock", undefined, schemas.SandboxClockBody) },
      "/health": { get: { summary: "Liveness", responses: ok("ok") } },
      "/ready": { get: { summary: "Readiness (storage, scheduler)", responses: { ...ok("ready"), "503": { description: "not ready" } } } },
      "/metrics": { get: { summary: "Prometheus metrics", responses: ok("text/plain") } },
    },
  };
}
