import { z } from "zod";
import { DELIVERY_STATUS_RANK, EXIT_REASONS, LINK_STATUSES, MEDIA_TYPES, ON_REPLY_MODES, TARGET_STATUSES } from "@relance/core";

// What the API answers, as the presenters and the engine produce it: the OpenAPI document's
// response schemas, and what the API document test checks real answers against.
const enumOf = (values: readonly string[]) => z.enum(values as [string, ...string[]]);
const timestamp = z.string().meta({ format: "date-time", examples: ["2026-01-05T08:00:00.000Z"] });
const count = z.number().int().min(0);

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "snake_case: invalid_request, unauthorized, forbidden, subscription_required, not_found, conflict, payload_too_large, headers_too_large, link_failed, internal, unavailable" }),
      message: z.string().meta({ description: "for a human" }),
      details: z.unknown().optional().meta({ description: "for invalid_request: [{path, message}] per field" }),
    }),
  })
  .meta({ examples: [{ error: { code: "invalid_request", message: "Invalid request body", details: [{ path: "phone", message: "must be an E.164 phone number such as +33612345678" }] } }] });

export const SendWindowResponse = z.object({ start: z.string().meta({ examples: ["08:00"] }), end: z.string().meta({ examples: ["20:00"] }) });

export const StatusResponse = z
  .object({
    status: enumOf(LINK_STATUSES),
    phone: z.string().nullable(),
    enabled: z.boolean(),
    enrollmentPaused: z.boolean(),
    sendingPaused: z.boolean(),
    messagesSentToday: count,
    dailyLimit: count,
    timezone: z.string(),
    sendWindow: SendWindowResponse,
    onReply: enumOf(ON_REPLY_MODES).meta({ description: "what a reply (not a STOP) does to a referral's sequence" }),
    reason: z.string().nullable().meta({ description: "why the link is not connected, as the transport last said; null when connected" }),
    restriction: z
      .object({ reason: z.string(), until: timestamp.nullable().meta({ description: "when WhatsApp said it ends; null when unknown" }) })
      .nullable()
      .meta({ description: "set while WhatsApp restricts the account: relances wait until it ends" }),
    health: z
      .object({
        state: z.enum(["good", "degraded", "at_risk"]),
        reason: z.string().nullable(),
        deliveredShare: z.number().min(0).max(1).nullable().meta({ description: "share of recent messages delivered after some hours; null before any could be judged" }),
      })
      .meta({ description: "how WhatsApp treats the account, from its own receipts and restrictions: degraded halves the day's cap, at_risk holds the relances until receipts recover or a cool-down ends (docs/account-safety.md)" }),
    newChatQuota: z
      .object({ remaining: count, resetsAt: timestamp.nullable().meta({ description: "when the quota's cycle ends; null when WhatsApp did not say" }) })
      .nullable()
      .meta({ description: "what remains of the account's quota of messages to people who never answered it, where WhatsApp reports one (Baileys); first contacts never exceed it. null otherwise" }),
    dayStartsAt: z.string().meta({ description: "local HH:MM at which this sender's day starts: its own stable offset in the send window", examples: ["09:47"] }),
  })
  .meta({
    examples: [
      {
        status: "connected",
        phone: "+33612345678",
        enabled: true,
        enrollmentPaused: false,
        sendingPaused: false,
        messagesSentToday: 12,
        dailyLimit: 100,
        timezone: "Europe/Paris",
        sendWindow: { start: "08:00", end: "20:00" },
        onReply: "stop",
        reason: null,
        restriction: null,
        health: { state: "good", reason: null, deliveredShare: 0.97 },
        newChatQuota: { remaining: 37, resetsAt: "2026-02-01T00:00:00.000Z" },
        dayStartsAt: "09:47",
      },
    ],
  });

const QrResponse = z.object({ text: z.string(), dataUrl: z.string().meta({ description: "data:image/png;base64,..." }) });

