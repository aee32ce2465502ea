import { describe, expect, it } from "vitest";
import {
  SenderPacer,
  dayStartOffsetMinutes,
  decideRetry,
  firstContactGapMs,
  senderWindow,
  isStopReply,
  nextGapMs,
  normalizePhone,
  renderDayMessage,
  renderTemplate,
  templateIssues,
  templateVariables,
  validateMessage,
  type MessageDefinition,
} from "../src/index.js";

describe("templates", () => {
  it("renders known variables, tolerating spaces, and blanks missing values", () => {
    expect(renderTemplate("{{ name }}|{{firstName}}|{{paymentLink}}|{{day}}", { name: "A B", firstName: "A", day: 3 })).toBe("A B|A||3");
  });

  it("names unknown variables and malformed placeholders", () => {
    expect(templateVariables("{{name}} {{promo}} {{name}} {{ code }}")).toEqual(["name", "promo", "code"]);
    expect(templateIssues("Hi {{promo}} {{code}}", "messageTemplate.fr")).toEqual([
      { path: "messageTemplate.fr", message: expect.stringContaining("promo, code") },
    ]);
    expect(templateIssues("Hi {{name}", "t")[0]!.message).toMatch(/malformed/);
    expect(templateIssues("Hi {{name}} {{totalDays}}", "t")).toEqual([]);
  });

  it("picks the target language, then its base language, then the default", () => {
    const message: MessageDefinition = { dayNumber: 1, messageTemplate: { fr: "fr", en: "en" }, mediaUrls: [], active: true };
    expect(renderDayMessage(message, "en", "fr", {}).text).toBe("en");
    expect(renderDayMessage(message, "en-GB", "fr", {}).text).toBe("en");
    expect(renderDayMessage(message, "de", "fr", {})).toMatchObject({ text: "fr", language: "fr" });
  });
});

describe("message validation", () => {
  it("refuses unknown variables with their names in the details", () => {
    try {
      validateMessage({ dayNumber: 1, messageTemplate: { fr: "{{promo}}", en: "{{name}} {{coupon}}" } }, "fr");
      expect.unreachable();
    } catch (error: any) {
      expect(error.code).toBe("invalid_request");
      expect(error.details).toEqual([
        { path: "messageTemplate.fr", message: expect.stringContaining("promo") },
        { path: "messageTemplate.en", message: expect.stringContaining("coupon") },
      ]);
    }
  });

  it.each([
    [{ dayNumber: 0, messageTemplate: { fr: "x" } }, "dayNumber"],
    [{ dayNumber: 31, messageTemplate: { fr: "x" } }, "dayNumber"],
    [{ dayNumber: 1.5, messageTemplate: { fr: "x" } }, "dayNumber"],
    [{ dayNumber: 1, messageTemplate: { en: "x" } }, "messageTemplate.fr"],
    [{ dayNumber: 1, messageTemplate: { fr: "x" }, mediaUrls: [{ url: "ftp://x", type: "image", language: "fr" }] }, "mediaUrls.0.url"],
    [{ dayNumber: 1, messageTemplate: { fr: "x" }, mediaUrls: [{ url: "https://x/a", type: "gif", language: "fr" }] }, "mediaUrls.0.type"],
    [{ dayNumber: 1, messageTemplate: { fr: "x" }, mediaUrls: [{ url: "https://x/a", type: "image", language: "klingon!" }] }, "mediaUrls.0.language"],
  ])("refuses %j at %s", (input, path) => {
    expect(() => validateMessage(input as never, "fr")).toThrow(expect.objectContaining({ details: expect.arrayContaining([expect.objectContaining({ path })]) }));
  });

  it("defaults active to true and media to none", () => {
    expect(validateMessage({ dayNumber: 2, messageTemplate: { fr: "Bonjour {{name}}" } }, "fr")).toEqual({
      dayNumber: 2,
      messageTemplate: { fr: "Bonjour {{name}}" },
      mediaUrls: [],
      active: true,
    });
  });
});

describe("pacing", () => {
  it("draws gaps within [delay, delay + jitter]", () => {
    const policy = { delayMs: 3000, jitterMs: 500 };
    expect(nextGapMs(policy, () => 0)).toBe(3000);
    expect(nextGapMs(policy, () => 0.999999)).toBe(3500);
    expect(nextGapMs(policy, () => 1)).toBe(3500);
  });

  it("queues concurrent reservations of one sender and leaves other senders alone", () => {
    const pacer = new SenderPacer({ delayMs: 1000, jitterMs: 0 }, () => 0);
    const now = new Date("2026-01-05T10:00:00Z");
    const slots = [pacer.reserve("a", now), pacer.reserve("a", now), pacer.reserve("b", now), pacer.reserve("a", now)];
    expect(slots.map((s) => s.getTime() - now.getTime())).toEqual([0, 1000, 0, 2000]);
    pacer.sent("a", new Date(now.getTime() + 5000));
    expect(pacer.reserve("a", now).getTime() - now.getTime()).toBe(6000);
  });
});

