import { describe, expect, it } from "vitest";
import { at, HOUR, makeConfig, T0 } from "../builders.js";
import { range, type ContractContext } from "./context.js";

export function describeConfigs(ctx: ContractContext): void {
  describe("configs", () => {
    it("get returns null for an unknown referrer", async () => {
      expect(await ctx.storage().configs.get("nobody")).toBeNull();
    });

    it("getIfChanged: unchanged while updatedAt is the one read, the config once it moved, null when none", async () => {
      const config = makeConfig({ updatedAt: at(1) });
      await ctx.storage().configs.getOrCreate(config);
      expect(await ctx.storage().configs.getIfChanged(config.referrerUserId, at(1))).toBe("unchanged");
      await ctx.storage().configs.update(config.referrerUserId, { sendingPaused: true, updatedAt: at(2) });
      const changed = await ctx.storage().configs.getIfChanged(config.referrerUserId, at(1));
      expect(changed).toMatchObject({ sendingPaused: true, updatedAt: at(2) });
      expect(await ctx.storage().configs.getIfChanged(config.referrerUserId, at(2))).toBe("unchanged");
      expect(await ctx.storage().configs.getIfChanged("nobody", at(1))).toBeNull();
    });

    it("getOrCreate inserts, and get returns the same config with Date instances", async () => {
      const config = makeConfig({ failureNotifiedAt: at(5), disconnectedByReferrerAt: at(6) });
      expect(await ctx.storage().configs.getOrCreate(config)).toEqual(config);
      const stored = await ctx.storage().configs.get(config.referrerUserId);
      expect(stored).toEqual(config);
      expect(stored!.createdAt).toBeInstanceOf(Date);
      expect(stored!.whatsapp.linkedAt).toBeInstanceOf(Date);
      expect(stored!.failureNotifiedAt!.getTime()).toBe(at(5).getTime());
      expect(stored!.disconnectedByReferrerAt!.getTime()).toBe(at(6).getTime());
      const cleared = await ctx.storage().configs.update(config.referrerUserId, { disconnectedByReferrerAt: null, updatedAt: at(7) });
      expect(cleared!.disconnectedByReferrerAt).toBeNull();
    });

    it("update stores and clears a sender restriction, dates included", async () => {
      const config = makeConfig();
      await ctx.storage().configs.getOrCreate(config);
      const restriction = { reason: "reach-out time lock", until: at(10 * HOUR), since: at(1), notifiedAt: at(2) };
      const updated = await ctx.storage().configs.update(config.referrerUserId, { restriction, updatedAt: at(3) });
      expect(updated!.restriction).toEqual(restriction);
      const stored = await ctx.storage().configs.get(config.referrerUserId);
      expect(stored!.restriction).toEqual(restriction);
      expect(stored!.restriction!.until).toBeInstanceOf(Date);
      const open = await ctx.storage().configs.update(config.referrerUserId, { restriction: { ...restriction, until: null }, updatedAt: at(4) });
      expect(open!.restriction!.until).toBeNull();
      await ctx.storage().configs.update(config.referrerUserId, { restriction: null, updatedAt: at(5) });
      expect((await ctx.storage().configs.get(config.referrerUserId))!.restriction).toBeNull();
    });

    it("update stores and clears a sender health hold, dates and nulls included", async () => {
      const config = makeConfig();
      await ctx.storage().configs.getOrCreate(config);
      const healthHold = { heldSince: at(1), reason: "only 10 % delivered", judgeFrom: null };
      const updated = await ctx.storage().configs.update(config.referrerUserId, { healthHold, updatedAt: at(2) });
      expect(updated!.healthHold).toEqual(healthHold);
      const stored = await ctx.storage().configs.get(config.referrerUserId);
      expect(stored!.healthHold).toEqual(healthHold);
      expect(stored!.healthHold!.heldSince).toBeInstanceOf(Date);
      const resumed = { heldSince: null, reason: null, judgeFrom: at(3) };
      await ctx.storage().configs.update(config.referrerUserId, { healthHold: resumed, updatedAt: at(3) });
      expect((await ctx.storage().configs.get(config.referrerUserId))!.healthHold).toEqual(resumed);
      await ctx.storage().configs.update(config.referrerUserId, { healthHold: null, updatedAt: at(4) });
      expect((await ctx.storage().configs.get(config.referrerUserId))!.healthHold ?? null).toBeNull();
    });

    it("getOrCreate returns the existing config unchanged (existing wins)", async () => {
      const first = makeConfig({ timezone: "Europe/Paris" });
      await ctx.storage().configs.getOrCreate(first);
      const second = await ctx.storage().configs.getOrCreate(makeConfig({ timezone: "Africa/Abidjan", enabled: false }));
      expect(second).toEqual(first);
      expect(await ctx.storage().configs.get(first.referrerUserId)).toEqual(first);
    });

    it("getOrCreate is atomic: 20 concurrent callers all get the one stored config", async () => {
      const zones = range(20).map((i) => `Etc/GMT+${(i % 12) + 1}`);
      const results = await Promise.all(
        zones.map((timezone, i) => ctx.storage().configs.getOrCreate(makeConfig({ timezone, updatedAt: at(i) }))),
      );
      const stored = await ctx.storage().configs.get("referrer-1");
      expect(stored).not.toBeNull();
      for (const result of results) expect(result).toEqual(stored);
    });

    it("update sets the given fields, keeps the others, returns the new config", async () => {
      const config = makeConfig();
      await ctx.storage().configs.getOrCreate(config);
      const whatsapp = { status: "logged_out" as const, phone: null, linkedAt: null, lastError: "logged out", updatedAt: at(HOUR) };
      const updated = await ctx.storage().configs.update(config.referrerUserId, {
        sendingPaused: true,
        sendWindow: { start: "09:30", end: "18:00" },
        whatsapp,
        updatedAt: at(HOUR),
      });
      const expected = { ...config, sendingPaused: true, sendWindow: { start: "09:30", end: "18:00" }, whatsapp, updatedAt: at(HOUR) };
      expect(updated).toEqual(expected);
      expect(await ctx.storage().configs.get(config.referrerUserId)).toEqual(expected);
    });

    it("update returns null and creates nothing for an unknown referrer", async () => {
      expect(await ctx.storage().configs.update("nobody", { enabled: false, updatedAt: T0 })).toBeNull();
      expect(await ctx.storage().configs.get("nobody")).toBeNull();
    });

    it("getMany returns the existing configs among the ids", async () => {
      await ctx.storage().configs.getOrCreate(makeConfig({ referrerUserId: "r-a" }));
      await ctx.storage().configs.getOrCreate(makeConfig({ referrerUserId: "r-b" }));
      await ctx.storage().configs.getOrCreate(makeConfig({ referrerUserId: "r-c" }));
      const found = await ctx.storage().configs.getMany(["r-c", "r-a", "r-missing"]);
      expect(found.map((c) => c.referrerUserId).sort()).toEqual(["r-a", "r-c"]);
      expect(found.find((c) => c.referrerUserId === "r-a")).toEqual(makeConfig({ referrerUserId: "r-a" }));
      expect(await ctx.storage().configs.getMany([])).toEqual([]);
    });

    it("markFailureNotified is true for exactly one of 20 concurrent callers, once per outage", async () => {
      await ctx.storage().configs.getOrCreate(makeConfig());
      const results = await Promise.all(range(20).map((i) => ctx.storage().configs.markFailureNotified("referrer-1", at(i))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await ctx.storage().configs.get("referrer-1"))!.failureNotifiedAt).toEqual(at(winner));
      expect(await ctx.storage().configs.markFailureNotified("referrer-1", at(HOUR))).toBe(false);

      await ctx.storage().configs.update("referrer-1", { failureNotifiedAt: null, updatedAt: at(HOUR) });
      expect(await ctx.storage().configs.markFailureNotified("referrer-1", at(2 * HOUR))).toBe(true);
      expect((await ctx.storage().configs.get("referrer-1"))!.failureNotifiedAt).toEqual(at(2 * HOUR));
    });

    it("markFailureNotified is false for an unknown referrer", async () => {
      expect(await ctx.storage().configs.markFailureNotified("nobody", T0)).toBe(false);
      expect(await ctx.storage().configs.get("nobody")).toBeNull();
    });

    it("listEnrollable keeps enabled, not enrollment-paused, linked and not logged-out configs", async () => {
      const linked = makeConfig().whatsapp;
      const configs = [
        makeConfig({ referrerUserId: "ok" }),
        makeConfig({ referrerUserId: "sending-paused", sendingPaused: true }),
        makeConfig({ referrerUserId: "disconnected", whatsapp: { ...linked, status: "disconnected" } }),
        makeConfig({ referrerUserId: "disabled", enabled: false }),
        makeConfig({ referrerUserId: "enrollment-paused", enrollmentPaused: true }),
        makeConfig({ referrerUserId: "never-linked", whatsapp: { ...linked, status: "pending_qr", linkedAt: null } }),
        makeConfig({ referrerUserId: "logged-out", whatsapp: { ...linked, status: "logged_out" } }),
      ];
      for (const config of configs) await ctx.storage().configs.getOrCreate(config);
      const enrollable = await ctx.storage().configs.listEnrollable();
      expect(enrollable.map((c) => c.referrerUserId).sort()).toEqual(["disconnected", "ok", "sending-paused"]);
      expect(enrollable.find((c) => c.referrerUserId === "ok")).toEqual(configs[0]);
    });
  });
}
