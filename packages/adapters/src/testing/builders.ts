import type { Delivery, MessageDefinition, ReferrerConfig, Target } from "@relance/core";

/** A fixed instant with milliseconds, so precision loss in a backend shows up in assertions. */
export const T0 = new Date("2026-01-05T10:00:00.123Z");

/** `T0` shifted by `ms`. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

// Builders return fresh Dates, so a test may mutate what they return without touching `T0`.
let sequence = 0;

/** Zero-padded so that ids sort as strings in creation order, like the real ids ("ids only grow"). */
function nextNumber(): string {
  sequence += 1;
  return String(sequence).padStart(6, "0");
}

export function makeTarget(overrides: Partial<Target> = {}): Target {
  const n = nextNumber();
  return {
    id: `target-${n}`,
    referrerUserId: "referrer-1",
    referralUserId: `referral-${n}`,
    status: "active",
    currentDay: 1,
    nextMessageDue: new Date(T0),
    language: "fr",
    contact: { phone: `+336${n.padStart(8, "0")}`, name: `Referral ${n}`, paymentLink: `https://pay.example/${n}` },
    messagesDelivered: [],
    failedAttempts: 0,
    lastSentDay: null,
    enteredLoopAt: new Date(T0),
    exitedLoopAt: null,
    exitReason: null,
    claim: null,
    revision: 0,
    updatedAt: new Date(T0),
    ...overrides,
  };
}

export function makeDelivery(overrides: Partial<Delivery> = {}): Delivery {
  return { day: 1, sentAt: new Date(T0), status: "sent", messageId: `msg-${nextNumber()}`, ...overrides };
}

export function makeConfig(overrides: Partial<ReferrerConfig> = {}): ReferrerConfig {
  return {
    referrerUserId: "referrer-1",
    enabled: true,
    enrollmentPaused: false,
    sendingPaused: false,
    timezone: "Europe/Paris",
    sendWindow: { start: "08:00", end: "20:00" },
    whatsapp: { status: "connected", phone: "+33600000001", linkedAt: new Date(T0), lastError: null, updatedAt: new Date(T0) },
    failureNotifiedAt: null,
    restriction: null,
    disconnectedByReferrerAt: null,
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    ...overrides,
  };
}

export function makeMessage(overrides: Partial<MessageDefinition> = {}): MessageDefinition {
  return {
    dayNumber: 1,
    messageTemplate: { fr: "Bonjour {{firstName}}, jour {{day}}/{{totalDays}}", en: "Hello {{firstName}}, day {{day}}" },
    mediaUrls: [{ url: "https://cdn.example/day.jpg", type: "image", language: "both", caption: "Jour" }],
    active: true,
    updatedAt: new Date(T0),
    ...overrides,
  };
}
