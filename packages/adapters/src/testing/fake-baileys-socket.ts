import { randomBytes } from "node:crypto";
import {
  DisconnectReason,
  ReachoutTimelockEnforcementType,
  WAMessageStatus,
  proto,
  buildPairingQRData,
  bytesToCrockford,
  generateMessageIDV2,
  getNextPreKeys,
  jidDecode,
  jidEncode,
  makeEventBuffer,
  type AnyMessageContent,
  type AuthenticationCreds,
  type Contact,
  type MessageUpsertType,
  type MiscMessageGenerationOptions,
  type NewChatMessageCapInfo,
  type ReachoutTimelockState,
  type SignalKeyStore,
  type UserFacingSocketConfig,
  type WAMediaUpload,
  type WAMessage,
  type WAPresence,
} from "@whiskeysockets/baileys";
import { silentLogger, type E164 } from "@relance/core";
import type { ObservedSend } from "./transport-contract.js";
import { toBaileysLogger } from "../transports/baileys/logger.js";
import { DEFAULT_BROWSER, type BaileysSocket, type LidMapping, type MakeBaileysSocket, type SocketContext } from "../transports/baileys/socket.js";

const SILENT = toBaileysLogger(silentLogger, "silent");

/**
 * The `Boom` error Baileys closes a socket with (`new Boom(message, { statusCode })`,
 * @hapi/boom lib/index.js:71-80, 404-441): an Error carrying `isBoom`, `isServer`, `data` and
 * `output.{statusCode,payload,headers}`. Built here so the published testing entry needs no
 * @hapi/boom; the transport reads only `output.statusCode` (transports/baileys/socket.ts).
 */
class Boom extends Error {
  readonly isBoom = true;
  readonly isServer: boolean;
  readonly data: unknown;
  readonly output: { statusCode: number; payload: { statusCode: number; error: string; message: string }; headers: Record<string, string> };

  constructor(message: string, options: { statusCode?: number; data?: unknown } = {}) {
    super(message);
    const statusCode = options.statusCode ?? 500;
    this.isServer = statusCode >= 500;
    this.data = options.data ?? null;
    this.output = { statusCode, payload: { statusCode, error: "", message }, headers: {} };
  }
}
/** How long a first connection buffers events for the history sync (lib/Socket/chats.js:1097-1110). */
const HISTORY_SYNC_WAIT_MS = 20_000;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const digitsOf = (phone: E164) => phone.replace(/^\+/, "");
const seconds = () => Math.floor(Date.now() / 1000);

export interface SentMessage {
  jid: string;
  content: AnyMessageContent;
  options: MiscMessageGenerationOptions | undefined;
  id: string;
}

/**
 * WhatsApp's servers and the phones, as far as the sockets can tell: which devices are linked
 * (known by their noise key, like the server knows a companion), which numbers have an account,
 * and every socket made, per referrer.
 */
export class FakeWhatsApp {
  readonly sockets: FakeBaileysSocket[] = [];
  private readonly devices = new Map<string, E164>();
  private readonly notOnWhatsApp = new Set<string>();
  private readonly sendFailures: Array<{ message: string; skip: number }> = [];
  /** New sockets close at once with this status code (WhatsApp unreachable). */
  refuseConnections: number | null = null;
  /** New sockets say nothing after `connecting` (no QR, no login). */
  silent = false;
  /** `requestPairingCode` fails with this message. */
  pairingCodeError: string | null = null;
  /** The server never sends `ib offline` after a login (no `receivedPendingNotifications`). */
  neverEndsOfflineBacklog = false;
  /** Logins hold the server's `ib offline` stanza until `releaseOfflineBacklog()` on the socket. */
  holdOfflineBacklog = false;
  /**
   * What decrypting one offline node costs the socket beyond its key-store round trip (real ms):
   * a large backlog on a remote store. The server does not wait for it before `ib offline`.
   */
  offlineNodeDelayMs = 0;
  /** What a LID lookup in the account's LID store costs (real ms; its key-store read). */
  lidLookupDelayMs = 0;
  /** Runs while the account's restrictions are being fetched (`fetchNewChatMessageCap`), before the answer. */
  duringRestrictionCheck: ((socket: FakeBaileysSocket) => void) | null = null;
  /** Delivery receipts sent for offline messages: the server has forgotten these (see `sendWhileOffline`). */
  readonly acked: Array<{ referrerUserId: string; id: string }> = [];
  /** LID → phone JID mappings the account's LID store knows (`lid-mapping` keys). */
  readonly lidStore = new Map<string, string>();
  /** What `fetchAccountReachoutTimelock` answers, per referrer. */
  readonly timelocks = new Map<string, ReachoutTimelockState>();
  /** What `fetchNewChatMessageCap` answers, per referrer. */
  readonly capping = new Map<string, NewChatMessageCapInfo>();
  /** Digits → the account's JID when it differs from the number's (Brazil's ninth digit). */
  readonly canonicalJids = new Map<string, string>();
  /** Messages that reached a referrer's account while none of its sockets was open, not acked yet. */
  private readonly offline = new Map<string, WAMessage[]>();
  /** Versions sockets were made with (`config.version`). */
  get versions(): Array<number[] | undefined> {
    return this.sockets.map((s) => s.config.version);
  }

