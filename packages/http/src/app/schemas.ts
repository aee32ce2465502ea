import { z } from "zod";
import {
  MAX_TEMPLATE_LANGUAGES,
  EXIT_REASONS,
  MAX_DAY_NUMBER,
  MAX_HOLDOUT_PERCENT,
  MAX_VARIANT_WEIGHT,
  MEDIA_TYPES,
  MIN_DAY_NUMBER,
  MIN_VARIANT_WEIGHT,
  ON_REPLY_MODES,
  TARGET_STATUSES,
  VARIANT_KEY_PATTERN,
  isE164,
  isHhMm,
  isValidTimeZone,
} from "@relance/core";

// Objects are strict: an unknown field is refused rather than silently stored, and a value that
// must be a string can never be a MongoDB operator object such as {"$gt": ""}.
const id = z.string().min(1).max(200).regex(/^[^$\s][^\s]*$/, "an identifier (no spaces, not starting with $)");
const phone = z.string().refine(isE164, "must be an E.164 phone number such as +33612345678");
/** A number as the platform stores it (`06 12 34 56 78`, `+33 6…`): read and checked by the route (phone-numbers.ts). */
const writtenPhone = z
  .string()
  .min(1)
  .max(40)
  .meta({ description: "a mobile number: E.164, or national (06 12 34 56 78) read in the referrer's own country, else RELANCE_DEFAULT_COUNTRY" });
const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, "a language code such as fr or en");
const hhmm = z.string().refine(isHhMm, "must be HH:MM (00:00-23:59)");
/** A key the caller chooses in a map: never one of Object.prototype's (the edge refuses them anywhere). */
const callerKey = z.string().regex(/^(?!(?:__proto__|constructor|prototype)$)/, "not __proto__, constructor or prototype");
const timestamp = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
/** One of the core's values, typed as the core's union (its lists are `readonly T[]`). */
const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]]);

/**
 * A decimal integer written the canonical way ("7", never "07", "0x7", " 7" or "7e0"), for path
 * and query values: `Number()` would read all of those as 7.
 */
const decimalInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, `must be a decimal integer from ${min} to ${max}`)
    .meta({ description: `a decimal integer from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`));

/** The shape; its rule (start ≠ end) is the core's `sendWindowIssues`, checked by the use case. */
export const SendWindowSchema = z.object({ start: hhmm, end: hhmm }).strict();

/** The shape; "a pairing code needs the number" is the core's rule (its `ConnectInput` union). */
export const ConnectBody = z.object({ method: z.enum(["qr", "pairing_code"]).optional(), phone: phone.optional() }).strict();

export const DisconnectBody = z.object({ logout: z.boolean().optional() }).strict();

export const ConfigPatchBody = z
  .object({
    enabled: z.boolean().optional(),
    enrollmentPaused: z.boolean().optional(),
    sendingPaused: z.boolean().optional(),
    timezone: z.string().refine(isValidTimeZone, "not an IANA time zone such as Europe/Paris").optional(),
    sendWindow: SendWindowSchema.optional(),
    onReply: oneOf(ON_REPLY_MODES).optional().meta({ description: "what a reply (not a STOP) does: stop (default) ends the sequence, continue keeps it" }),
  })
  .strict();

// Query values are never empty here: the edge refuses `?status=` (invalid, not absent).
export const TargetsQuery = z
  .object({
    status: oneOf(TARGET_STATUSES).optional(),
    limit: decimalInteger(1, 200).optional(),
    cursor: z.string().min(1).max(1000).optional(),
  })
  .strict();

const MediaItem = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    type: oneOf(MEDIA_TYPES),
    language: z.union([z.literal("both"), language]),
    caption: z.string().max(1024).optional(),
  })
  .strict();

const templates = z
  .record(language, z.string().min(1).max(4096))
  .refine((templates) => Object.keys(templates).length > 0, "at least one language")
  .refine((templates) => Object.keys(templates).length <= MAX_TEMPLATE_LANGUAGES, `at most ${MAX_TEMPLATE_LANGUAGES} languages`)
  // The refinements above, said in /openapi.json too.
  .meta({ minProperties: 1, maxProperties: MAX_TEMPLATE_LANGUAGES });
const weight = z.number().int().min(MIN_VARIANT_WEIGHT).max(MAX_VARIANT_WEIGHT);

const VariantBody = z
  .object({
    key: z.string().regex(VARIANT_KEY_PATTERN, "1-20 of a-z 0-9 _ -").refine((key) => key !== "default", '"default" names the day\'s own messageTemplate and mediaUrls'),
    messageTemplate: templates,
    mediaUrls: z.array(MediaItem).max(10).optional(),
    weight: weight.optional().meta({ description: "relative share of the targets, default 1" }),
  })
  .strict();