export const ConnectResponse = z
  .discriminatedUnion("status", [
    z.object({ status: z.literal("pending_qr"), qr: QrResponse }),
    z.object({ status: z.literal("pending_pairing"), pairingCode: z.string().nullable() }),
    z.object({ status: z.literal("connected"), phone: z.string().nullable() }),
  ])
  .meta({ examples: [{ status: "pending_qr", qr: { text: "2@AbCdEf...", dataUrl: "data:image/png;base64,iVBORw0KGgo..." } }] });

const MediaResponse = z.object({
  url: z.string(),
  type: enumOf(MEDIA_TYPES),
  language: z.string().meta({ description: "a language code, or both" }),
  caption: z.string().optional(),
});

const DeliveryResponse = z.object({
  day: z.number().int(),
  sentAt: timestamp,
  status: enumOf(Object.keys(DELIVERY_STATUS_RANK)),
  variant: z.string().optional().meta({ description: "the key of the day's variant that was sent; absent when the day had none" }),
  errorMessage: z.string().optional(),
  deliveredAt: timestamp.optional(),
  readAt: timestamp.optional(),
});

export const ConnectLinkResponse = z.object({
  url: z.string().meta({ examples: ["https://relance.example.com/connect?token=eyJ…"] }),
  expiresAt: z.string().meta({ examples: ["2026-05-04T10:10:00.000Z"] }),
});

export const TargetResponse = z.object({
  id: z.string(),
  referralUserId: z.string(),
  referrerUserId: z.string(),
  status: enumOf(TARGET_STATUSES),
  currentDay: z.number().int(),
  nextMessageDue: timestamp.nullable(),
  enteredLoopAt: timestamp,
  exitedLoopAt: timestamp.nullable(),
  exitReason: enumOf(EXIT_REASONS).nullable(),
  language: z.string(),
  holdout: z.boolean().meta({ description: "true for a target of the holdout group (never messaged), for its whole life" }),
  messagesDelivered: z.array(DeliveryResponse),
});

export const TargetPageResponse = z.object({
  items: z.array(TargetResponse),
  nextCursor: z.string().nullable().meta({ description: "opaque; pass it back as `cursor` with the same `status` filter" }),
});

const GroupRateResponse = z.object({
  targets: count,
  converted: count.meta({ description: "paid within the sequence's length" }),
  rate: z.number().min(0).max(1).meta({ description: "converted / targets, a fraction (0 while the group is empty)" }),
});
const Interval = z.tuple([z.number(), z.number()]);

export const LiftResponse = z
  .object({
    treated: GroupRateResponse,
    holdout: GroupRateResponse,
    absolute: z.number().nullable().meta({ description: "treated rate − holdout rate; null while a group is empty" }),
    relative: z.number().nullable().meta({ description: "absolute / holdout rate; null while that rate is 0" }),
    ci95: Interval.nullable().meta({ description: "95 % interval on absolute (Newcombe's hybrid score); null while a group has fewer than 30 targets" }),
    byDay: z
      .array(z.object({ day: z.number().int().min(1), treated: z.number(), holdout: z.number(), absolute: z.number().nullable(), ci95: Interval.nullable() }))
      .meta({ description: "each group's cumulative conversion rate by the loop's day (1 = the first 24 h), with the lift then" }),
  })
  .meta({ description: "the measured lift: targets enrolled while a holdout was set, treated against held out" });

export const SettingsResponse = z
  .object({ holdoutPercent: z.number().min(0).max(50).meta({ description: "share (%) of new targets held out (never messaged); 0: no holdout" }) })
  .meta({ examples: [{ holdoutPercent: 10 }] });

