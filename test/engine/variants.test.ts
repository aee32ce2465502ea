import { describe, expect, it } from "vitest";
import { chooseVariant, type MessageDefinition, type Target, type TargetStatus } from "@relance/core";
import { DAY, FAST, HOUR, createHarness, type Harness } from "../support/engine-harness.js";

/** Day 1 in three wordings, 50/30/20; day 2 in one. */
async function withVariants(referrals: number, options: object = {}) {
  const h = await createHarness({ ...FAST, maxMessagesPerDay: 5_000, ...options });
  await h.engine.messages.upsert({
    dayNumber: 1,
    messageTemplate: { fr: "A: bonjour {{firstName}}", en: "A: hello {{firstName}}" },
    defaultWeight: 50,
    variants: [
      { key: "short", messageTemplate: { fr: "B: {{firstName}}, un petit rappel" }, weight: 30 },
      {
        key: "with-video",
        messageTemplate: { fr: "C: regardez, {{firstName}}" },
        mediaUrls: [{ url: "https://cdn.example.com/c.mp4", type: "video", language: "both", caption: "pour {{firstName}}" }],
        weight: 20,
      },
    ],
  });
  await h.engine.messages.upsert({ dayNumber: 2, messageTemplate: { fr: "Jour 2 : bonjour {{firstName}}" } });
  await h.addReferrer("ref-1", "+33600000001");
  for (let i = 0; i < referrals; i++) await h.addReferral("ref-1", `user-${i}`, `+3361${String(i).padStart(8, "0")}`);
  expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: referrals });
  return h;
}