const messageFields = {
  messageTemplate: templates,
  mediaUrls: z.array(MediaItem).max(10).optional(),
  active: z.boolean().optional(),
  defaultWeight: weight.optional().meta({ description: "weight of the variant `default` (messageTemplate and mediaUrls) beside `variants`; default 1" }),
  variants: z
    .array(VariantBody)
    .max(10)
    .optional()
    .meta({ description: "other wordings of the day; each target gets one per day, at random by weight and stable" }),
  /** Accepted (and ignored) so that a listed message can be sent back as it is. */
  updatedAt: z.string().optional(),
};

export const DayNumber = decimalInteger(MIN_DAY_NUMBER, MAX_DAY_NUMBER);
export const DayNumberParams = z.object({ dayNumber: DayNumber });
export const MessageBody = z.object({ dayNumber: z.number().int().min(MIN_DAY_NUMBER).max(MAX_DAY_NUMBER), ...messageFields }).strict();
export const MessageWithoutDayBody = z.object(messageFields).strict();

export const PreviewBody = z
  .object({
    dayNumber: z.number().int().min(MIN_DAY_NUMBER).max(MAX_DAY_NUMBER),
    language,
    variables: z.record(callerKey, z.union([z.string().max(1000), z.number()])).optional(),
    variant: z.string().max(20).optional().meta({ description: "a variant's key; default: the day's own text (`default`)" }),
    draft: MessageWithoutDayBody.optional().meta({ description: "an unsaved version of the day, validated like a save and rendered instead of the stored one (nothing is stored)" }),
  })
  .strict();

/** `/admin/settings`: any of the service-wide settings. */
export const SettingsPatchBody = z
  .object({
    holdoutPercent: z
      .number()
      .min(0, "must be from 0 to 50")
      .max(MAX_HOLDOUT_PERCENT, "must be from 0 to 50")
      .optional()
      .meta({ description: "share (%) of new targets held out (never messaged) to measure the lift of relances; 0 turns the holdout off" }),
  })
  .strict();

export const ExitUserBody = z.object({ userId: id, reason: z.enum(["paid", "manual"]).optional() }).strict();

/** `phone`: a number the platform knows the person by, kept (as a keyed hash) so it is never messaged again. */
export const EraseUserBody = z.object({ userId: id, phone: phone.optional() }).strict();

export const SubscriptionBody = z
  .object({ userId: id, active: z.boolean(), name: z.string().max(200).optional(), phone: writtenPhone.nullable().optional() })
  .strict();

export const ReferralBody = z
  .object({
    referrerId: id,
    referral: z
      .object({
        userId: id,
        phone: writtenPhone,
        name: z.string().max(200),
        language: language.nullable().optional(),
        createdAt: timestamp.optional(),
        paid: z.boolean().optional(),
        paymentLink: z.url({ protocol: /^https?$/ }).nullable().optional(),
      })
      .strict(),
  })
  .strict();

/** Up to this many referrals in one bulk push (a feed's batch). */
export const REFERRAL_BATCH_MAX = 1_000;
export const ReferralBatchBody = z.array(ReferralBody).min(1).max(REFERRAL_BATCH_MAX);
export const ReferralPushBody = z.union([ReferralBody, ReferralBatchBody]);

export const SandboxLinkBody = z.object({ userId: id, phone }).strict();
export const SandboxDropBody = z.object({ userId: id, loggedOut: z.boolean().optional() }).strict();
export const SandboxNumberBody = z.object({ phone, onWhatsApp: z.boolean() }).strict();
export const SandboxInboundBody = z.object({ from: phone, to: phone, text: z.string().max(4096) }).strict();
export const SandboxOutboxQuery = z.object({ referrerId: id.optional() }).strict();
export const SandboxClockBody = z.union([
  z.object({ advanceMs: z.number().int().min(0).max(366 * 24 * 3_600_000) }).strict(),
  z.object({ now: z.iso.datetime({ offset: true }) }).strict(),
]);
const probability = z.number().min(0).max(1);
/** How the simulated recipients behave (`SandboxPopulation`); every field has a default. */
export const SandboxPopulationBody = z
  .object({
    referrerId: id.optional().meta({ description: "one referrer's recipients; without it, every referrer's default" }),
    delivered: probability.optional().meta({ description: "a delivered receipt after each message (default 1)" }),
    read: probability.optional().meta({ description: "once delivered, a read receipt (default 0.7)" }),
    reply: probability.optional().meta({ description: "once delivered, a reply that is not a STOP (default 0)" }),
    pay: z
      .object({ messaged: probability.optional(), notMessaged: probability.optional() })
      .strict()
      .optional()
      .meta({ description: "over the sequence's length, the referral pays (exit paid): if it received a message by then, else (defaults 0)" }),
    seed: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: "same seed, same outcomes (default 0)" }),
  })
  .strict();

export const EXIT_REASON_VALUES = EXIT_REASONS;

const referrerIdFilter = z.string().min(1).max(200).optional();
/** The admin console's targets search. */
export const AdminTargetsQuery = z.object({ ...TargetsQuery.shape, referrerId: referrerIdFilter }).strict();
export const FunnelQuery = z.object({ referrerId: referrerIdFilter }).strict();