  /** `now`: the transport's clock, to stamp when each socket was made. */
  constructor(private readonly options: { now?: () => Date } = {}) {}

  readonly makeSocket: MakeBaileysSocket = (config, context) => {
    const socket = new FakeBaileysSocket(this, config, context);
    this.sockets.push(socket);
    return socket;
  };

  now(): Date {
    return this.options.now?.() ?? new Date();
  }

  socketsOf(referrerUserId: string): FakeBaileysSocket[] {
    return this.sockets.filter((s) => s.context.referrerUserId === referrerUserId);
  }

  /** The referrer's latest socket. */
  current(referrerUserId: string): FakeBaileysSocket {
    const socket = this.socketsOf(referrerUserId).at(-1);
    if (!socket) throw new Error(`no socket for ${referrerUserId}`);
    return socket;
  }

  linkDevice(creds: AuthenticationCreds, phone: E164): void {
    this.devices.set(b64(creds.noiseKey.public), phone);
  }

  unlinkDevice(creds: AuthenticationCreds): void {
    this.devices.delete(b64(creds.noiseKey.public));
  }

  isLinked(creds: AuthenticationCreds): boolean {
    return this.devices.has(b64(creds.noiseKey.public));
  }

  /**
   * A reply sent to the referrer's account while it has no socket open. The server keeps it and
   * sends it as an `offline` stanza at each login until a socket acknowledges it with its delivery
   * receipt; then it is gone from the server, whatever the socket did with it next.
   */
  sendWhileOffline(referrerUserId: string, message: WAMessage): void {
    const open = this.socketsOf(referrerUserId).find((s) => s.isOpen);
    if (open) throw new Error("a socket is open: use receive()");
    this.offline.set(referrerUserId, [...(this.offline.get(referrerUserId) ?? []), message]);
  }

  /** The offline stanzas the server sends at a login: every message not acknowledged yet. */
  pendingOffline(referrerUserId: string): WAMessage[] {
    return [...(this.offline.get(referrerUserId) ?? [])];
  }

  /** A socket's delivery receipt for an offline message: the server forgets it. */
  ackOffline(referrerUserId: string, id: string): void {
    this.acked.push({ referrerUserId, id });
    const left = (this.offline.get(referrerUserId) ?? []).filter((m) => m.key.id !== id);
    if (left.length > 0) this.offline.set(referrerUserId, left);
    else this.offline.delete(referrerUserId);
  }

  setOnWhatsApp(phone: E164, onWhatsApp: boolean): void {
    if (onWhatsApp) this.notOnWhatsApp.delete(digitsOf(phone));
    else this.notOnWhatsApp.add(digitsOf(phone));
  }

  hasAccount(digits: string): boolean {
    return !this.notOnWhatsApp.has(digits);
  }

  /** The next send call fails; with `skip`, the call after that many successful ones. */
  failNextSend(message: string, skip = 0): void {
    this.sendFailures.push({ message, skip });
  }

  takeSendFailure(): string | undefined {
    const next = this.sendFailures[0];
    if (!next) return undefined;
    if (next.skip > 0) {
      next.skip--;
      return undefined;
    }
    return this.sendFailures.shift()!.message;
  }

  /**
   * A device logs in while another socket of the same device (same noise key) is open: the server
   * ends the older one with a `stream:error` whose child is `conflict`, which Baileys maps to 440
   * connectionReplaced (lib/Socket/socket.js:791-796, lib/Utils/generics.js:282-294).
   */
  loggedIn(socket: FakeBaileysSocket): void {
    const key = b64(socket.creds.noiseKey.public);
    for (const other of this.sockets) {
      if (other !== socket && other.isOpen && b64(other.creds.noiseKey.public) === key) {
        void other.closeWith(DisconnectReason.connectionReplaced, "Stream Errored (conflict)");
      }
    }
  }