/** Every target of ref-1, page by page. */
async function allTargets(h: Harness, status?: TargetStatus): Promise<Target[]> {
  const targets: Target[] = [];
  let cursor: string | null = null;
  do {
    const page = await h.engine.listTargets("ref-1", { limit: 200, cursor, ...(status ? { status } : {}) });
    targets.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return targets;
}

const PREFIX: Record<string, string> = { default: "A:", short: "B:", "with-video": "C:" };

describe("variants", () => {
  it("splits 1,000 targets by weight (±5 points), records the variant on each delivery and sends its text and media", async () => {
    const h = await withVariants(1_000);
    expect(await h.dispatch()).toMatchObject({ sent: 1_000, failed: 0 });
    const targets = await allTargets(h);
    const counts: Record<string, number> = {};
    for (const target of targets) {
      const [delivery] = target.messagesDelivered;
      counts[delivery!.variant!] = (counts[delivery!.variant!] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(["default", "short", "with-video"]);
    expect(Math.abs(counts.default! / 1_000 - 0.5)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(counts.short! / 1_000 - 0.3)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(counts["with-video"]! / 1_000 - 0.2)).toBeLessThanOrEqual(0.05);

    const variantOf = new Map(targets.map((t) => [t.id, t.messagesDelivered[0]!.variant!]));
    for (const item of h.transport.outbox()) {
      const variant = variantOf.get(item.targetId)!;
      expect(item.text.startsWith(PREFIX[variant]!)).toBe(true);
      expect(item.media.map((m) => m.caption)).toEqual(variant === "with-video" ? [expect.stringMatching(/^pour Client$/)] : []);
    }

    // A day without variants is sent as before: nothing recorded.
    h.clock.advance(DAY);
    await h.dispatch();
    const after = (await h.engine.listTargets("ref-1", { limit: 1 })).items[0]!;
    expect(after.messagesDelivered[1]).not.toHaveProperty("variant");
    const stats = await h.engine.stats("ref-1");
    expect(stats.conversions.byVariant).toEqual({
      "1": {
        default: { sent: counts.default, converted: 0 },
        short: { sent: counts.short, converted: 0 },
        "with-video": { sent: counts["with-video"], converted: 0 },
      },
    });
  }, 60_000);

  it("attributes conversions to the variant of the last day sent before the payment", async () => {
    const h = await withVariants(200);
    await h.dispatch();
    const targets = await allTargets(h);
    const sent: Record<string, number> = {};
    const converted: Record<string, number> = {};
    for (const [i, target] of targets.entries()) {
      const variant = target.messagesDelivered[0]!.variant!;
      sent[variant] = (sent[variant] ?? 0) + 1;
      converted[variant] ??= 0;
      if (i % 3 === 0) {
        await h.engine.exitUser(target.referralUserId, "paid");
        converted[variant]++;
      }
    }
    // Payments after day 2 (no variants) count under day 2 only.
    await h.engine.messages.upsert({ dayNumber: 3, messageTemplate: { fr: "Jour 3" } });
    h.clock.advance(DAY);
    await h.dispatch();
    const stillActive = await allTargets(h, "active");
    for (const target of stillActive.slice(0, 10)) await h.engine.exitUser(target.referralUserId, "paid");

    const stats = await h.engine.stats("ref-1");
    const paidOnDay1 = Object.values(converted).reduce((a, b) => a + b, 0);
    expect(stats.conversions).toMatchObject({ total: paidOnDay1 + 10, byDay: { "1": paidOnDay1, "2": 10 } });
    expect(stats.conversions.byVariant).toEqual({
      "1": Object.fromEntries(Object.keys(sent).map((k) => [k, { sent: sent[k], converted: converted[k] }])),
    });
    expect((await h.engine.globalStats()).conversions.byVariant).toEqual(stats.conversions.byVariant);
  }, 60_000);

  it("is stable per target and day: a retry by a second process, and a take-over after a crash, send the variant of the first attempt", async () => {
    const h = await withVariants(40, { retryBackoffMs: [HOUR] });
    const message = (await h.engine.messages.list()).find((m) => m.dayNumber === 1) as MessageDefinition;

    // Process A: every first attempt fails, each failed delivery recording its variant.
    h.transport.failNextSends(30);
    const targets = await allTargets(h);
    // Ten targets are claimed by a process that then dies before sending.
    const now = h.clock.now();
    for (const target of targets.slice(30)) {
      await h.storage.targets.updateIf(target.id, {}, { claim: { owner: "dead/run", day: 1, stage: "claimed", at: now, expiresAt: new Date(now.getTime() + 60_000) }, updatedAt: now });
    }
    expect(await h.dispatch()).toMatchObject({ sent: 0, failed: 30 });

    // Process B, an hour later: the retries and the taken-over targets.
    h.clock.advance(HOUR + 60_000);
    const processB = h.spawnProcess({ retryBackoffMs: [HOUR] });
    expect(await h.dispatch(processB)).toMatchObject({ sent: 40, failed: 0 });

    for (const target of await allTargets(h)) {
      const expected = chooseVariant(message, target.id, 1).key;
      const variants = target.messagesDelivered.filter((d) => d.day === 1).map((d) => [d.status, d.variant]);
      const wasClaimedByTheDead = targets.slice(30).some((t) => t.id === target.id);
      expect(variants).toEqual(wasClaimedByTheDead ? [["sent", expected]] : [["failed", expected], ["sent", expected]]);
    }
    // Both variants other than the default were involved, so the check above is not trivial.
    const used = new Set((await allTargets(h)).map((t) => t.messagesDelivered.at(-1)!.variant));
    expect(used.size).toBeGreaterThan(1);
  });
});

describe("variants: admin messages", () => {
  it("preview renders any variant; an unknown one is not found", async () => {
    const h = await withVariants(0);
    expect(await h.engine.messages.preview({ dayNumber: 1, language: "fr", variables: { name: "Léa Dupont" } })).toMatchObject({ text: "A: bonjour Léa" });
    expect(await h.engine.messages.preview({ dayNumber: 1, language: "fr", variant: "short", variables: { name: "Léa Dupont" } })).toMatchObject({
      text: "B: Léa, un petit rappel",
      media: [],
    });
    expect(await h.engine.messages.preview({ dayNumber: 1, language: "en", variant: "with-video", variables: { name: "Léa Dupont" } })).toMatchObject({
      text: "C: regardez, Léa",
      language: "fr",
      media: [{ url: "https://cdn.example.com/c.mp4", caption: "pour Léa" }],
    });
    await expect(h.engine.messages.preview({ dayNumber: 1, language: "fr", variant: "nope" })).rejects.toMatchObject({ code: "not_found" });
    await expect(h.engine.messages.preview({ dayNumber: 2, language: "fr", variant: "short" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("validation covers every variant: keys, weights, templates, variables and media", async () => {
    const h = await withVariants(0);
    const error = await h.engine.messages
      .upsert({
        dayNumber: 3,
        messageTemplate: { fr: "ok" },
        defaultWeight: 0,
        variants: [
          { key: "Bad Key", messageTemplate: { fr: "{{unknownVariable}}" } },
          { key: "default", messageTemplate: { en: "no default language" }, weight: 101 },
          { key: "b", messageTemplate: { fr: "b" }, mediaUrls: [{ url: "ftp://x/y.png", type: "image", language: "both" }] },
          { key: "b", messageTemplate: { fr: "b again" } },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid_request" });
    const paths = (error as { details: Array<{ path: string }> }).details.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "defaultWeight",
        "variants.0.key",
        "variants.0.messageTemplate.fr",
        "variants.1.key",
        "variants.1.messageTemplate.fr",
        "variants.1.weight",
        "variants.2.mediaUrls.0.url",
        "variants.3.key",
      ]),
    );
    expect(await h.engine.messages.list()).toHaveLength(2);
  });

  it("stores a day without variants exactly as before, and one with them with their weights", async () => {
    const h = await withVariants(0);
    const [day1, day2] = await h.engine.messages.list();
    expect(day2).not.toHaveProperty("variants");
    expect(day1).toMatchObject({ defaultWeight: 50, variants: [{ key: "short", weight: 30, mediaUrls: [] }, { key: "with-video", weight: 20 }] });
  });
});
