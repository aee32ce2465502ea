import { makeCacheableSignalKeyStore, type AuthenticationState, type BaileysEventMap, type WABrowserDescription } from "@whiskeysockets/baileys";
import { phoneDigits, type Clock, type E164, type LinkState, type Logger } from "@relance/core";
import type { PooledSession } from "../pool/session-pool.js";
import { qrDataUrl, qrTerminal } from "../../qr/render-qr.js";
import type { StorageAuthState } from "./auth-state.js";
import { decideOnClose, type ReconnectSettings } from "./disconnect-policy.js";
import { inboundTexts, receiptsFromStatusUpdates, receiptsFromUserReceipts, type InboundText, type ReceiptUpdate } from "./events.js";
import { phoneOfJid } from "./jid.js";
import { createKeyCache } from "./key-cache.js";
import type { BaileysLogger } from "./logger.js";
import { isLinked, socketConfig, statusCodeOf, type BaileysSocket, type MakeBaileysSocket } from "./socket.js";

/** A connection open this long counts as stable: its drop starts the reconnect backoff afresh. */
const STABLE_CONNECTION_MS = 60_000;

/** How the session was started: a new link (QR or pairing code), or a stored link brought back. */
export type SessionMode = { kind: "qr" } | { kind: "pairing_code"; phone: E164 } | { kind: "restore" };

export interface SessionHooks {
  state(state: LinkState): void;
  inbound(message: InboundText): void;
  receipt(receipt: ReceiptUpdate): void;
  /** The session stopped on its own (logged out, replaced, gave up): take it out of the pool. */
  ended(outcome: { blockRestore: boolean }): void;
}

export interface SessionDeps {
  referrerUserId: string;
  sessionId: string;
  auth: StorageAuthState;
  makeSocket: MakeBaileysSocket;
  clock: Clock;
  logger: Logger;
  baileysLogger: BaileysLogger;
  browser: WABrowserDescription;
  reconnect: ReconnectSettings;
  random?: () => number;
  printQrInTerminal?: (text: string) => void;
  hooks: SessionHooks;
}

type Waiter = () => void;

const BACKOFF_STEP_MS = 1_000;

/**
 * One referrer's WhatsApp connection, across the sockets it takes: Baileys' sockets do not
 * reconnect, so each restart or reconnect builds a new one on the same auth state. Sockets are
 * numbered; events of a socket that was replaced are ignored.
 */
export class BaileysSession implements PooledSession {
  private sock: BaileysSocket | null = null;
  private socketAlive = false;
  private generation = 0;
  private started = false;
  /** Set before any close we ask for: Baileys reports our own `end()` as an ordinary close. */
  private stopped = false;
  /** The stored session is being deleted: late writes from the socket must not recreate it. */
  private discarded = false;
  private attempts = 0;
  /** When the current socket opened (clock ms); null while it is not open. */
  private openedAt: number | null = null;
  private restarts = 0;
  private pairingRequested = false;
  private qrShownOnSocket = false;
  private latestQr: string | null = null;
  private cancelBackoff: (() => void) | null = null;
  private current: LinkState;
  private readonly waiters = new Set<Waiter>();
  private readonly auth: AuthenticationState;

  constructor(
    private readonly deps: SessionDeps,
    readonly mode: SessionMode,
  ) {
    const { creds, keys } = deps.auth.state;
    const guarded = {
      get: keys.get.bind(keys),
      set: async (data: Parameters<typeof keys.set>[0]) => {
        if (!this.discarded) await keys.set(data);
      },
    };
    // One cache per session, shared by its successive sockets (the keys are the same).
    this.auth = { creds, keys: makeCacheableSignalKeyStore(guarded, deps.baileysLogger, createKeyCache()) };
    this.current = { status: "disconnected", phone: phoneOfJid(creds.me?.id) };
  }

  get state(): LinkState {
    return { ...this.current };
  }

  get linked(): boolean {
    return isLinked(this.deps.auth.state.creds);
  }

  /** True once stopped, by us or on its own. */
  get ended(): boolean {
    return this.stopped;
  }

  /** The socket, only while it can send. */
  get openSocket(): BaileysSocket | null {
    return this.current.status === "connected" && this.socketAlive ? this.sock : null;
  }

