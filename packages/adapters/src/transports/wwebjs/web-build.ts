import type { Logger } from "@relance/core";
import type { WebVersionPin } from "./client-factory.js";

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
    private readonly pinned: WebVersionPin,
    private readonly fallback: WebVersionPin | null,
    private readonly logger: Logger,
  ) {
    this.current = pinned;
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
    this.logger.error(
      { webVersion: version, fallback: this.fallback.version },
      "WhatsApp deprecated the pinned WhatsApp Web build: clients now load the fallback build; pin a current build (RELANCE_WWEBJS_WEB_VERSION)",
    );
    return true;
  }

  /** Whether `version` is the configured pin (not the fallback). */
  isPinned(version: string): boolean {
    return version === this.pinned.version;
  }
}
