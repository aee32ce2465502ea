import { describe, expect, it } from "vitest";
import type { ExitedUser } from "@relance/core";
import { at, T0 } from "../builders.js";
import { range, type ContractContext } from "./context.js";

export function makeExitedUser(overrides: Partial<ExitedUser> = {}): ExitedUser {
  return { userId: "user-1", reason: "paid", exitedAt: new Date(T0), ...overrides };
}

export function describeExitedUsers(ctx: ContractContext): void {
  describe("exited users", () => {
    it("get is null for a user never recorded", async () => {
      expect(await ctx.storage().exitedUsers.get("nobody")).toBeNull();
    });

    it("record then get returns it, dates as Date", async () => {
      const entry = makeExitedUser({ exitedAt: at(5) });
      await ctx.storage().exitedUsers.record(entry);
      const stored = await ctx.storage().exitedUsers.get("user-1");
      expect(stored).toEqual(entry);
      expect(stored!.exitedAt).toBeInstanceOf(Date);
      expect(stored!.exitedAt.getTime()).toBe(at(5).getTime());
      expect(await ctx.storage().exitedUsers.get("user-2")).toBeNull();
    });

    it("record is idempotent: the first record for a user is kept", async () => {
      const first = makeExitedUser({ reason: "paid", exitedAt: at(1) });
      await ctx.storage().exitedUsers.record(first);
      await ctx.storage().exitedUsers.record(makeExitedUser({ reason: "manual", exitedAt: at(2) }));
      await ctx.storage().exitedUsers.record(makeExitedUser({ userId: "user-2", reason: "manual", exitedAt: at(3) }));
      expect(await ctx.storage().exitedUsers.get("user-1")).toEqual(first);
      expect(await ctx.storage().exitedUsers.get("user-2")).toEqual(makeExitedUser({ userId: "user-2", reason: "manual", exitedAt: at(3) }));
    });

    it("10 concurrent records of one user leave one record, one of those given", async () => {
      const entries = range(10).map((i) => makeExitedUser({ reason: i % 2 === 0 ? "paid" : "manual", exitedAt: at(i) }));
      await Promise.all(entries.map((entry) => ctx.storage().exitedUsers.record(entry)));
      const stored = await ctx.storage().exitedUsers.get("user-1");
      expect(entries).toContainEqual(stored);
      // Once settled, further records change nothing.
      await ctx.storage().exitedUsers.record(makeExitedUser({ reason: "manual", exitedAt: at(100) }));
      expect(await ctx.storage().exitedUsers.get("user-1")).toEqual(stored);
      expect([...(await ctx.storage().exitedUsers.filterExited(["user-1"]))]).toEqual(["user-1"]);
    });

    it("filterExited returns the recorded ids among those given, ignoring unknown ones", async () => {
      await ctx.storage().exitedUsers.record(makeExitedUser({ userId: "user-1" }));
      await ctx.storage().exitedUsers.record(makeExitedUser({ userId: "user-2", reason: "manual" }));
      await ctx.storage().exitedUsers.record(makeExitedUser({ userId: "user-3" }));
      const exited = await ctx.storage().exitedUsers.filterExited(["user-2", "unknown", "user-1", "user-2"]);
      expect(exited).toBeInstanceOf(Set);
      expect([...exited].sort()).toEqual(["user-1", "user-2"]);
      expect((await ctx.storage().exitedUsers.filterExited(["unknown-1", "unknown-2"])).size).toBe(0);
      expect((await ctx.storage().exitedUsers.filterExited([])).size).toBe(0);
    });

    it("listExitedBefore pages, in id order, through the users recorded before the date", async () => {
      const exitedUsers = ctx.storage().exitedUsers;
      for (const [userId, hour] of [["u-c", 1], ["u-a", 2], ["u-d", 9], ["u-b", 3], ["u-e", 4]] as const) await exitedUsers.record(makeExitedUser({ userId, exitedAt: at(hour) }));
      expect(await exitedUsers.listExitedBefore(at(5), null, 10)).toEqual(["u-a", "u-b", "u-c", "u-e"]);
      expect(await exitedUsers.listExitedBefore(at(5), null, 2)).toEqual(["u-a", "u-b"]);
      expect(await exitedUsers.listExitedBefore(at(5), "u-b", 2)).toEqual(["u-c", "u-e"]);
      expect(await exitedUsers.listExitedBefore(at(5), "u-e", 2)).toEqual([]);
      // Strictly before: one recorded at the date itself is not listed.
      expect(await exitedUsers.listExitedBefore(at(1), null, 10)).toEqual([]);
      expect(await exitedUsers.listExitedBefore(at(10), null, 10)).toEqual(["u-a", "u-b", "u-c", "u-d", "u-e"]);
    });

    it("the stored record is a copy: mutating what was given or returned changes nothing", async () => {
      const entry = makeExitedUser();
      await ctx.storage().exitedUsers.record(entry);
      entry.reason = "manual";
      entry.exitedAt.setTime(0);
      const read = await ctx.storage().exitedUsers.get("user-1");
      read!.exitedAt.setTime(1);
      expect(await ctx.storage().exitedUsers.get("user-1")).toEqual(makeExitedUser());
    });
  });
}
