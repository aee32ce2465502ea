import type { Delivery, MessageDefinition, Target } from "@relance/core";

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
export function presentTarget(target: Target) {
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

export function presentMessage(message: MessageDefinition) {
  return {
    dayNumber: message.dayNumber,
    messageTemplate: message.messageTemplate,
    mediaUrls: message.mediaUrls,
    active: message.active,
    ...(message.variants && message.variants.length > 0 ? { defaultWeight: message.defaultWeight ?? 1, variants: message.variants } : {}),
    ...(message.updatedAt ? { updatedAt: message.updatedAt.toISOString() } : {}),
  };
}
