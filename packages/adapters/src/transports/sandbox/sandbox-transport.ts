import {
  TransportUnavailableError,
  normalizePhone,
  type Clock,
  type E164,
  type LinkMethod,
  type LinkState,
  type MediaItem,
  type OutgoingMessage,
  type PresenceState,
  type SendContext,
  type SendResult,
  type SenderRestriction,
  type Transport,
  type TransportEvent,
} from "@relance/core";
import { qrDataUrl } from "../../qr/render-qr.js";
import { sandboxPairingCode } from "./pairing-code.js";
import { SandboxRestrictions } from "./restrictions.js";

/** One day's message as the simulated phone of the referral received it. */
export interface OutboxItem {
  from: E164;
  to: E164;
  text: string;
  media: MediaItem[];
  sentAt: Date;
  day: number;
  targetId: string;
  referrerUserId: string;
  messageId: string;
  mediaMessageIds: string[];
  idempotencyKey: string;
}

export interface SandboxTransportOptions {
  clock: Clock;
  /** Render QR codes as PNG data URLs (default true; tests may turn it off for speed). */
  renderQr?: boolean;
}

interface Session {
  state: LinkState;
  qrSequence: number;
  /** Messages that arrived while the session was down: emitted by the next `ensureReady`. */
  backlog: Array<{ from: E164; text: string }>;
}

/**
 * WhatsApp simulated in memory, like a payment provider's test mode: phones that "scan" QR
 * codes, drop or log out, numbers that are not on WhatsApp, replies, receipts, and an outbox of
 * everything sent. Runs a whole loop in milliseconds on a manual clock.
 */
export class SandboxTransport implements Transport {
  readonly name = "sandbox";
  /** Tests may set `maxSessions` to play a transport with a session cap. */
  readonly capabilities: Transport["capabilities"] = { presence: true, pairingCode: true };
  private readonly sessions = new Map<string, Session>();
  private readonly notOnWhatsApp = new Set<E164>();
  private readonly listeners = new Set<(event: TransportEvent) => void>();
  private readonly sentListeners = new Set<(item: OutboxItem) => void>();
  private readonly sent: OutboxItem[] = [];
  private readonly failures: Array<{ remaining: number; message: string; to?: E164 }> = [];
  private mediaFailure: string | null = null;
  private readonly restrictions = new SandboxRestrictions();
  private readonly repliesWhileComposing: Array<{ referrerUserId: string; from: E164; text: string }> = [];
  private messageSequence = 0;
  /** Every presence update, in order. */
  readonly presence: Array<{ referrerUserId: string; state: PresenceState; to?: E164; at: Date }> = [];

  /** Every "typing…" shown, in order. */
  get typing(): Array<{ referrerUserId: string; to: E164; at: Date }> {
    return this.presence.flatMap((p) => (p.state === "composing" && p.to ? [{ referrerUserId: p.referrerUserId, to: p.to, at: p.at }] : []));
  }

  constructor(private readonly options: SandboxTransportOptions) {}

  // ----- Transport port -----

  async connect(referrerUserId: string, options: { method: LinkMethod; phone?: E164 }): Promise<LinkState> {
    const session = this.session(referrerUserId);
    if (session.state.status === "connected") return { ...session.state };
    if (options.method === "pairing_code") {
      const code = sandboxPairingCode(referrerUserId, this.options.clock.now());
      this.update(referrerUserId, { status: "pending_pairing", phone: options.phone ?? null, pairingCode: code });
    } else {
      this.update(referrerUserId, { status: "pending_qr", phone: null, qr: await this.nextQr(referrerUserId) });
    }
    return this.getState(referrerUserId);
  }

  async disconnect(referrerUserId: string, options: { logout: boolean }): Promise<LinkState> {
    const phone = this.session(referrerUserId).state.phone;
    this.update(referrerUserId, options.logout ? { status: "logged_out", phone: null, reason: "logged out by the referrer" } : { status: "disconnected", phone, reason: "disconnected by the referrer" });
    return this.getState(referrerUserId);
  }

  getState(referrerUserId: string): LinkState {
    const state = this.sessions.get(referrerUserId)?.state ?? { status: "disconnected", phone: null };
    const restriction = this.restrictions.reported(referrerUserId, this.options.clock.now());
    return { ...state, ...(restriction ? { restriction } : {}) };
  }

  /** Like a real transport restoring a session: what arrived while it was down is emitted first. */
  async ensureReady(referrerUserId: string): Promise<LinkState> {
    const session = this.sessions.get(referrerUserId);
    if (session?.state.status === "connected") {
      for (const item of session.backlog.splice(0)) {
        this.emit({ type: "inbound", referrerUserId, from: item.from, text: item.text, at: this.options.clock.now() });
      }
    }
    return this.getState(referrerUserId);
  }

