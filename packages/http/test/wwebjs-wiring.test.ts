import { describe, expect, it } from "vitest";
import { activeContacts, newTarget, type E164 } from "@relance/core";
import { createMemoryStorage } from "@relance/adapters";
import { loadConfig } from "../src/index.js";

describe("whatsapp-web.js wiring", () => {
  it("has its own session cap (5), a 20 min backup, and the tested WhatsApp Web build unless told otherwise", () => {
    expect(loadConfig({})).toMatchObject({
      RELANCE_WWEBJS_MAX_SESSIONS: 5,
      RELANCE_WWEBJS_BACKUP_INTERVAL_MS: 20 * 60_000,
      RELANCE_WWEBJS_WEB_VERSION_SOURCE: "remote",
      RELANCE_WWEBJS_WEB_VERSION_STRICT: false,
    });
    expect(loadConfig({}).RELANCE_WWEBJS_WEB_VERSION).toBeUndefined();
    const pinned = loadConfig({ RELANCE_WWEBJS_WEB_VERSION: "2.3000.1017054665", RELANCE_WWEBJS_WEB_VERSION_STRICT: "true", RELANCE_WWEBJS_MAX_SESSIONS: "3" });
    expect(pinned).toMatchObject({ RELANCE_WWEBJS_WEB_VERSION: "2.3000.1017054665", RELANCE_WWEBJS_WEB_VERSION_STRICT: true, RELANCE_WWEBJS_MAX_SESSIONS: 3 });
    expect(() => loadConfig({ RELANCE_WWEBJS_WEB_VERSION: "newest" })).toThrow(/RELANCE_WWEBJS_WEB_VERSION/);
    expect(() => loadConfig({ RELANCE_WWEBJS_WEB_VERSION_URL: "https://mirror.example.com/wa.html" })).toThrow(/must contain \{version\}/);
    expect(() => loadConfig({ RELANCE_WWEBJS_BACKUP_INTERVAL_MS: "30000" })).toThrow(/RELANCE_WWEBJS_BACKUP_INTERVAL_MS/);
  });

  it("gives the transport every active target's phone of the referrer (the core's activeContacts), across pages", async () => {
    const storage = createMemoryStorage();
    await storage.init();
    const now = new Date("2026-01-05T10:00:00Z");
    for (let i = 0; i < 250; i++) {
      const phone = `+336${String(i).padStart(8, "0")}` as E164;
      await storage.targets.insertIfAbsent(newTarget({ id: `t${i}`, referrerUserId: "r1", referralUserId: `u${i}`, language: "fr", contact: { phone, name: "x", paymentLink: null }, now }));
    }
    await storage.targets.insertIfAbsent(newTarget({ id: "other", referrerUserId: "r2", referralUserId: "u", language: "fr", contact: { phone: "+33699999999", name: "x", paymentLink: null }, now }));
    await storage.targets.exitActiveOfReferrer("r2", "referrer_inactive", now);
    const phones = await activeContacts(storage, "r1");
    expect(phones).toHaveLength(250);
    expect(phones).toContain("+33600000249");
    expect(await activeContacts(storage, "r2")).toEqual([]);
  });
});
