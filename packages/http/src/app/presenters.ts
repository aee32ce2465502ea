import type { Delivery, MessageDefinition, Target } from "@relance/core";
import type { z } from "zod";
import type { MessageResponse, TargetResponse } from "./response-schemas.js";

// Each presenter answers its response schema (what /openapi.json documents), checked by the
// compiler; test/response-schemas.types.test.ts checks the core's results the engine answers as is.

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

function presentDelivery(delivery: Delivery) {
  return {
    day: delivery.day,
    sentAt: delivery.sentAt.toISOString(),
    status: delivery.status,
    ...(delivery.variant ? { variant: delivery.variant } : {}),
    ...(delivery.errorMessage ? { errorMessage: delivery.errorMessage } : {}),
    ...(delivery.deliveredAt ? { deliveredAt: delivery.deliveredAt.toISOString() } : {}),
    ...(delivery.readAt ? { readAt: delivery.readAt.toISOString() } : {}),
  };
}

/** The contract's `Target`: no claim, contact or revision internals. */
export function presentTarget(target: Target): z.input<typeof TargetResponse> {
  return {
    id: target.id,
    referralUserId: target.referralUserId,
    referrerUserId: target.referrerUserId,
    status: target.status,
    currentDay: target.currentDay,
    nextMessageDue: iso(target.nextMessageDue),
    enteredLoopAt: target.enteredLoopAt.toISOString(),
    exitedLoopAt: iso(target.exitedLoopAt),
    exitReason: target.exitReason,
    language: target.language,
    holdout: target.group === "holdout",
    messagesDelivered: target.messagesDelivered.map(presentDelivery),
  };
}

export function presentMessage(message: MessageDefinition): z.input<typeof MessageResponse> {
  return {
    dayNumber: message.dayNumber,
    messageTemplate: message.messageTemplate,
    mediaUrls: message.mediaUrls,
    active: message.active,
    ...(message.variants && message.variants.length > 0 ? { defaultWeight: message.defaultWeight ?? 1, variants: message.variants } : {}),
    ...(message.updatedAt ? { updatedAt: message.updatedAt.toISOString() } : {}),
  };
}
