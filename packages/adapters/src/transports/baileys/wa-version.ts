import { DEFAULT_CONNECTION_CONFIG, fetchLatestWaWebVersion, type WAVersion } from "@whiskeysockets/baileys";
import type { Clock, Logger } from "@relance/core";
import { buildAge, type BuildAge } from "../session/known-builds.js";

/** Baileys' `fetchLatestWaWebVersion` (reads web.whatsapp.com/sw.js, lib/Utils/generics.js:218) or a test double. */
export type FetchWaVersion = (options: { signal: AbortSignal }) => Promise<{ version: WAVersion; isLatest: boolean; error?: unknown }>;

export interface WaVersionOptions {
  clock: Clock;
  logger: Logger;
  fetch?: FetchWaVersion;
  /** How long a resolved version is trusted (default a day). */
  refreshMs?: number;
  /** Longest wait for web.whatsapp.com before connecting with the version known so far (default 5 s). */
  timeoutMs?: number;
}

const RETRY_AFTER_FAILURE_MS = 60_000;

/** The version built into Baileys (lib/Defaults/index.js:5): what a failed lookup falls back to. */
export const BAKED_WA_VERSION: WAVersion = DEFAULT_CONNECTION_CONFIG.version;

/**
 * The WhatsApp Web version sockets announce. WhatsApp refuses clients older than its minimum with
 * a 405 on connect, and Baileys' baked version ages with every release: the current one is read
 * from web.whatsapp.com when the transport starts, again once a day, and at once after a 405.
 * A failed read keeps the last known version (the baked one at first) and is retried next time.
 */
export class WaVersionSource {
  private version: WAVersion = BAKED_WA_VERSION;
  private resolvedAt: number | null = null;
  private attemptedAt: number | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly fetch: FetchWaVersion;
  private readonly refreshMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: WaVersionOptions) {
    this.fetch = options.fetch ?? ((init) => fetchLatestWaWebVersion(init));
    this.refreshMs = options.refreshMs ?? 24 * 60 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The last version read (the baked one until a read succeeds), without reading. */
  get latest(): WAVersion {
    return this.version;
  }

  /** True once a version was read from WhatsApp (not the baked fallback). */
  get resolved(): boolean {
    return this.resolvedAt !== null;
  }

  /** The version to connect with, refreshed first when older than a day. */
  async current(): Promise<WAVersion> {
    const now = this.options.clock.now().getTime();
    // A failed read is retried a minute later at the earliest, not on every socket.
    const due = this.attemptedAt === null || (now - this.attemptedAt >= RETRY_AFTER_FAILURE_MS && (this.resolvedAt === null || now - this.resolvedAt >= this.refreshMs));
    if (due) await this.refresh();
    return this.version;
  }

  /** Reads the version again, whatever its age (after a 405). Concurrent callers share one read. */
  refresh(): Promise<void> {
    this.inFlight ??= this.read().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /**
   * The startup age check (review W4) on the version announced while none could be read: Baileys'
   * baked one. Old enough, WhatsApp answers 405 (the version is then read again, and each socket
   * fails until a read succeeds). Returns the verdict.
   */
  warnIfOld(): BuildAge {
    const age = buildAge(this.version.join("."), this.options.clock.now());
    if (age.verdict === "ageing" || age.verdict === "too_old") {
      this.options.logger.warn(
        { version: age.version, ageDays: age.ageDays, currentBy: age.currentBy, source: age.source },
        age.verdict === "too_old"
          ? "the WhatsApp Web version Baileys announces is too old: WhatsApp refuses it (405) until web.whatsapp.com can be read; upgrade Baileys"
          : "the WhatsApp Web version Baileys announces is ageing: WhatsApp may refuse it (405) while web.whatsapp.com cannot be read",
      );
    }
    return age;
  }

  private async read(): Promise<void> {
    this.attemptedAt = this.options.clock.now().getTime();
    try {
      const result = await this.fetch({ signal: AbortSignal.timeout(this.timeoutMs) });
      if (!result.isLatest) throw result.error ?? new Error("no version in the answer");
      if (result.version.join(".") !== this.version.join(".")) {
        this.options.logger.info({ version: result.version.join(".") }, "whatsapp web version resolved");
      }
      this.version = result.version;
      this.resolvedAt = this.options.clock.now().getTime();
    } catch (error) {
      const reason = error instanceof Error ? error.message : typeof error === "object" && error && "message" in error ? String(error.message) : String(error);
      this.options.logger.warn({ err: reason, version: this.version.join(".") }, "whatsapp web version could not be read: keeping the last known one");
      if (this.resolvedAt === null) this.warnIfOld();
    }
  }
}
