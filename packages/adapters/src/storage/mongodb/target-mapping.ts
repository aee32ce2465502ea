import type { Delivery, Target, TargetClaim, TargetContact } from "@relance/core";
import type { ClaimDocument, DeliveryDocument, TargetDocument } from "./documents.js";

export function toTargetDocument(target: Target): TargetDocument {
  return {
    _id: target.id,
    referrerUserId: target.referrerUserId,
    referralUserId: target.referralUserId,
    status: target.status,
    currentDay: target.currentDay,
    nextMessageDue: target.nextMessageDue,
    language: target.language,
    contact: toContactDocument(target.contact),
    messagesDelivered: target.messagesDelivered.map(toDeliveryDocument),
    failedAttempts: target.failedAttempts,
    lastSentDay: target.lastSentDay,
    ...(target.lastSentVariant != null ? { lastSentVariant: target.lastSentVariant } : {}),
    ...(target.repliedAt != null ? { repliedAt: target.repliedAt } : {}),
    enteredLoopAt: target.enteredLoopAt,
    exitedLoopAt: target.exitedLoopAt,
    exitReason: target.exitReason,
    ...(target.group !== undefined ? { group: target.group } : {}),
    ...(target.exitDay != null ? { exitDay: target.exitDay } : {}),
    claim: target.claim === null ? null : toClaimDocument(target.claim),
    revision: target.revision,
    updatedAt: target.updatedAt,
  };
}

/** Picks the model's fields only: documents may carry the platform's own extra fields. */
export function fromTargetDocument(doc: TargetDocument): Target {
  return {
    id: doc._id,
    referrerUserId: doc.referrerUserId,
    referralUserId: doc.referralUserId,
    status: doc.status,
    currentDay: doc.currentDay,
    nextMessageDue: doc.nextMessageDue ?? null,
    language: doc.language,
    contact: toContactDocument(doc.contact),
    messagesDelivered: (doc.messagesDelivered ?? []).map(fromDeliveryDocument),
    failedAttempts: doc.failedAttempts ?? 0,
    lastSentDay: doc.lastSentDay ?? null,
    ...(doc.lastSentVariant != null ? { lastSentVariant: doc.lastSentVariant } : {}),
    ...(doc.repliedAt != null ? { repliedAt: doc.repliedAt } : {}),
    enteredLoopAt: doc.enteredLoopAt,
    exitedLoopAt: doc.exitedLoopAt ?? null,
    exitReason: doc.exitReason ?? null,
    ...(doc.group === "treated" || doc.group === "holdout" ? { group: doc.group } : {}),
    ...(doc.exitDay != null ? { exitDay: doc.exitDay } : {}),
    claim: doc.claim ? toClaimDocument(doc.claim) : null,
    revision: doc.revision ?? 0,
    updatedAt: doc.updatedAt,
  };
}

export function toContactDocument(contact: TargetContact): TargetContact {
  return { phone: contact.phone, name: contact.name, paymentLink: contact.paymentLink ?? null };
}

export function toClaimDocument(claim: TargetClaim | ClaimDocument): ClaimDocument {
  return { owner: claim.owner, day: claim.day, stage: claim.stage, at: claim.at, expiresAt: claim.expiresAt };
}

export function toDeliveryDocument(delivery: Delivery): DeliveryDocument {
  const doc: DeliveryDocument = { day: delivery.day, sentAt: delivery.sentAt, status: delivery.status };
  if (delivery.messageId !== undefined) doc.messageId = delivery.messageId;
  if (delivery.mediaMessageIds !== undefined) doc.mediaMessageIds = [...delivery.mediaMessageIds];
  if (delivery.errorMessage !== undefined) doc.errorMessage = delivery.errorMessage;
  if (delivery.variant !== undefined) doc.variant = delivery.variant;
  if (delivery.deliveredAt !== undefined) doc.deliveredAt = delivery.deliveredAt;
  if (delivery.readAt !== undefined) doc.readAt = delivery.readAt;
  return doc;
}

function fromDeliveryDocument(doc: DeliveryDocument): Delivery {
  const delivery: Delivery = { day: doc.day, sentAt: doc.sentAt, status: doc.status };
  if (doc.messageId != null) delivery.messageId = doc.messageId;
  if (doc.mediaMessageIds != null) delivery.mediaMessageIds = [...doc.mediaMessageIds];
  if (doc.errorMessage != null) delivery.errorMessage = doc.errorMessage;
  if (doc.variant != null) delivery.variant = doc.variant;
  if (doc.deliveredAt != null) delivery.deliveredAt = doc.deliveredAt;
  if (doc.readAt != null) delivery.readAt = doc.readAt;
  return delivery;
}
