import { createHmac } from "node:crypto";
import type { RelanceOptions, Transport } from "@relance/core";
import { sendWindowOf, type ServiceConfig } from "../config/env.js";

/** The engine's options from the environment (docs/configuration.md names each variable). */
export function engineOptionsOf(config: ServiceConfig, instanceId: string, transport: Transport): Partial<RelanceOptions> {
  return {
    instanceId,
    // A transport that can hold only so many sessions (whatsapp-web.js: one Chromium each)
    // never gets more senders at once than that.
    maxConcurrentSenders: Math.min(config.RELANCE_MAX_CONCURRENT_SESSIONS, transport.capabilities.maxSessions ?? Infinity),
    messageDelayMs: config.RELANCE_MESSAGE_DELAY_MS,
    messageJitterMs: config.RELANCE_MESSAGE_JITTER_MS,
    typingMs: config.RELANCE_TYPING_MS.min,
    typingMaxMs: config.RELANCE_TYPING_MS.max,
    maxMessagesPerDay: config.RELANCE_MAX_MESSAGES_PER_DAY,
    dailyCapRampUp: config.RELANCE_DAILY_CAP_RAMP_UP,
    maxFirstContactsPerDay: config.RELANCE_MAX_FIRST_CONTACTS_PER_DAY,
    firstContactGapMinMs: config.RELANCE_FIRST_CONTACT_GAP_MS.min,
    firstContactGapMaxMs: config.RELANCE_FIRST_CONTACT_GAP_MS.max,
    dayStartSpreadMs: config.RELANCE_DAY_START_SPREAD_MS,
    senderHealth: config.RELANCE_SENDER_HEALTH === "on",
    healthDegradedBelow: config.RELANCE_HEALTH_DEGRADED_BELOW,
    healthAtRiskBelow: config.RELANCE_HEALTH_AT_RISK_BELOW,
    healthDeliveredAfterMs: config.RELANCE_HEALTH_DELIVERED_AFTER_MS,
    healthCoolDownMs: config.RELANCE_HEALTH_COOL_DOWN_MS,
    listenCron: config.RELANCE_LISTEN_CRON,
    defaultTimezone: config.RELANCE_DEFAULT_TIMEZONE,
    defaultSendWindow: sendWindowOf(config),
    retentionDays: config.RELANCE_RETENTION_DAYS,
    contactKey: contactKeyOf(config.secrets.contactKey),
  };
}

/**
 * The do-not-contact list's key for a number: HMAC-SHA256 under RELANCE_CONTACT_KEY_SECRET, so
 * that the list (opt-outs, erasure tombstones) holds no number a copy of the database could read,
 * nor one that can be brute-forced without the secret.
 */
export function contactKeyOf(secret: string): (phone: string) => string {
  return (phone) => `h1:${createHmac("sha256", secret).update(phone).digest("base64url")}`;
}

/** A process's name among the instances sharing a store (leases, claims, logs). */
export function newInstanceId(): string {
  return `${process.env.HOSTNAME ?? "relance"}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
