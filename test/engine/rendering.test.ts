import { describe, expect, it } from "vitest";
import { DAY, createHarness } from "../support/engine-harness.js";

describe("rendering", () => {
  it("renders fr and en with every known variable, and media for that language or both", async () => {
    const h = await createHarness();
    await h.engine.messages.upsert({
      dayNumber: 1,
      messageTemplate: {
        fr: "Bonjour {{firstName}} ({{name}}), {{referrerName}} vous rappelle : jour {{day}}/{{totalDays}} {{paymentLink}}",
        en: "Hi {{ firstName }} ({{name}}), {{referrerName}} reminds you: day {{day}}/{{totalDays}} {{paymentLink}}",
      },
      mediaUrls: [
        { url: "https://cdn.example.com/fr.jpg", type: "image", language: "fr", caption: "Offre {{firstName}}" },
        { url: "https://cdn.example.com/en.pdf", type: "document", language: "en", caption: "Offer" },
        { url: "https://cdn.example.com/all.mp4", type: "video", language: "both" },
      ],
    });
    await h.engine.messages.upsert({ dayNumber: 2, messageTemplate: { fr: "J2" } });
    await h.addReferrer("ref-1", "+33600000001", "Jean Martin");
    await h.addReferral("ref-1", "fr-user", "+33611111111", { name: "Alice Durand", language: "fr", paymentLink: "https://pay/a" });
    await h.addReferral("ref-1", "en-user", "+33622222222", { name: "Bob Smith Jr", language: "en", paymentLink: "https://pay/b" });
    await h.engine.runEnrollment();
    await h.dispatch();

    const [fr, en] = ["+33611111111", "+33622222222"].map((to) => h.transport.outbox().find((m) => m.to === to)!);
    expect(fr!.text).toBe("Bonjour Alice (Alice Durand), Jean Martin vous rappelle : jour 1/2 https://pay/a");
    expect(en!.text).toBe("Hi Bob (Bob Smith Jr), Jean Martin reminds you: day 1/2 https://pay/b");
    expect(fr!.media.map((m) => [m.url, m.caption])).toEqual([
      ["https://cdn.example.com/fr.jpg", "Offre Alice"],
      ["https://cdn.example.com/all.mp4", undefined],
    ]);
    expect(en!.media.map((m) => m.url)).toEqual(["https://cdn.example.com/en.pdf", "https://cdn.example.com/all.mp4"]);
    expect(fr!.media).toHaveLength(2);
  });

  it("falls back to the default language when the target's has no template (or the referral has none)", async () => {
    const h = await createHarness();
    await h.engine.messages.upsert({
      dayNumber: 1,
      messageTemplate: { fr: "Bonjour {{firstName}}" },
      mediaUrls: [
        { url: "https://cdn.example.com/fr.jpg", type: "image", language: "fr" },
        { url: "https://cdn.example.com/en.jpg", type: "image", language: "en" },
      ],
    });
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "de-user", "+4915111111111", { name: "Klaus", language: "de" });
    await h.addReferral("ref-1", "no-lang", "+33633333333", { name: "Zoé", language: null });
    await h.engine.runEnrollment();
    await h.dispatch();

    const outbox = h.transport.outbox();
    expect(outbox.map((m) => m.text).sort()).toEqual(["Bonjour Klaus", "Bonjour Zoé"]);
    // Media follow the language actually used (the fallback), not the requested one.
    expect(outbox.every((m) => m.media.length === 1 && m.media[0]!.url.endsWith("fr.jpg"))).toBe(true);
    const targets = (await h.engine.listTargets("ref-1")).items;
    expect(targets.find((t) => t.referralUserId === "no-lang")!.language).toBe("fr");
  });

  it("skips a day without an active message, keeping the next day on its own slot", async () => {
    const h = await createHarness();
    await h.seedMessages(4);
    await h.engine.messages.upsert({ dayNumber: 2, messageTemplate: { fr: "inactive" }, active: false });
    await h.engine.messages.delete(3);
    await h.addReferrer("ref-1", "+33600000001");
    await h.addReferral("ref-1", "user-1", "+33611111111");
    await h.engine.runEnrollment();

    const start = h.clock.now().getTime();
    for (let i = 0; i < 5; i++) {
      await h.dispatch();
      h.clock.advance(DAY);
    }
    const outbox = h.transport.outbox();
    expect(outbox.map((m) => m.day)).toEqual([1, 4]);
    expect(outbox[1]!.sentAt.getTime() - start).toBe(3 * DAY);
    expect(outbox[0]!.text).toBe("Jour 1/4 : bonjour Client");
    const [target] = (await h.engine.listTargets("ref-1")).items;
    expect(target).toMatchObject({ status: "completed", exitReason: "completed_7_days" });
    expect(target!.messagesDelivered.map((d) => d.day)).toEqual([1, 4]);
  });
});