  /** Opens the first socket; later calls do nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.openNewSocket();
  }

  /** The referrer asked to connect: skip the rest of the backoff wait. */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempts = 0;
    if (this.cancelBackoff) this.cancelBackoff();
    else if (!this.socketAlive) this.openNewSocket();
  }

  /** Resolves with the state once `done` holds or the session stops; null after `timeoutMs`. */
  waitFor(done: (state: LinkState) => boolean, timeoutMs: number): Promise<LinkState | null> {
    if (done(this.current) || this.stopped) return Promise.resolve(this.state);
    return new Promise((resolve) => {
      const settle = (value: LinkState | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const check: Waiter = () => {
        if (done(this.current) || this.stopped) settle(this.state);
      };
      const timer = setTimeout(() => settle(null), timeoutMs);
      timer.unref?.();
      this.waiters.add(check);
    });
  }

  /** Closes the connection; the device stays linked. */
  async close(): Promise<void> {
    this.stop();
    await this.endSocket();
  }

  /** Unlinks the device (when connected) and deletes the stored session. */
  async logout(): Promise<void> {
    this.stop();
    const sock = this.sock;
    if (sock && this.socketAlive && this.current.status === "connected") {
      try {
        await sock.logout();
      } catch (error) {
        this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys logout failed: the device may stay listed on the phone");
      }
    }
    await this.endSocket();
    await this.discard();
  }

  // ----- sockets -----

  private openNewSocket(): void {
    const gen = ++this.generation;
    const { makeSocket, referrerUserId, sessionId, baileysLogger, browser } = this.deps;
    // Said here rather than on the socket's own `connecting` (a tick later), keeping a restart's reason.
    if (this.current.status !== "connecting") this.setState({ status: "connecting", phone: this.knownPhone() });
    let sock: BaileysSocket;
    try {
      sock = makeSocket(socketConfig(this.auth, baileysLogger, browser), { referrerUserId, sessionId });
    } catch (error) {
      // makeWASocket throws synchronously on a bad configuration: handled like a failed connection.
      queueMicrotask(() => this.onClose(gen, error));
      return;
    }
    this.sock = sock;
    this.socketAlive = true;
    this.qrShownOnSocket = false;
    const { ev } = sock;
    ev.on("creds.update", () => {
      // Baileys merged the update into the creds object already: store the whole object.
      if (this.discarded) return;
      this.deps.auth.saveCreds().catch((error) => this.deps.logger.error({ referrerUserId, err: messageOf(error) }, "baileys creds could not be saved"));
    });
    ev.on("connection.update", (update) => this.onConnectionUpdate(gen, sock, update));
    ev.on("messages.upsert", (upsert) => {
      for (const message of inboundTexts(upsert)) this.deps.hooks.inbound(message);
    });
    ev.on("messages.update", (updates) => {
      for (const receipt of receiptsFromStatusUpdates(updates)) this.deps.hooks.receipt(receipt);
    });
    ev.on("message-receipt.update", (updates) => {
      for (const receipt of receiptsFromUserReceipts(updates)) this.deps.hooks.receipt(receipt);
    });
  }

  private onConnectionUpdate(gen: number, sock: BaileysSocket, update: BaileysEventMap["connection.update"]): void {
    if (gen !== this.generation) return;
    if (update.connection === "close") {
      this.onClose(gen, update.lastDisconnect?.error);
      return;
    }
    if (this.stopped) return;
    // `qr: undefined` comes with other updates: only a present QR is one.
    if (update.qr) {
      this.qrShownOnSocket = true;
      void this.onQr(gen, sock, update.qr);
    }
    if (update.connection === "open") {
      // The reconnect budget is only given back once the connection proved stable (see onClose):
      // a socket that opens then drops at once must not reconnect forever every 2 s.
      this.openedAt = this.deps.clock.now().getTime();
      this.restarts = 0;
      this.setState({ status: "connected", phone: phoneOfJid(sock.user?.id) ?? this.knownPhone() });
    }
  }

  private async onQr(gen: number, sock: BaileysSocket, qr: string): Promise<void> {
    const { referrerUserId, logger } = this.deps;
    if (this.mode.kind === "pairing_code") {
      // The socket is up once it shows a QR; later QRs leave the code on screen.
      if (this.pairingRequested || this.linked) return;
      this.pairingRequested = true;
      const phone = this.mode.phone;
      try {
        const code = await sock.requestPairingCode(phoneDigits(phone));
        if (gen !== this.generation || this.stopped) return;
        this.setState({ status: "pending_pairing", phone, pairingCode: formatPairingCode(code) });
      } catch (error) {
        logger.warn({ referrerUserId, err: messageOf(error) }, "baileys pairing code request failed");
        await this.finish({ status: "failed", phone: null, reason: `WhatsApp gave no pairing code: ${messageOf(error)}` }, { blockRestore: false, discard: !this.linked });
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
    if (gen !== this.generation || this.stopped || this.latestQr !== qr) return;
    this.setState({ status: "pending_qr", phone: null, qr: dataUrl ? { text: qr, dataUrl } : { text: qr } });
    const print = this.deps.printQrInTerminal;
    if (print) {
      qrTerminal(qr).then(print, (error: unknown) => logger.warn({ referrerUserId, err: messageOf(error) }, "QR could not be drawn for the terminal"));
    }
  }

  private onClose(gen: number, error: unknown): void {
    if (gen !== this.generation) return;
    this.socketAlive = false;
    if (this.stopped) return;
    const statusCode = statusCodeOf(error);
    if (this.openedAt !== null && this.deps.clock.now().getTime() - this.openedAt >= STABLE_CONNECTION_MS) this.attempts = 0;
    this.openedAt = null;
    const action = decideOnClose({
      statusCode,
      linked: this.linked,
      linkMethod: this.mode.kind === "pairing_code" ? "pairing_code" : "qr",
      qrShown: this.qrShownOnSocket,
      attempts: this.attempts,
      restarts: this.restarts,
      settings: this.deps.reconnect,
      ...(this.deps.random ? { random: this.deps.random } : {}),
    });
    this.deps.logger.info({ referrerUserId: this.deps.referrerUserId, statusCode, err: error === undefined ? undefined : messageOf(error), action: action.kind }, "baileys connection closed");
    const phone = this.knownPhone();
    switch (action.kind) {
      case "restart":
        this.restarts++;
        this.setState({ status: "connecting", phone, reason: action.reason });
        this.openNewSocket();
        return;
      case "retry":
        this.attempts = action.attempt;
        this.setState({ status: "disconnected", phone, reason: action.reason });
        this.reconnectAfter(action.delayMs);
        return;
      case "logged_out":
        void this.finish({ status: "logged_out", phone: null, reason: action.reason }, { blockRestore: false, discard: true });
        return;
      case "stop":
        // A link that never completed leaves creds that are useless, or harmful when a pairing
        // code set `me` (the next socket would try to log in instead of showing a QR).
        void this.finish({ status: action.status, phone: this.linked ? phone : null, reason: action.reason }, { blockRestore: action.blockRestore, discard: !this.linked });
        return;
    }
  }

  private reconnectAfter(delayMs: number): void {
    let cancelled = false;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const cancel = () => {
      cancelled = true;
      wake();
    };
    this.cancelBackoff = cancel;
    const { clock } = this.deps;
    const deadline = clock.now().getTime() + delayMs;
    const wait = async () => {
      // A clock's sleep cannot be cancelled: short steps let a stop end the wait (and its timer)
      // within a second, and racing each step lets a stop or a connect cut it short at once.
      while (!cancelled && clock.now().getTime() < deadline) {
        await Promise.race([clock.sleep(Math.min(BACKOFF_STEP_MS, deadline - clock.now().getTime())), woken]);
      }
    };
    void wait().then(() => {
      if (this.cancelBackoff === cancel) this.cancelBackoff = null;
      if (!this.stopped && !this.socketAlive) this.openNewSocket();
    });
  }

  // ----- state -----

  private async finish(state: LinkState, options: { blockRestore: boolean; discard: boolean }): Promise<void> {
    // Waiters are told once the final state is there, not with the state being left.
    this.stop({ notify: false });
    void this.endSocket();
    if (options.discard) {
      try {
        await this.discard();
      } catch (error) {
        this.deps.logger.error({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "stored baileys session could not be deleted");
      }
    }
    this.publish(state);
    this.deps.hooks.ended({ blockRestore: options.blockRestore });
  }

  private stop(options: { notify: boolean } = { notify: true }): void {
    this.stopped = true;
    this.cancelBackoff?.();
    if (options.notify) this.notifyWaiters();
  }

  private async endSocket(): Promise<void> {
    const sock = this.sock;
    if (!sock || !this.socketAlive) return;
    this.socketAlive = false;
    try {
      await sock.end(undefined);
    } catch (error) {
      this.deps.logger.warn({ referrerUserId: this.deps.referrerUserId, err: messageOf(error) }, "baileys socket did not end cleanly");
    }
  }

  private async discard(): Promise<void> {
    this.discarded = true;
    await this.deps.auth.clear();
  }

  private setState(state: LinkState): void {
    if (this.stopped) return;
    this.publish(state);
  }

  private publish(state: LinkState): void {
    this.current = state;
    this.deps.hooks.state({ ...state });
    this.notifyWaiters();
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private knownPhone(): E164 | null {
    return phoneOfJid(this.deps.auth.state.creds.me?.id) ?? this.current.phone;
  }
}

/** `ABCD1234` → `ABCD-1234`, as WhatsApp shows it on the phone. */
export function formatPairingCode(code: string): string {
  const compact = code.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : compact;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
