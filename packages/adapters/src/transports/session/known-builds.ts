/**
 * How old a WhatsApp Web build is, offline (review W4). WhatsApp deprecates old builds
 * (whatsapp-web.js: DEPRECATED_VERSION, Client.js:815-854; Baileys: 405 on connect), and neither
 * library carries a build's date: only its number. This table gives the builds the installed
 * libraries bake in a date by which each was WhatsApp's current one; a build's age is at least
 * the time since then. Builds not in the table are placed by their revision (the third number,
 * which only grows): older than a known build means at least as old as it.
 *
 * Sources (both the number and the date): the number as baked in node_modules, the date the npm
 * registry gives for the release that baked it (`npm view <package> time`); a library pins the
 * build that is current when it is released.
 */
export interface KnownBuild {
  version: string;
  /** WhatsApp's current build on that day (ISO date): the build is at least this old. */
  currentBy: string;
  source: string;
}

export const KNOWN_BUILDS: readonly KnownBuild[] = [
  {
    version: "2.3000.1017054665",
    currentBy: "2026-04-25",
    source: "whatsapp-web.js 1.34.7 (published 2026-04-25): node_modules/whatsapp-web.js/src/util/Constants.js:10",
  },
  {
    version: "2.3000.1043857760",
    currentBy: "2026-08-06",
    source: "@whiskeysockets/baileys 7.0.0-rc14 (published 2026-08-06): node_modules/@whiskeysockets/baileys/lib/Defaults/index.js:5",
  },
];

/** A build this old is warned about at start (and on each use of the fallback). */
export const BUILD_WARN_AGE_DAYS = 120;
/** A build this old is refused: WhatsApp has certainly deprecated it. */
export const BUILD_REFUSE_AGE_DAYS = 365;

const DAY_MS = 24 * 60 * 60_000;

export type BuildAge =
  | { verdict: "current" | "unknown"; version: string }
  | { verdict: "ageing" | "too_old"; version: string; ageDays: number; currentBy: string; source: string };

/** The age verdict of `version` (`2.3000.1017054665`) at `now`. */
export function buildAge(version: string, now: Date, table: readonly KnownBuild[] = KNOWN_BUILDS): BuildAge {
  const revision = revisionOf(version);
  if (revision === null) return { verdict: "unknown", version };
  // The newest known build this one is not newer than: it is at least as old as that one.
  const atLeastAsOldAs = table
    .filter((known) => (revisionOf(known.version) ?? -1) >= revision)
    .sort((a, b) => (revisionOf(a.version) ?? 0) - (revisionOf(b.version) ?? 0))[0];
  if (!atLeastAsOldAs) return { verdict: "unknown", version };
  const ageDays = Math.floor((now.getTime() - Date.parse(`${atLeastAsOldAs.currentBy}T00:00:00Z`)) / DAY_MS);
  if (ageDays < BUILD_WARN_AGE_DAYS) return { verdict: "current", version };
  return { verdict: ageDays >= BUILD_REFUSE_AGE_DAYS ? "too_old" : "ageing", version, ageDays, currentBy: atLeastAsOldAs.currentBy, source: atLeastAsOldAs.source };
}

function revisionOf(version: string): number | null {
  const match = /^2\.(\d+)\.(\d+)$/.exec(version);
  return match ? Number(match[1]) * 1e10 + Number(match[2]) : null;
}