  /** What the referrer's sockets were asked to send, in the contract's terms. */
  observedSends(referrerUserId: string): ObservedSend[] {
    return this.socketsOf(referrerUserId).flatMap((s) => s.sent.map(observe));
  }
}

/**
 * A Baileys socket without the network, typed by Baileys' own declarations (`BaileysSocket` is
 * a `Pick` of `WASocket`). Its `ev` is Baileys' own event buffer, and it behaves as
 * `lib/Socket/socket.js` does: `connecting` on the next tick, then a QR (no `creds.me`) or a
 * login (`creds.me` set: open when the server knows the device, 401 otherwise); its own
 * `creds.update` listener merges updates into the creds first; `end()` emits one `close`, then
 * drops every listener; `logout()` unlinks and ends with 401 without waiting for it.
 *
 * The reply path models the library internals a STOP can be lost or delayed in:
 * - live stanzas go through `processNodeWithBuffer`: buffer, handle, flush, which also ends any
 *   buffering in progress (lib/Socket/messages-recv.js:1571-1575);
 * - offline stanzas go to the offline-node queue, drained one node at a time while the socket is
 *   open, yielding every 10 nodes (lib/Utils/offline-node-processor.js:7-36, messages-recv.js:1603-1605);
 *   the server's `ib offline` comes after it *sent* them, not after the socket handled them, and
 *   flushes the initial buffer and emits `receivedPendingNotifications` at once
 *   (lib/Socket/socket.js:832-841);
 * - each message is acknowledged with its delivery receipt *before* it is upserted
 *   (lib/Socket/messages-recv.js:1417, then 1432), and upserted through `upsertMessage`, a buffered
 *   function that holds it until a flush (lib/Socket/chats.js:917; lib/Utils/event-buffer.js:137-165);
 * - after `receivedPendingNotifications` the socket buffers again until the history sync: a
 *   flush on the next timer turn for an account that synced before, after 20 s for a first
 *   connection (lib/Socket/chats.js:1055-1110);
 * - `end()` emits `close` and then destroys the buffer: what it held is dropped, not flushed
 *   (lib/Socket/socket.js:499-507; lib/Utils/event-buffer.js:173-186);
 * - the buffer's own 30 s timer (lib/Utils/event-buffer.js:34, 49-54) is the real one;
 *   `initialBufferTimerFires()` does what it does without the wait.
 */
export class FakeBaileysSocket implements BaileysSocket {
  readonly ev = makeEventBuffer(SILENT);
  readonly creds: AuthenticationCreds;
  readonly keys: SignalKeyStore;
  readonly sent: SentMessage[] = [];
  readonly endCalls: Array<Error | undefined> = [];
  readonly pairingRequests: string[] = [];
  readonly presence: Array<{ type: WAPresence | "subscribe"; jid: string | undefined }> = [];
  readonly lookups: string[][] = [];
  logoutCalls = 0;
  readonly openedAt: Date;
  /** `getMessage` answers to retry receipts: the content found, or undefined (lib/Socket/messages-recv.js:1040-1068). */
  readonly resends: Array<{ id: string; found: proto.IMessage | undefined }> = [];
  readonly signalRepository: { readonly lidMapping: LidMapping };
  /** Ids of the offline messages this socket decrypted (handled in its offline queue). */
  readonly decrypted: string[] = [];
  private releaseBacklog: (() => void) | null = null;
  /** The offline-node queue (lib/Utils/offline-node-processor.js). */
  private readonly offlineNodes: WAMessage[] = [];
  private processingOffline = false;
  private historySyncTimer: ReturnType<typeof setTimeout> | null = null;
  /** lib/Socket/chats.js:917: every message reaches `messages.upsert` through the buffer. */
  private readonly upsertMessage = this.ev.createBufferedFunction(async (message: WAMessage, type: MessageUpsertType) => {
    this.ev.emit("messages.upsert", { messages: [message], type });
  });
  private phase: "connecting" | "qr" | "open" | "closed" = "connecting";
  private qrCount = 0;

