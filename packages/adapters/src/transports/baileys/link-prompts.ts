import { phoneDigits, type LinkState, type Logger } from "@relance/core";
import { qrDataUrl, qrTerminal } from "../../qr/render-qr.js";
import { formatSeconds } from "./disconnect-policy.js";
import type { SessionMode } from "./session-types.js";
import type { BaileysSocket } from "./socket.js";
import { messageOf } from "../session/error-message.js";

export interface LinkPromptDeps {
  referrerUserId: string;
  logger: Logger;
  mode: SessionMode;
  /** Longest time from the first QR or code shown to the phone completing the link. */
  pairingMs: number;
  printQrInTerminal?: (text: string) => void;
  /** Generation `gen` is the current socket and the session still runs. */
  isCurrent(gen: number): boolean;
  linked(): boolean;
  show(state: LinkState): void;
  fail(state: LinkState, discard: boolean): Promise<void>;
}

/**
 * What the referrer is shown while linking: each new QR (rendered as a PNG, and for a terminal
 * when asked), or the pairing code requested on the first QR (lib/Socket/socket.js:694-723).
 * WhatsApp never tells a companion that the code was not typed, nor that it refused the link: a
 * link with no `pair-success` in time ends with a reason instead of leaving a dead code on screen.
 */
export class LinkPrompts {
  private pairingRequested = false;
  private latestQr: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: LinkPromptDeps) {}

  async onQr(gen: number, sock: BaileysSocket, qr: string): Promise<void> {
    const { referrerUserId, logger, mode } = this.deps;
    if (mode.kind === "pairing_code") {
      // The socket is up once it shows a QR; later QRs leave the code on screen.
      if (this.pairingRequested || this.deps.linked()) return;
      this.pairingRequested = true;
      try {
        const code = await sock.requestPairingCode(phoneDigits(mode.phone));
        if (!this.deps.isCurrent(gen)) return;
        this.deps.show({ status: "pending_pairing", phone: mode.phone, pairingCode: formatPairingCode(code) });
        this.startTimer(gen);
      } catch (error) {
        logger.warn({ referrerUserId, err: messageOf(error) }, "baileys pairing code request failed");
        await this.deps.fail({ status: "failed", phone: null, reason: `WhatsApp gave no pairing code: ${messageOf(error)}` }, !this.deps.linked());
      }
      return;
    }
    this.latestQr = qr;
    let dataUrl: string | undefined;
    try {
      dataUrl = await qrDataUrl(qr);
    } catch (error) {
      logger.warn({ referrerUserId, err: messageOf(error) }, "QR could not be rendered as PNG");
    }
    // Rendering is asynchronous: a newer QR, or the end of the link, may have come meanwhile.
    if (!this.deps.isCurrent(gen) || this.latestQr !== qr) return;
    this.deps.show({ status: "pending_qr", phone: null, qr: dataUrl ? { text: qr, dataUrl } : { text: qr } });
    this.startTimer(gen);
    const print = this.deps.printQrInTerminal;
    if (print) {
      qrTerminal(qr).then(print, (error: unknown) => logger.warn({ referrerUserId, err: messageOf(error) }, "QR could not be drawn for the terminal"));
    }
  }

  /** The link completed or ended: no timeout any more. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private startTimer(gen: number): void {
    if (this.timer) return;
    const ms = this.deps.pairingMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.deps.isCurrent(gen) || this.deps.linked()) return;
      const what = this.deps.mode.kind === "pairing_code" ? "the pairing code was not entered on the phone" : "the QR code was not scanned";
      this.deps.logger.info({ referrerUserId: this.deps.referrerUserId }, "baileys link timed out");
      void this.deps.fail({ status: "failed", phone: null, reason: `${what} within ${formatSeconds(ms)}: start again` }, true);
    }, ms);
    this.timer.unref?.();
  }
}

/** `ABCD1234` → `ABCD-1234`, as WhatsApp shows it on the phone. */
export function formatPairingCode(code: string): string {
  const compact = code.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : compact;
}
