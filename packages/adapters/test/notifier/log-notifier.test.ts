import type { Logger } from "@relance/core";
import { describe, expect, it } from "vitest";
import { LogNotifier } from "../../src/notifier/log-notifier.js";

function capturingLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  const logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } as unknown as Logger;
  return { logger, lines };
}

describe("LogNotifier", () => {
  it("logs a referral's reply at info without its text nor number, and keeps the notification", async () => {
    const { logger, lines } = capturingLogger();
    const notifier = new LogNotifier(logger);
    const reply = {
      type: "referral_replied" as const,
      referrerUserId: "ref-1",
      referralUserId: "user-42",
      targetId: "t-1",
      phone: "+33698765432",
      text: "ok je paie demain",
      exited: true,
      at: new Date("2025-06-01T12:00:00.000Z"),
    };
    await notifier.notify(reply);
    expect(notifier.sent).toEqual([reply]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "info", fields: { type: "referral_replied", referralUserId: "user-42", textLength: 17 } });
    expect(JSON.stringify(lines)).not.toMatch(/je paie|98765432/);
  });
});