export const StatsResponse = z
  .object({
    enrolled: count,
    active: count,
    completed: count,
    exited: z.partialRecord(enumOf(EXIT_REASONS), count).meta({ description: "exits by reason" }),
    messages: z.object({ sent: count, delivered: count, read: count, failed: count }).meta({ description: "a funnel: every read message was delivered, every delivered one sent" }),
    sentToday: count,
    conversions: z.object({
      total: count.meta({ description: "referrals who paid while in the loop" }),
      byDay: z.record(z.string(), count).meta({ description: "by the day of the last message sent no later than the payment" }),
      byVariant: z
        .record(z.string(), z.record(z.string(), z.object({ sent: count, converted: count })))
        .meta({ description: "per day with variants, per variant key: messages sent, and conversions attributed like byDay" }),
      paidBeforeFirstMessage: count.meta({ description: "paid while in the loop but before any message was sent: in total, under no day" }),
    }),
    lift: LiftResponse,
  })
  .meta({
    examples: [
      {
        enrolled: 40,
        active: 12,
        completed: 20,
        exited: { paid: 5, opted_out: 2, completed_7_days: 20, invalid_number: 1 },
        messages: { sent: 180, delivered: 170, read: 120, failed: 3 },
        sentToday: 9,
        conversions: {
          total: 5,
          byDay: { "1": 2, "3": 2 },
          byVariant: { "1": { default: { sent: 20, converted: 1 }, short: { sent: 20, converted: 1 } } },
          paidBeforeFirstMessage: 1,
        },
        lift: {
          treated: { targets: 32, converted: 5, rate: 0.15625 },
          holdout: { targets: 8, converted: 0, rate: 0 },
          absolute: 0.15625,
          relative: null,
          ci95: null,
          byDay: [{ day: 1, treated: 0.0625, holdout: 0, absolute: 0.0625, ci95: null }],
        },
      },
    ],
  });

export const MessageResponse = z.object({
  dayNumber: z.number().int(),
  messageTemplate: z.record(z.string(), z.string()),
  mediaUrls: z.array(MediaResponse),
  active: z.boolean(),
  defaultWeight: z.number().int().optional().meta({ description: "present with variants" }),
  variants: z
    .array(z.object({ key: z.string(), messageTemplate: z.record(z.string(), z.string()), mediaUrls: z.array(MediaResponse), weight: z.number().int() }))
    .optional(),
  updatedAt: timestamp.optional(),
});

export const MessageListResponse = z.object({ items: z.array(MessageResponse) });
export const PreviewResponse = z.object({ text: z.string(), media: z.array(MediaResponse), language: z.string() });
export const ExitUserResponse = z.object({ exited: count }).meta({ examples: [{ exited: 1 }] });
export const OkResponse = z.object({ ok: z.literal(true) });
/** One referral pushed: `{ok}`; a batch: also how many referrals it stored. */
export const ReferralPushResponse = z.object({ ok: z.literal(true), upserted: z.number().int().min(1).optional() });
export const EnrollmentRunResponse = z.object({ enrolled: count, skipped: count });
export const EraseUserResponse = z
  .object({ targets: count, directoryRecords: count, config: z.boolean(), session: z.boolean() })
  .meta({ examples: [{ targets: 2, directoryRecords: 1, config: false, session: false }] });
export const DispatchRunResponse = z.object({
  sent: count,
  failed: count,
  deferred: count,
  held: count,
  exited: count,
  /** Present when the storage cut the run short after some work (with none done: a 503). */
  aborted: z.literal(true).optional(),
  abortReason: z.string().optional(),
});

export const SessionKeysRunResponse = z.object({ blobs: count, reencrypted: count, byKey: z.record(z.string(), count), onOldKeys: count });
export const RetentionRunResponse = z.object({ purged: count });
export const ListenRunResponse = z.object({ ready: count, skipped: count, failed: count });

export const OutboxResponse = z.object({
  items: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      text: z.string(),
      media: z.array(MediaResponse),
      sentAt: timestamp,
      day: z.number().int(),
      targetId: z.string(),
      messageId: z.string(),
    }),
  ),
});
export const ClockResponse = z.object({ now: timestamp });
export const HealthResponse = z.object({ status: z.literal("ok") });
export const ReadyResponse = z.object({ status: z.enum(["ready", "not_ready"]), checks: z.record(z.string(), z.enum(["up", "down"])) });