  constructor(
    private readonly world: FakeWhatsApp,
    readonly config: UserFacingSocketConfig,
    readonly context: SocketContext,
  ) {
    this.creds = config.auth.creds;
    this.keys = config.auth.keys;
    this.openedAt = world.now();
    this.ev.on("creds.update", (update) => Object.assign(this.creds, update));
    // chats.js registers its listener when the socket is made, before any of the caller's.
    this.ev.on("connection.update", (update) => this.onPendingNotifications(update));
    // Like LIDMappingStore (lib/Signal/lid-mapping.js:199-230): a PN JID with the LID's device.
    this.signalRepository = {
      lidMapping: {
        getPNForLID: async (lid) => {
          if (world.lidLookupDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, world.lidLookupDelayMs));
          const pn = world.lidStore.get(lid.replace(/:\d+@/, "@"));
          return pn ? pn.replace("@", ":0@") : null;
        },
        getLIDForPN: async (pn) => [...world.lidStore].find(([, p]) => p === pn.replace(/:\d+@/, "@"))?.[0] ?? null,
      },
    };
    process.nextTick(() => void this.boot());
  }

  get user(): Contact | undefined {
    return this.creds.me;
  }

  get isOpen(): boolean {
    return this.phase === "open";
  }

  get isClosed(): boolean {
    return this.phase === "closed";
  }

  get showsQr(): boolean {
    return this.phase === "qr";
  }

  // ----- the library's methods -----

  async end(error: Error | undefined): Promise<void> {
    this.endCalls.push(error);
    if (this.phase === "closed") return;
    this.phase = "closed";
    await Promise.resolve(); // the real one awaits the WebSocket's close first
    if (this.historySyncTimer) clearTimeout(this.historySyncTimer);
    this.ev.emit("connection.update", { connection: "close", lastDisconnect: { error, date: new Date() } });
    this.ev.removeAllListeners("connection.update");
    this.ev.destroy();
  }

  async logout(msg?: string): Promise<void> {
    this.requireOpen();
    this.logoutCalls++;
    this.world.unlinkDevice(this.creds);
    void this.end(new Boom(msg || "Intentional Logout", { statusCode: DisconnectReason.loggedOut }));
  }

  async requestPairingCode(phoneNumber: string, customPairingCode?: string): Promise<string> {
    if (this.phase !== "qr") throw new Boom("Connection Closed", { statusCode: DisconnectReason.connectionClosed });
    this.pairingRequests.push(phoneNumber);
    if (this.world.pairingCodeError) throw new Boom(this.world.pairingCodeError, { statusCode: 400 });
    const code = customPairingCode ?? bytesToCrockford(randomBytes(5));
    this.creds.pairingCode = code;
    this.creds.me = { id: jidEncode(phoneNumber, "s.whatsapp.net"), name: "~" };
    this.ev.emit("creds.update", this.creds);
    return code;
  }

  async onWhatsApp(...phoneNumber: string[]): Promise<{ jid: string; exists: boolean }[] | undefined> {
    this.requireOpen();
    this.lookups.push(phoneNumber);
    // Like the real usync query (lib/Socket/socket.js:225-245): numbers without an account are
    // left out, not `exists: false`, and `jid` is the account's own, not the digits asked for.
    return phoneNumber
      .map((jid) => jid.replace("+", "").split("@")[0]!.split(":")[0]!)
      .filter((digits) => this.world.hasAccount(digits))
      .map((digits) => ({ jid: this.world.canonicalJids.get(digits) ?? jidEncode(digits, "s.whatsapp.net"), exists: true }));
  }

  /** Like lib/Socket/socket.js:906-916: the answer is also emitted as `connection.update`. */
  async fetchAccountReachoutTimelock(): Promise<ReachoutTimelockState> {
    this.requireOpen();
    const state = this.world.timelocks.get(this.context.referrerUserId) ?? { isActive: false, enforcementType: ReachoutTimelockEnforcementType.DEFAULT };
    this.ev.emit("connection.update", { reachoutTimeLock: state });
    return state;
  }

  /**
   * Baileys 7.0.0-rc14 lib/Socket/socket.js:918-924: a WMex query whose `xwa2_message_capping_info`
   * is answered as is (lib/Socket/mex.js:21-41), a `NewChatMessageCapInfo` (lib/Types/State.d.ts:87-96:
   * `total_quota`, `used_quota`, `cycle_end_timestamp` in unix seconds as a string, `capping_status`).
   */
  async fetchNewChatMessageCap(): Promise<NewChatMessageCapInfo> {
    this.requireOpen();
    this.world.duringRestrictionCheck?.(this);
    return this.world.capping.get(this.context.referrerUserId) ?? {};
  }

  async presenceSubscribe(toJid: string): Promise<void> {
    this.requireOpen();
    this.presence.push({ type: "subscribe", jid: toJid });
  }

  async sendPresenceUpdate(type: WAPresence, toJid?: string): Promise<void> {
    this.requireOpen();
    this.presence.push({ type, jid: toJid });
  }

  async sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined> {
    this.requireOpen();
    const failure = this.world.takeSendFailure();
    if (failure) throw new Error(failure);
    const id = options?.messageId ?? generateMessageIDV2(this.user?.id);
    this.sent.push({ jid, content, options, id });
    // The real one returns the full message it relayed (lib/Socket/messages-send.js:1080-1100).
    return { key: { remoteJid: jid, fromMe: true, id }, message: messageOf(content), messageTimestamp: seconds(), status: WAMessageStatus.PENDING };
  }

  // ----- the world acting on this socket -----

  /** WhatsApp rotates the QR (every 20 s for real). */
  rotateQr(): void {
    if (this.phase === "qr") this.showQr();
  }

  /** Nobody scanned any of the QRs: Baileys ends the socket with 408. */
  expireQr(): Promise<void> {
    return this.end(new Boom("QR refs attempts ended", { statusCode: DisconnectReason.timedOut }));
  }

  /** The referrer's phone scans the QR, or enters the pairing code when one was requested. */
  async linkFromPhone(phone: E164): Promise<void> {
    if (this.phase !== "qr") throw new Error(`socket is ${this.phase}: nothing to scan`);
    if (this.creds.pairingCode) {
      // companion_finish: Baileys marks the creds registered (only in this flow), then pair-success.
      this.creds.registered = true;
      this.ev.emit("creds.update", this.creds);
    }
    await this.pairSuccess(phone);
  }

  /** The server closes the connection with this status code. */
  closeWith(statusCode: number, message = "Connection Terminated"): Promise<void> {
    return this.end(new Boom(message, { statusCode }));
  }

  /** The referrer removes the device from the phone: the server refuses it with 401. */
  unlinkFromPhone(): Promise<void> {
    this.world.unlinkDevice(this.creds);
    return this.end(new Boom("Connection Failure", { statusCode: DisconnectReason.loggedOut }));
  }

  /** A reply from a contact addressed by LID; `alt` is the phone JID when the stanza carries it. */
  receiveFromLid(lid: string, text: string, options: { alt?: string; type?: MessageUpsertType } = {}): void {
    const key = { remoteJid: lid, fromMe: false, id: generateMessageIDV2(), ...(options.alt ? { remoteJidAlt: options.alt } : {}) };
    this.receive([{ key, message: { conversation: text }, messageTimestamp: seconds() }], options.type);
  }

  /** WhatsApp tells the socket a LID's phone (lib/Socket/messages-recv.js:255-262). */
  learnLid(lid: string, pnJid: string): void {
    this.world.lidStore.set(lid, pnJid);
    this.ev.emit("lid-mapping.update", { lid, pn: pnJid });
  }

  /**
   * The recipient's phone could not decrypt one of our messages and asks for it again: Baileys
   * looks in its socket cache, then calls `getMessage` (lib/Socket/messages-recv.js:1040-1068).
   * This socket is new, so only `getMessage` can answer.
   */
  async requestResend(id: string): Promise<proto.IMessage | undefined> {
    const found = await this.config.getMessage?.({ remoteJid: this.sent.find((m) => m.id === id)?.jid ?? null, fromMe: true, id });
    this.resends.push({ id, found });
    return found;
  }

  /** Error 463 on a message's ack (lib/Socket/messages-recv.js:1511-1564). */
  refuseAsRestricted(messageId: string): void {
    this.liveStanza(() => {
      this.ev.emit("messages.update", [{ key: { remoteJid: this.sent.find((m) => m.id === messageId)?.jid ?? null, fromMe: true, id: messageId }, update: { status: WAMessageStatus.ERROR, messageStubParameters: ["463"] } }]);
    });
  }

  /** The server pushes a reach-out time lock (lib/Socket/messages-recv.js:150-180). */
  pushTimelock(state: ReachoutTimelockState): void {
    this.ev.emit("connection.update", { reachoutTimeLock: state });
  }

  /** The server pushes new-chat capping info (lib/Socket/messages-recv.js:182-190). */
  pushCapping(info: NewChatMessageCapInfo): void {
    this.ev.emit("message-capping.update", info);
  }

  /**
   * The server says pre-keys run low: Baileys makes the next ones with `getNextPreKeys` (the real
   * one: keys stored, then `nextPreKeyId` / `firstUnuploadedPreKeyId` moved on) and emits the
   * update as `creds.update` (lib/Socket/socket.js:355-368, lib/Utils/signal.js:171-180).
   */
  async uploadPreKeys(count = 5): Promise<void> {
    const { update } = await getNextPreKeys({ creds: this.creds, keys: this.keys }, count);
    this.ev.emit("creds.update", update);
  }

  /** The server's `ib offline` stanza, when held by `world.holdOfflineBacklog`. */
  releaseOfflineBacklog(): void {
    this.releaseBacklog?.();
  }

  /**
   * Baileys' 30 s buffer timer runs out: it flushes whatever the buffer holds
   * (lib/Utils/event-buffer.js:49-54), without the wait.
   */
  initialBufferTimerFires(): void {
    if (this.ev.isBuffering()) this.ev.flush();
  }

  /** Whether the socket still has offline stanzas to handle. */
  get offlineQueueLength(): number {
    return this.offlineNodes.length + (this.processingOffline ? 1 : 0);
  }

  receiveText(from: E164, text: string): void {
    this.receive([{ key: { remoteJid: jidEncode(digitsOf(from), "s.whatsapp.net"), fromMe: false, id: generateMessageIDV2() }, message: { conversation: text }, messageTimestamp: seconds(), pushName: "Alice" }]);
  }

  /**
   * A message of any content from a number, as decoded by Baileys: the `message` is the proto
   * (`imageMessage.caption`, `audioMessage.ptt`, `reactionMessage`…), or absent with a
   * `messageStubType` for WhatsApp's own notices (lib/Utils/decode-wa-message.js). Returns its id.
   */
  receiveContent(from: E164, message: proto.IMessage | null, extra: Partial<WAMessage> = {}): string {
    const id = generateMessageIDV2();
    this.receive([{ key: { remoteJid: jidEncode(digitsOf(from), "s.whatsapp.net"), fromMe: false, id }, message, messageTimestamp: seconds(), ...extra }]);
    return id;
  }

  /**
   * The person edits an earlier message. The edit is a message of its own, a `protocolMessage`
   * MESSAGE_EDIT carrying `editedMessage`, upserted like any other (lib/Socket/chats.js:917-918),
   * and `processMessage` also reports it as a `messages.update` of the original message
   * (lib/Utils/process-message.js:364-380).
   */
  receiveEdit(from: E164, originalId: string, text: string): void {
    const remoteJid = jidEncode(digitsOf(from), "s.whatsapp.net");
    const editedMessage: proto.IMessage = { conversation: text };
    this.liveStanza(() => {
      this.ev.emit("messages.upsert", {
        messages: [
          {
            key: { remoteJid, fromMe: false, id: generateMessageIDV2() },
            message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT, key: { remoteJid, fromMe: false, id: originalId }, editedMessage, timestampMs: Date.now() } },
            messageTimestamp: seconds(),
          },
        ],
        type: "notify",
      });
      this.ev.emit("messages.update", [{ key: { remoteJid, fromMe: false, id: originalId }, update: { message: { editedMessage: { message: editedMessage } }, messageTimestamp: seconds() } }]);
    });
  }

  /**
   * Messages in one live stanza batch, handled like `processNodeWithBuffer`: buffered, then the
   * buffer flushed, which also releases anything an initial buffer still held
   * (lib/Socket/messages-recv.js:1571-1575).
   */
  receive(messages: WAMessage[], type: MessageUpsertType = "notify"): void {
    const handled = messages.filter((m) => !this.ignored(m));
    if (handled.length > 0) this.liveStanza(() => this.ev.emit("messages.upsert", { messages: handled, type }));
  }

  /** The recipient's phone acknowledges one of our messages (a 1:1 receipt: a status update). */
  receiveReceipt(messageId: string, status: "delivered" | "read" | "played" | "error"): void {
    const sent = this.sent.find((m) => m.id === messageId);
    const code = { delivered: WAMessageStatus.DELIVERY_ACK, read: WAMessageStatus.READ, played: WAMessageStatus.PLAYED, error: WAMessageStatus.ERROR }[status];
    this.liveStanza(() => {
      this.ev.emit("messages.update", [{ key: { remoteJid: sent?.jid ?? null, id: messageId, fromMe: true }, update: { status: code, messageTimestamp: seconds() } }]);
    });
  }

  // ----- internals -----

  private async boot(): Promise<void> {
    if (this.phase === "closed") return;
    this.ev.emit("connection.update", { connection: "connecting", receivedPendingNotifications: false, qr: undefined });
    if (this.world.silent) return;
    if (this.world.refuseConnections !== null) {
      await this.closeWith(this.world.refuseConnections);
      return;
    }
    if (!this.creds.me?.id) {
      this.phase = "qr";
      this.showQr();
      return;
    }
    if (!this.world.isLinked(this.creds)) {
      await this.end(new Boom("Connection Failure", { statusCode: DisconnectReason.loggedOut }));
      return;
    }
    // Logged in: events are buffered from the next tick until the offline backlog is handled
    // (lib/Socket/socket.js:821-841).
    this.ev.buffer();
    await this.uploadPreKeysIfRequired();
    if (this.isClosed) return;
    this.phase = "open";
    this.world.loggedIn(this);
    this.ev.emit("creds.update", { me: { ...this.creds.me, lid: "201234567890123@lid" } });
    this.ev.emit("connection.update", { connection: "open" });
    // The server sends what arrived while no socket was open as `offline` stanzas: queued, and
    // handled one at a time (lib/Socket/messages-recv.js:1603-1605).
    for (const message of this.world.pendingOffline(this.context.referrerUserId)) {
      // Ignored senders are acked and dropped before the queue (lib/Socket/messages-recv.js:1589-1601).
      if (this.ignored(message)) this.world.ackOffline(this.context.referrerUserId, message.key.id ?? "");
      else this.enqueueOffline(message);
    }
    if (this.world.neverEndsOfflineBacklog) return;
    if (this.world.holdOfflineBacklog) await new Promise<void>((resolve) => (this.releaseBacklog = resolve));
    // `ib offline` is the next stanza after the offline ones: it does not wait for the queue.
    else await new Promise((resolve) => setImmediate(resolve));
    if (this.isClosed) return;
    // CB:ib,,offline (lib/Socket/socket.js:832-841).
    this.ev.flush();
    this.ev.emit("connection.update", { receivedPendingNotifications: true });
  }

  /** `config.shouldIgnoreJid` on the stanza's sender (lib/Socket/messages-recv.js:1589-1601). */
  private ignored(message: WAMessage): boolean {
    const from = message.key.remoteJid;
    return Boolean(from && this.config.shouldIgnoreJid?.(from));
  }

  /** processNodeWithBuffer (lib/Socket/messages-recv.js:1571-1575), for a stanza handled at once. */
  private liveStanza(handle: () => void): void {
    this.ev.buffer();
    handle();
    this.ev.flush();
  }

  /** makeOfflineNodeProcessor's `enqueue` (lib/Utils/offline-node-processor.js:9-36). */
  private enqueueOffline(message: WAMessage): void {
    this.offlineNodes.push(message);
    if (this.processingOffline) return;
    this.processingOffline = true;
    void (async () => {
      let processedInBatch = 0;
      while (this.offlineNodes.length > 0 && this.isOpen) {
        await this.handleOfflineMessage(this.offlineNodes.shift()!);
        if (++processedInBatch >= 10) {
          processedInBatch = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      this.processingOffline = false;
    })();
  }

  /** handleMessage for an offline node (lib/Socket/messages-recv.js:1266-1440). */
  private async handleOfflineMessage(message: WAMessage): Promise<void> {
    // Decrypting reads (and writes) the sender's Signal session.
    this.decrypted.push(message.key.id ?? "");
    await this.keys.get("session", [`${message.key.remoteJid?.split("@")[0] ?? ""}.0`]);
    if (this.world.offlineNodeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.world.offlineNodeDelayMs));
    // The receipt cannot leave a closed socket: the server keeps the message for the next login.
    if (!this.isOpen) return;
    // The delivery receipt goes out first (messages-recv.js:1417): from here the server has forgotten it.
    this.world.ackOffline(this.context.referrerUserId, message.key.id ?? "");
    await this.upsertMessage(message, "append");
  }

  /** chats.js:1055-1110: after the offline backlog, buffering again until the history sync. */
  private onPendingNotifications(update: Partial<{ receivedPendingNotifications: boolean }>): void {
    if (update.receivedPendingNotifications !== true || this.historySyncTimer) return;
    this.ev.buffer();
    const reconnection = (this.creds.accountSyncCounter ?? 0) > 0;
    this.historySyncTimer = setTimeout(
      () => {
        this.ev.flush();
        if (!reconnection) this.ev.emit("creds.update", { accountSyncCounter: (this.creds.accountSyncCounter ?? 0) + 1 });
      },
      reconnection ? 0 : HISTORY_SYNC_WAIT_MS,
    );
  }

  private showQr(): void {
    const ref = `2@${randomBytes(12).toString("base64")}${++this.qrCount}`;
    const qr = buildPairingQRData(ref, b64(this.creds.noiseKey.public), b64(this.creds.signedIdentityKey.public), this.creds.advSecretKey, this.config.browser ?? DEFAULT_BROWSER);
    this.ev.emit("connection.update", { qr });
  }

  /** What `configureSuccessfulPairing` emits, then the server's restart request. */
  private async pairSuccess(phone: E164): Promise<void> {
    this.world.linkDevice(this.creds, phone);
    this.ev.emit("creds.update", {
      me: { id: jidEncode(digitsOf(phone), "s.whatsapp.net", 12), name: "Referrer" },
      account: { details: randomBytes(64), accountSignatureKey: randomBytes(32), accountSignature: randomBytes(64), deviceSignature: randomBytes(64) },
      signalIdentities: [{ identifier: { name: jidEncode(digitsOf(phone), "s.whatsapp.net", 12), deviceId: 0 }, identifierKey: randomBytes(33) }],
      platform: "android",
    });
    this.ev.emit("connection.update", { isNewLogin: true, qr: undefined });
    await this.end(new Boom("Stream Errored (restart required)", { statusCode: DisconnectReason.restartRequired }));
  }

  /** Like the real login: pre-keys are generated and stored when none are. */
  private async uploadPreKeysIfRequired(): Promise<void> {
    const { "1": existing } = await this.keys.get("pre-key", ["1"]);
    if (existing) return;
    const preKey = (seed: number) => ({ public: Buffer.alloc(32, seed), private: Buffer.alloc(32, seed + 1) });
    await this.keys.set({ "pre-key": { "1": preKey(1), "2": preKey(3) }, session: { "33611111111.0": randomBytes(48) } });
  }

  private requireOpen(): void {
    if (this.phase !== "open") throw new Boom("Connection Closed", { statusCode: DisconnectReason.connectionClosed });
  }
}

