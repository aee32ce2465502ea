import { describe, expect, it } from "vitest";
import { diagnose, LOST_WHY } from "../src/dispatch/claim-machine.js";
import { newTarget, type Target } from "../src/model/target.js";
import type { E164 } from "../src/model/phone.js";

const now = new Date("2026-01-05T09:00:00Z");
const later = new Date(now.getTime() + 60_000);
const base = (): Target => newTarget({ id: "t1", referrerUserId: "r", referralUserId: "u", language: "fr", contact: { phone: "+33611111111" as E164, name: "A", paymentLink: null }, now });
const claimed = (stage: "claimed" | "sending", owner = "me", expiresAt = later): Target => ({ ...base(), claim: { owner, day: 1, stage, at: now, expiresAt } });

describe("a lost transition says why (diagnose)", () => {
  it.each<[string, Parameters<typeof diagnose>[0], Target | null, (typeof LOST_WHY)[number] | null]>([
    ["the target is gone", { status: "active" }, null, "missing"],
    ["it left the loop", { status: "active" }, { ...base(), status: "exited" }, "not_active"],
    ["its day was recorded by another process", { status: "active", currentDay: 1 }, { ...base(), currentDay: 2 }, "day_moved"],
    ["written since it was read", { revision: 0 }, { ...base(), revision: 3 }, "revision_moved"],
    ["not due yet", { dueBy: now }, { ...base(), nextMessageDue: later }, "not_due"],
    ["our claim taken over", { claimedBy: { owner: "me", stage: "claimed" } }, claimed("claimed", "other"), "claim_lost"],
    ["our claim at another stage", { claimedBy: { owner: "me", stage: "claimed" } }, claimed("sending"), "claim_lost"],
    ["someone else's live claim", { unclaimedAt: now }, claimed("claimed", "other"), "claimed_elsewhere"],
    ["an expired `sending` claim never frees it", { unclaimedAt: later }, claimed("sending", "other", now), "claimed_elsewhere"],
    ["an expired `claimed` claim frees it", { unclaimedAt: later }, claimed("claimed", "other", now), null],
    ["every precondition holds", { status: "active", currentDay: 1, claimedBy: { owner: "me" } }, claimed("sending"), null],
  ])("%s", (_case, condition, target, why) => {
    expect(diagnose(condition, target, now)).toBe(why);
  });
});
