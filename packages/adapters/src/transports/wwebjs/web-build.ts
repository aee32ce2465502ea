import type { Logger } from "@relance/core";
import type { WebVersionPin } from "./client-factory.js";
import { buildAge, type BuildAge } from "../session/known-builds.js";

/** `auth timeout`s in a row on the pin (no `ready` between) that count as a deprecation. */
const LOAD_FAILURES_BEFORE_FALLBACK = 2;

/**
 * The WhatsApp Web build this process's clients load. A pinned build ages: once WhatsApp's
 * server deprecates it, every client on it is closed right after `ready` (DEPRECATED_VERSION,
 * Client.js:815-854), and restoring with it again would start a Chromium that fails the same way,
 * on every listening run and every dispatch minute. The first DEPRECATED_VERSION on the pin moves
 * the whole process to the fallback (by default `latest`, what web.whatsapp.com serves), with an
 * error logged so that an operator re-pins; a fallback that is deprecated too leaves nothing to
 * move to.
 */
export class WebBuild {
  private current: WebVersionPin;

  constructor(
    pinned: WebVersionPin,
    private readonly fallback: WebVersionPin | null,
    private readonly logger: Logger,
  ) {
    this.current = pinned;
  }

  /**
   * The startup age check (review W4): a pin WhatsApp has had long enough to deprecate is
   * warned about; one past `BUILD_REFUSE_AGE_DAYS` is not loaded at all, the fallback is (with an
   * error logged so that an operator re-pins). Returns the verdict on the pin.
   */
  checkAge(now: Date): BuildAge {
    const age = buildAge(this.current.version, now);
    if (age.verdict === "ageing") {
      this.logger.warn(
        { webVersion: age.version, ageDays: age.ageDays, currentBy: age.currentBy, source: age.source },
        "the pinned WhatsApp Web build is ageing: WhatsApp may deprecate it soon; pin a current build (RELANCE_WWEBJS_WEB_VERSION)",
      );
    } else if (age.verdict === "too_old" && this.fallback && this.fallback.version !== age.version) {
      this.current = this.fallback;
      this.logger.error(
        { webVersion: age.version, ageDays: age.ageDays, currentBy: age.currentBy, source: age.source, fallback: this.fallback.version },
        "the pinned WhatsApp Web build is too old to load (WhatsApp has deprecated it by now): clients load the fallback build; pin a current build (RELANCE_WWEBJS_WEB_VERSION)",
      );
    } else if (age.verdict === "too_old") {
      this.logger.error({ webVersion: age.version, ageDays: age.ageDays }, "the pinned WhatsApp Web build is too old and no fallback is configured: sessions will likely be refused (DEPRECATED_VERSION)");
    }
    return age;
  }

  /** The build the next client loads. */
  get(): WebVersionPin {
    return this.current;
  }

  /**
   * A client on `version` was closed with DEPRECATED_VERSION. True when the next client loads
   * another build (moved now, or earlier by another session); false when there is none left.
   */
  deprecated(version: string): boolean {
    if (version !== this.current.version) return true;
    if (!this.fallback || this.fallback.version === version) return false;
    this.current = this.fallback;
    this.loadFailures = 0;
    this.logger.error(
      { webVersion: version, fallback: this.fallback.version },
      "WhatsApp deprecated the pinned WhatsApp Web build (or it no longer loads): clients now load the fallback build; pin a current build (RELANCE_WWEBJS_WEB_VERSION)",
    );
    return true;
  }

  /**
   * A client on `version` could not load WhatsApp Web (`auth timeout` / `ready timeout`: the
   * library's injection never found its page, Client.js:122-136, 330-343). Once can be a slow
   * network; twice running on the pin with no ready between, the build is treated as deprecated.
   */
  failedToLoad(version: string): void {
    if (version !== this.current.version || version === "latest") return;
    this.loadFailures++;
    if (this.loadFailures >= LOAD_FAILURES_BEFORE_FALLBACK) this.deprecated(version);
  }

  /** A client on `version` became ready: the build loads. */
  loaded(version: string): void {
    if (version === this.current.version) this.loadFailures = 0;
  }

  private loadFailures = 0;
}