  async isOnWhatsApp(referrerUserId: string, phone: E164): Promise<boolean> {
    this.requireConnected(referrerUserId);
    this.restrictions.refuse(referrerUserId, this.options.clock.now());
    return !this.notOnWhatsApp.has(phone);
  }

  async sendPresence(referrerUserId: string, state: PresenceState, to?: E164): Promise<void> {
    this.requireConnected(referrerUserId);
    this.presence.push({ referrerUserId, state, ...(to ? { to } : {}), at: this.options.clock.now() });
    if (state !== "composing" || !to) return;
    const index = this.repliesWhileComposing.findIndex((r) => r.referrerUserId === referrerUserId && r.from === to);
    if (index < 0) return;
    const [reply] = this.repliesWhileComposing.splice(index, 1);
    this.emit({ type: "inbound", referrerUserId, from: reply!.from, text: reply!.text, at: this.options.clock.now() });
  }

  async send(referrerUserId: string, message: OutgoingMessage, context: SendContext): Promise<SendResult> {
    const from = this.requireConnected(referrerUserId);
    this.restrictions.refuse(referrerUserId, this.options.clock.now());
    const failure = this.failures.find((f) => f.remaining > 0 && (f.to === undefined || f.to === message.to));
    if (failure) {
      failure.remaining--;
      throw new Error(failure.message);
    }
    const messageId = this.nextMessageId();
    const mediaFailure = message.media.length > 0 ? this.mediaFailure : null;
    if (mediaFailure) this.mediaFailure = null;
    const media = mediaFailure ? message.media.slice(1) : message.media;
    const mediaMessageIds = media.map(() => this.nextMessageId());
    const item: OutboxItem = {
      from,
      to: message.to,
      text: message.text,
      media: media.map((m) => ({ ...m })),
      sentAt: this.options.clock.now(),
      day: context.day,
      targetId: context.targetId,
      referrerUserId,
      messageId,
      mediaMessageIds,
      idempotencyKey: context.idempotencyKey,
    };
    this.sent.push(item);
    for (const listener of this.sentListeners) listener({ ...item });
    return { messageId, mediaMessageIds, ...(mediaFailure ? { partialFailure: `[sandbox] text sent, but media 1/${message.media.length}: ${mediaFailure}` } : {}) };
  }

