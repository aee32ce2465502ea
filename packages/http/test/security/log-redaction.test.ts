import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { toBaileysLogger } from "../../../adapters/src/transports/baileys/logger.js";
import { asCoreLogger, createLogger } from "../../src/observability/logger.js";

function capture() {
  const lines: string[] = [];
  const logger = createLogger("debug", new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  return { logger, text: () => lines.join("") };
}

const NUMBER = "33612345678";

describe("security 8: no phone number in any log line", () => {
  it("masks numbers and WhatsApp ids in fields, nested objects and messages", () => {
    const { logger, text } = capture();
    logger.info(
      { jid: `${NUMBER}@s.whatsapp.net`, participant: `${NUMBER}:12@s.whatsapp.net`, from: `+${NUMBER}`, to: `+${NUMBER}`, nested: { phone: `+${NUMBER}`, list: [`${NUMBER}@c.us`] }, count: 3 },
      `message from +${NUMBER} (${NUMBER}@lid)`,
    );
    const line = text();
    expect(line).not.toContain(NUMBER);
    expect(line).toMatch(/"count":3/);
    // The same number masks the same way within a run, so lines can still be correlated.
    const masked = /"from":"([^"]+)"/.exec(line)![1]!;
    expect(masked).toMatch(/^ph:[0-9a-f]{10}$/);
    expect(line.split(masked).length).toBeGreaterThan(3);
  });

  it("masks what Baileys logs (jid, participant, from) on its way to the service log", () => {
    const { logger, text } = capture();
    const baileys = toBaileysLogger(asCoreLogger(logger), "warn", { jid: `${NUMBER}@s.whatsapp.net` });
    baileys.warn({ participant: `${NUMBER}@s.whatsapp.net`, from: `${NUMBER}@s.whatsapp.net`, attrs: 1 }, `failed to decrypt message from ${NUMBER}@s.whatsapp.net`);
    baileys.child({ id: `${NUMBER}@s.whatsapp.net` }).error({ jid: `${NUMBER}@s.whatsapp.net` }, "error");
    expect(text()).not.toContain(NUMBER);
    expect(text()).toContain("failed to decrypt message from ph:");
  });
});
