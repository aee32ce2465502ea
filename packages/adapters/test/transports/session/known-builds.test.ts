import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILD_REFUSE_AGE_DAYS, BUILD_WARN_AGE_DAYS, KNOWN_BUILDS, buildAge } from "../../../src/transports/session/known-builds.js";

const day = (iso: string, plusDays: number) => new Date(Date.parse(`${iso}T12:00:00Z`) + plusDays * 24 * 60 * 60_000);

// [version, now, verdict]
const CASES: Array<[string, Date, string]> = [
  ["2.3000.1017054665", day("2026-04-25", 10), "current"],
  ["2.3000.1017054665", day("2026-04-25", BUILD_WARN_AGE_DAYS), "ageing"],
  ["2.3000.1017054665", day("2026-04-25", BUILD_REFUSE_AGE_DAYS), "too_old"],
  // Not in the table, older than a known build: at least as old as it.
  ["2.3000.1000000000", day("2026-04-25", BUILD_WARN_AGE_DAYS + 1), "ageing"],
  ["2.2412.54", day("2026-04-25", BUILD_REFUSE_AGE_DAYS + 1), "too_old"],
  // Between the two known builds: dated by the newer one.
  ["2.3000.1030000000", day("2026-08-06", 30), "current"],
  // Newer than every known build, or not a build number: nothing is known.
  ["2.3000.1099999999", day("2030-01-01", 0), "unknown"],
  ["latest", day("2030-01-01", 0), "unknown"],
];

describe("known WhatsApp Web builds: a pin's age without a network (review W4)", () => {
  it.each(CASES)("%s at %s is %s", (version, now, verdict) => {
    expect(buildAge(version, now).verdict).toBe(verdict);
  });

  it("says how old and by what source", () => {
    expect(buildAge("2.3000.1017054665", day("2026-04-25", 200))).toMatchObject({ verdict: "ageing", ageDays: 200, currentBy: "2026-04-25", source: expect.stringMatching(/Constants\.js:10/) });
  });

  it("dates exactly the builds the installed libraries bake in (a library upgrade must extend the table)", async () => {
    const require = createRequire(import.meta.url);
    const wwebjs = await readFile(join(dirname(require.resolve("whatsapp-web.js/package.json")), "src/util/Constants.js"), "utf8");
    const baileys = await readFile(join(dirname(require.resolve("@whiskeysockets/baileys/package.json")), "lib/Defaults/index.js"), "utf8");
    const wwebjsBuild = /webVersion: '([\d.]+)'/.exec(wwebjs)![1]!;
    const baileysBuild = /const version = \[(\d+), (\d+), (\d+)\]/.exec(baileys)!.slice(1).join(".");
    expect(KNOWN_BUILDS.map((b) => b.version)).toEqual(expect.arrayContaining([wwebjsBuild, baileysBuild]));
  });
});

describe("Baileys: the baked version's age is checked when web.whatsapp.com cannot be read", () => {
  it.each([
    ["2026-09-01T00:00:00Z", null],
    ["2027-01-01T00:00:00Z", /ageing/],
    ["2027-09-01T00:00:00Z", /too old/],
  ] as const)("at %s", async (now, expected) => {
    const { WaVersionSource } = await import("../../../src/transports/baileys/wa-version.js");
    const { ManualClock } = await import("../../../src/index.js");
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, child() { return logger; }, warn: (_f: unknown, message: string) => void warnings.push(message) };
    const source = new WaVersionSource({ clock: new ManualClock(now, { autoAdvance: false }), logger: logger as never, fetch: async () => { throw new Error("offline"); } });
    await source.current();
    const age = warnings.filter((m) => /announces/.test(m));
    if (expected) expect(age.join("\n")).toMatch(expected);
    else expect(age).toEqual([]);
  });
});
