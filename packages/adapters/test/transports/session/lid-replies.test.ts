import { describe, expect, it } from "vitest";
import { LID_REPLY_TTL_MS, MAX_LID_REPLIES, boundLidReplies, isExpiredLidReply } from "../../../src/transports/session/lid-replies.js";

interface Reply {
  text: string;
  at: number;
}
const NOW = new Date("2026-03-01T10:00:00Z");
const view = (r: Reply) => ({ atMs: r.at, text: r.text });
const ago = (ms: number) => NOW.getTime() - ms;
const DAY = 24 * 60 * 60_000;

// One rule for the replies both drivers keep while a LID has no number (Baileys "parked",
// whatsapp-web.js "pending"): [case, list, kept texts, expired, overflow].
const CASES: Array<[string, Reply[], string[], number, number]> = [
  ["nothing waiting", [], [], 0, 0],
  ["fresh replies stay, oldest first", [{ text: "a", at: ago(2 * DAY) }, { text: "b", at: ago(DAY) }], ["a", "b"], 0, 0],
  ["a reply just under the TTL stays", [{ text: "a", at: ago(LID_REPLY_TTL_MS) }], ["a"], 0, 0],
  ["a reply past the TTL goes", [{ text: "old", at: ago(LID_REPLY_TTL_MS + 1) }, { text: "new", at: ago(1) }], ["new"], 1, 0],
  ["a STOP past the TTL goes too (a mapping that late is unlikely)", [{ text: "STOP", at: ago(31 * DAY) }], [], 1, 0],
  ["an unknown arrival time never expires", [{ text: "a", at: Number.NaN }], ["a"], 0, 0],
];

describe("waiting LID replies: one bound for both drivers", () => {
  it.each(CASES)("%s", (_, replies, texts, expired, overflow) => {
    const bounded = boundLidReplies(replies, NOW, view);
    expect(bounded.kept.map((r) => r.text)).toEqual(texts);
    expect([bounded.expired, bounded.overflow]).toEqual([expired, overflow]);
  });

  it("over the bound, the oldest non-STOP goes: strangers cannot push a target's STOP out", () => {
    const replies: Reply[] = [{ text: "STOP", at: ago(10 * DAY) }, ...Array.from({ length: MAX_LID_REPLIES }, (_, i) => ({ text: `spam ${i}`, at: ago(DAY - i) }))];
    const bounded = boundLidReplies(replies, NOW, view);
    expect(bounded.kept).toHaveLength(MAX_LID_REPLIES);
    expect(bounded.kept[0]!.text).toBe("STOP");
    expect(bounded.kept[1]!.text).toBe("spam 1");
    expect(bounded.overflow).toBe(1);
  });

  it("a list of nothing but STOPs over the bound loses its oldest", () => {
    const replies: Reply[] = Array.from({ length: MAX_LID_REPLIES + 2 }, (_, i) => ({ text: "stop", at: ago(DAY - i) }));
    const bounded = boundLidReplies(replies, NOW, view);
    expect(bounded.kept).toEqual(replies.slice(2));
  });

  it("does not change the list it is given", () => {
    const replies: Reply[] = [{ text: "old", at: ago(40 * DAY) }];
    boundLidReplies(replies, NOW, view);
    expect(replies).toHaveLength(1);
    expect(isExpiredLidReply(view(replies[0]!), NOW)).toBe(true);
  });
});