/** What `sendMessage` relays for a content, as far as the tests look (text, captions). */
function messageOf(content: AnyMessageContent): proto.IMessage {
  if ("text" in content) return proto.Message.fromObject({ extendedTextMessage: { text: content.text } });
  const caption = "caption" in content && typeof content.caption === "string" ? content.caption : undefined;
  if ("image" in content) return proto.Message.fromObject({ imageMessage: { caption } });
  if ("video" in content) return proto.Message.fromObject({ videoMessage: { caption } });
  if ("document" in content) return proto.Message.fromObject({ documentMessage: { caption } });
  return proto.Message.fromObject({ audioMessage: {} });
}

/** Media bytes made by `fakeMediaDownloader`: the URL they stand for. */
export function fakeMediaBytes(url: string): Buffer {
  return Buffer.from(`media:${url}`);
}

export const fakeMediaDownloader = async (item: { url: string }): Promise<Buffer> => {
  if (item.url.includes("unreachable")) throw new Error("fetch failed: ECONNREFUSED");
  return fakeMediaBytes(item.url);
};

function observe(message: SentMessage): ObservedSend {
  const decoded = jidDecode(message.jid);
  const to = `+${decoded?.user ?? ""}`;
  const { content } = message;
  const caption = "caption" in content && typeof content.caption === "string" ? { caption: content.caption } : {};
  if ("text" in content) return { to, kind: "text", text: content.text };
  if ("image" in content) return { to, kind: "image", url: urlOf(content.image), ...caption };
  if ("video" in content) return { to, kind: "video", url: urlOf(content.video), ...caption };
  if ("document" in content) return { to, kind: "document", url: urlOf(content.document), ...caption };
  if ("audio" in content) return { to, kind: "audio", url: urlOf(content.audio) };
  throw new Error(`unexpected content: ${Object.keys(content).join(", ")}`);
}

function urlOf(upload: WAMediaUpload): string {
  if (!Buffer.isBuffer(upload)) throw new Error("expected downloaded media bytes, not a URL for Baileys to fetch");
  const text = upload.toString();
  if (!text.startsWith("media:")) throw new Error("unexpected media bytes");
  return text.slice("media:".length);
}