  subscribe(listener: (event: TransportEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  // ----- The simulated world -----

  /** The referrer's phone scans the QR (or enters the pairing code): the session is connected. */
  link(referrerUserId: string, phone: string): LinkState {
    const normalized = normalizePhone(phone);
    if (!normalized) throw new TypeError(`[sandbox] not an E.164 phone: ${phone}`);
    this.update(referrerUserId, { status: "connected", phone: normalized });
    return this.getState(referrerUserId);
  }

  /** The connection drops; `loggedOut` when the device was unlinked from the phone. */
  drop(referrerUserId: string, options: { loggedOut?: boolean } = {}): LinkState {
    const phone = this.session(referrerUserId).state.phone;
    this.update(
      referrerUserId,
      options.loggedOut
        ? { status: "logged_out", phone: null, reason: "the device was unlinked from the phone" }
        : { status: "disconnected", phone, reason: "connection lost" },
    );
    return this.getState(referrerUserId);
  }

  /** A new QR replaces the current one (WhatsApp rotates them every 20 s). */
  async rotateQr(referrerUserId: string): Promise<LinkState> {
    if (this.session(referrerUserId).state.status === "pending_qr") {
      this.update(referrerUserId, { status: "pending_qr", phone: null, qr: await this.nextQr(referrerUserId) });
    }
    return this.getState(referrerUserId);
  }

  setOnWhatsApp(phone: string, onWhatsApp: boolean): void {
    const normalized = normalizePhone(phone);
    if (!normalized) throw new TypeError(`[sandbox] not an E.164 phone: ${phone}`);
    if (onWhatsApp) this.notOnWhatsApp.delete(normalized);
    else this.notOnWhatsApp.add(normalized);
  }

  /** A referral writes to the referrer's number. False when no connected referrer has that number. */
  inbound(from: string, to: string, text: string): boolean {
    const sender = normalizePhone(from);
    const receiver = normalizePhone(to);
    const referrerUserId = [...this.sessions].find(([, s]) => s.state.status === "connected" && s.state.phone === receiver)?.[0];
    if (!sender || !referrerUserId) return false;
    this.emit({ type: "inbound", referrerUserId, from: sender, text, at: this.options.clock.now() });
    return true;
  }

  /** The recipient's phone acknowledges a message (at `at`, default the clock's now). */
  receipt(messageId: string, status: "delivered" | "read" | "failed", error?: string, at?: Date): boolean {
    const item = this.sent.find((s) => s.messageId === messageId || s.mediaMessageIds.includes(messageId));
    if (!item) return false;
    this.emit({ type: "receipt", referrerUserId: item.referrerUserId, messageId, status, at: at ?? this.options.clock.now(), ...(error ? { error } : {}) });
    return true;
  }

  /** Called with each message that leaves (the simulated population answers it). */
  onSent(listener: (item: OutboxItem) => void): () => void {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }

  /**
   * WhatsApp restricts the account until `until` (null: until `liftRestriction`). Sends and
   * number checks are refused with `SenderRestrictedError`; with `inState` (default true) the
   * session's state reports it too, as a time lock read on connect would.
   */
  restrict(referrerUserId: string, restriction: SenderRestriction, options: { inState?: boolean } = {}): void {
    const inState = options.inState ?? true;
    this.restrictions.set(referrerUserId, restriction, inState);
    // Like Baileys' `connection.update` carrying a reach-out time lock.
    if (inState) this.emit({ type: "link", referrerUserId, state: this.getState(referrerUserId), at: this.options.clock.now() });
  }

  liftRestriction(referrerUserId: string): void {
    this.restrictions.lift(referrerUserId);
  }

  /**
   * A referral writes to the referrer's number while its session is down: the message reaches
   * the referrer on the next `ensureReady` (the offline backlog). False when no referrer has `to`.
   */
  inboundWhileOffline(from: string, to: string, text: string): boolean {
    const sender = normalizePhone(from);
    const receiver = normalizePhone(to);
    const entry = [...this.sessions].find(([, s]) => s.state.phone === receiver);
    if (!sender || !entry) return false;
    entry[1].backlog.push({ from: sender, text });
    return true;
  }

  /** The referral answers while "typing…" is shown to them, i.e. while their message is being prepared. */
  replyWhileComposing(referrerUserId: string, from: string, text: string): void {
    const sender = normalizePhone(from);
    if (!sender) throw new TypeError(`[sandbox] not an E.164 phone: ${from}`);
    this.repliesWhileComposing.push({ referrerUserId, from: sender, text });
  }

  /** The next `count` sends (to `to`, or to anyone) fail with `message`. */
  failNextSends(count: number, message = "simulated send failure", to?: string): void {
    const normalized = to === undefined ? undefined : (normalizePhone(to) ?? undefined);
    this.failures.push({ remaining: count, message, ...(normalized ? { to: normalized } : {}) });
  }

  /** In the next send with media, the text leaves and the first media fails. */
  failFirstMediaOfNextSend(message = "simulated media failure"): void {
    this.mediaFailure = message;
  }

  /** Everything sent, oldest first; only one referrer's with `referrerUserId`. */
  outbox(referrerUserId?: string): OutboxItem[] {
    return this.sent.filter((item) => referrerUserId === undefined || item.referrerUserId === referrerUserId).map((item) => ({ ...item }));
  }

  // ----- internals -----

  private session(referrerUserId: string): Session {
    let session = this.sessions.get(referrerUserId);
    if (!session) {
      session = { state: { status: "disconnected", phone: null }, qrSequence: 0, backlog: [] };
      this.sessions.set(referrerUserId, session);
    }
    return session;
  }

  private update(referrerUserId: string, state: LinkState): void {
    this.session(referrerUserId).state = state;
    this.emit({ type: "link", referrerUserId, state: { ...state }, at: this.options.clock.now() });
  }

  private requireConnected(referrerUserId: string): E164 {
    const state = this.getState(referrerUserId);
    if (state.status !== "connected" || !state.phone) {
      throw new TransportUnavailableError(`[sandbox] session of ${referrerUserId} is ${state.status}`, state.status);
    }
    return state.phone;
  }

  private async nextQr(referrerUserId: string): Promise<{ text: string; dataUrl?: string }> {
    const session = this.session(referrerUserId);
    session.qrSequence++;
    const text = `sandbox-qr:${referrerUserId}:${session.qrSequence}:${this.options.clock.now().getTime()}`;
    return this.options.renderQr === false ? { text } : { text, dataUrl: await qrDataUrl(text) };
  }

  private nextMessageId(): string {
    this.messageSequence++;
    return `SANDBOX${this.messageSequence.toString(16).toUpperCase().padStart(8, "0")}`;
  }

  private emit(event: TransportEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