describe("human pacing (issue 21)", () => {
  it("spaces first contacts by their own gap, follow-ups by the message delay", () => {
    const policy = { delayMs: 1000, jitterMs: 0, firstContactMinMs: 45_000, firstContactMaxMs: 120_000 };
    expect(firstContactGapMs(policy, () => 0)).toBe(45_000);
    expect(firstContactGapMs(policy, () => 0.999999)).toBe(120_000);
    const pacer = new SenderPacer(policy, () => 0);
    const now = new Date("2026-01-05T10:00:00Z");
    const at = (kind: "first_contact" | "follow_up") => pacer.reserve("a", now, kind).getTime() - now.getTime();
    expect([at("first_contact"), at("follow_up"), at("first_contact"), at("follow_up"), at("follow_up")]).toEqual([0, 1000, 45_000, 46_000, 47_000]);
    expect(pacer.reserve("b", now, "first_contact").getTime()).toBe(now.getTime());
  });

  it("gives each sender a stable day-start offset within the spread, at most half the window", () => {
    const window = { start: "08:00", end: "20:00" };
    const offsets = Array.from({ length: 200 }, (_, i) => dayStartOffsetMinutes(`referrer-${i}`, 3 * 3_600_000, window));
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(180);
    // Spread over the range, not clustered: every half hour of it holds some.
    for (let half = 0; half < 6; half++) expect(offsets.filter((o) => o >= half * 30 && o < half * 30 + 30).length, `half hour ${half}`).toBeGreaterThan(15);
    expect(dayStartOffsetMinutes("referrer-7", 3 * 3_600_000, window)).toBe(offsets[7]);
    expect(dayStartOffsetMinutes("referrer-7", 0, window)).toBe(0);
    expect(dayStartOffsetMinutes("referrer-7", 3 * 3_600_000, { start: "09:00", end: "10:00" })).toBeLessThan(30);
  });

  it("moves the start of the sender's window by its offset, across midnight too", () => {
    const offset = dayStartOffsetMinutes("r", 3 * 3_600_000, { start: "22:00", end: "06:00" });
    const moved = senderWindow({ start: "22:00", end: "06:00" }, "r", 3 * 3_600_000);
    const minutes = Number(moved.start.slice(0, 2)) * 60 + Number(moved.start.slice(3));
    expect(moved.end).toBe("06:00");
    expect((minutes - 22 * 60 + 1440) % 1440).toBe(offset);
    expect(senderWindow({ start: "08:00", end: "20:00" }, "r", 0)).toEqual({ start: "08:00", end: "20:00" });
  });
});

describe("retry", () => {
  it("backs off 15 min, 1 h, 4 h, then gives up", () => {
    const now = new Date("2026-01-05T10:00:00Z");
    const backoffs = [15 * 60_000, 3_600_000, 4 * 3_600_000];
    expect([1, 2, 3].map((n) => decideRetry(n, now, backoffs))).toEqual(backoffs.map((ms) => ({ kind: "retry", at: new Date(now.getTime() + ms) })));
    expect(decideRetry(4, now, backoffs)).toEqual({ kind: "give_up" });
  });
});

describe("opt-out keywords and phones", () => {
  it("recognises the keywords whatever the case, accents and spacing", () => {
    for (const text of ["STOP", "stop", " Stop ", "ARRÊT", "Arret", "stop all", "UNSUBSCRIBE", "Désabonner", "DESABONNER!"]) expect(isStopReply(text), text).toBe(true);
    for (const text of ["stopper", "stop it now", "arrêtez", "", "S T O P"]) expect(isStopReply(text), text).toBe(false);
  });

  it("normalises phones to E.164 and refuses local numbers", () => {
    expect(normalizePhone("+33 6 12-34-56-78")).toBe("+33612345678");
    expect(normalizePhone("0033612345678")).toBe("+33612345678");
    expect(normalizePhone("0612345678")).toBeNull();
    expect(normalizePhone("+0612345678")).toBeNull();
  });
});

describe("stored error messages", () => {
  it("cut the query strings of URLs (pre-signed media links carry tokens)", async () => {
    const { storableError } = await import("../src/use-cases/target-transitions.js");
    expect(storableError("Failed to fetch https://cdn.example.com/a.jpg?X-Amz-Signature=abc&t=1 (403)")).toBe("Failed to fetch https://cdn.example.com/a.jpg?… (403)");
    expect(storableError("x".repeat(600))).toHaveLength(500);
  });
});
