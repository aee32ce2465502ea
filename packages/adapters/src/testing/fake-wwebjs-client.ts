import type { ChildProcess } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import wweb from "whatsapp-web.js";
import type { CreateWwebjsClient, WwebjsClientOptions } from "../transports/wwebjs/client-factory.js";
import {
  Client,
  MessageAck,
  MessageMedia,
  WAState,
  type Chat,
  type ClientInfo,
  type ContactId,
  type Message,
  type MessageContent,
  type MessageSendOptions,
} from "../transports/wwebjs/library.js";

/**
 * WhatsApp Web's own models, as the library reads them from the page (`window.WWebJS.getMessageModel`
 * and friends). The fake hands them to the library's own `Message`, `PrivateChat` and `ClientInfo`
 * classes, so the objects the transport receives have the library's real shape.
 */
interface RawMessage {
  id: { fromMe: boolean; remote: string; id: string; _serialized: string };
  from: string;
  to: string;
  body: string;
  /**
   * `Message.type` (src/util/Constants.js:85-124). `ciphertext`: WhatsApp Web has the message but
   * not yet the keys to read it (no body). Notices (`e2e_notification`, `notification_template`,
   * `call_log`…) are emitted like messages, with an empty body (Client.js:648-665, 1129-1136).
   */
  type: string;
  t: number;
  ack: MessageAck;
  caption?: string;
}

interface RawChat {
  id: ContactId;
  formattedTitle: string;
  isGroup: boolean;
  t: number;
  unreadCount?: number;
  groupMetadata?: { participants: unknown[] };
}

/** A chat as the phone holds it: WhatsApp Web syncs it from there on every start. */
export interface FakeChat {
  id: string;
  isGroup: boolean;
  unreadCount: number;
  messages: RawMessage[];
}

interface RawClientInfo {
  wid: ContactId;
  pushname: string;
  platform: string;
}

// Classes the library exports at run time but declares as interfaces only.
const library = wweb as unknown as {
  Message: new (client: Client, data: RawMessage) => Message;
  PrivateChat: new (client: Client, data: RawChat) => Chat;
  GroupChat: new (client: Client, data: RawChat) => Chat;
  ClientInfo: new (client: Client, data: RawClientInfo) => ClientInfo;
};

type Browser = NonNullable<Client["pupBrowser"]>;

export type InitializeBehaviour = { kind: "normal" } | { kind: "reject"; error: unknown } | { kind: "hang" };
export type DestroyBehaviour = "normal" | "throw" | "hang";

export interface RecordedSend {
  referrerUserId: string;
  chatId: string;
  content: MessageContent;
  options: MessageSendOptions;
  messageId: string;
}

/** A stand-in for a Chromium process, for the "destroy failed: kill it" path. */
export class FakeBrowserProcess {
  readonly pid = undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: string[] = [];

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    this.signals.push(signal);
    this.signalCode = signal;
    return true;
  }
}

/**
 * The world around fake clients: WhatsApp's directory of numbers, what was sent, and knobs for
 * the next client's initialisation and teardown.
 */
export class FakeWhatsApp {
  readonly clients: FakeWwebjsClient[] = [];
  readonly sends: RecordedSend[] = [];
  readonly typing: Array<{ referrerUserId: string; chatId: string }> = [];
  /** Presence updates other than "typing…" (`Client.sendPresenceAvailable`, `Chat.clearState`...). */
  readonly presence: Array<{ referrerUserId: string; state: string; chatId?: string }> = [];
  readonly notOnWhatsApp = new Set<string>();
  /**
   * The next this many number checks get no answer from WhatsApp's servers. `getNumberId` then
   * resolves null, exactly as for a number with no account: the page returns null for a missing
   * result as for one without a wid (Client.js:2229-2236).
   */
  numberChecksUnanswered = 0;
  /** WhatsApp Web's socket state, what `getState` reads (`Socket.state`, Client.js:1975-1979). */
  socketState: WAState = WAState.CONNECTED;
  /** LID (`<n>@lid`) → phone JID (`<digits>@c.us`). */
  readonly lids = new Map<string, string>();
  /**
   * Number (digits) → the digits of the id WhatsApp knows it by, when they differ (a Brazilian
   * mobile registered before the 9th digit): what `queryWidExists` answers (Client.js:2224-2237).
   */
  readonly canonical = new Map<string, string>();
  /**
   * WhatsApp Web's socket is silently down: messages are added to the chat but never leave, so
   * `sendMessage` with `waitUntilMsgSent` never resolves (Utils.js:576-581 awaits
   * `sendMsgResultPromise` only then); without it, it resolves as usual.
   */
  silentlyOffline = false;
  /** Chat ids for which the page finds no chat: `sendMessage` resolves undefined (Client.js:1539-1558). */
  readonly unreachableChats = new Set<string>();
  /** Chats marked read through the library (`Client.sendSeen`, Chat.js:109-111). */
  readonly markedRead: Array<{ referrerUserId: string; chatId: string }> = [];
  /** Account (digits) → its chats, as its phone holds them across clients. */
  readonly accounts = new Map<string, Map<string, FakeChat>>();
  /** Backups taken from now on are torn copies: restoring one makes WhatsApp Web show a QR. */
  tornBackups = false;
  /**
   * `Client.destroy` closes the browser, then awaits `authStrategy.destroy()` (Client.js:1277-1284),
   * where the guarded RemoteAuth zips and saves the profile one last time (guarded-remote-auth.ts,
   * `storeRemoteSession`, RemoteAuth.js:129-161). When set, destroying a linked client does that
   * final backup once this gate opens: a real zip of a large profile takes seconds.
   */
  finalBackupGate: Promise<void> | null = null;
  /**
   * A restored account with a long backlog: WhatsApp Web shows its loading screen before `ready`,
   * the library emitting `loading_screen` with each new percentage of the offline sync
   * (`onOfflineProgressUpdateEvent`, Client.js:379-389). `steps` updates, `stepMs` apart.
   */
  restoreLoading: { steps: number; stepMs: number } | null = null;
  initialize: InitializeBehaviour = { kind: "normal" };
  destroyBehaviour: DestroyBehaviour = "normal";
  /** Give clients a (fake) browser process, as puppeteer does once launched. */
  withBrowserProcess = false;
  /** Accounts whose stored sessions WhatsApp no longer accepts (restoring them shows a QR). */
  readonly revoked = new Set<string>();
  /**
   * WhatsApp Web builds the server no longer accepts (`latest` never is). A client loading one
   * gets as far as `ready`, then the page's state becomes DEPRECATED_VERSION: the library emits
   * `change_state`, runs `authStrategy.disconnect()`, emits `disconnected` and destroys itself
   * (Client.js:815-854; the listener is attached on `ready`, Client.js:369, 585). That the server
   * lets an outdated build reach `ready` first is inferred: a live account has to confirm it.
   */
  readonly deprecatedBuilds = new Set<string>();
  /**
   * Builds whose page no longer runs the library's injection: `initialize()` rejects with the
   * bare string `auth timeout` (Client.js:122-136, `window.Debug.VERSION` never defined) once the
   * browser started. Which failure a stale build really gives is for a live run to confirm.
   */
  readonly unloadableBuilds = new Set<string>();
  private failure: { message: string; skip: number } | null = null;
  private sequence = 0;

  /** `now` gives message timestamps (WhatsApp's clock), by default the system's. */
  constructor(private readonly clock: { now(): Date } = { now: () => new Date() }) {}

  /** Unix seconds, as WhatsApp stamps messages (`Message.timestamp` = `t`, Message.js:69). */
  seconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  chatsOf(accountPhone: string): Map<string, FakeChat> {
    const digits = accountPhone.replace(/^\+/, "");
    let chats = this.accounts.get(digits);
    if (!chats) this.accounts.set(digits, (chats = new Map()));
    return chats;
  }

  chatOf(accountPhone: string, chatId: string): FakeChat {
    const chats = this.chatsOf(accountPhone);
    let chat = chats.get(chatId);
    if (!chat) chats.set(chatId, (chat = { id: chatId, isGroup: chatId.endsWith("@g.us"), unreadCount: 0, messages: [] }));
    return chat;
  }

  /**
   * A message reaches the account's phone while no client of ours runs: it is in the chat (and
   * unread) once WhatsApp Web syncs, but the library never emits it (Client.js:1129-1130).
   */
  receiveWhileOffline(accountPhone: string, from: string, text: string, options: { undecrypted?: boolean } = {}): string {
    const raw = this.incoming(accountPhone, from, text);
    if (options.undecrypted) {
      raw.type = "ciphertext";
      raw.body = "";
      this.decryptLater.set(raw.id._serialized, text);
    }
    return raw.id._serialized;
  }

  private readonly decryptLater = new Map<string, string>();

  /** The keys arrived: the message reads as text from now on. */
  decrypt(messageId: string): void {
    const text = this.decryptLater.get(messageId);
    for (const chats of this.accounts.values()) {
      for (const chat of chats.values()) {
        const raw = chat.messages.find((m) => m.id._serialized === messageId);
        if (raw && text !== undefined) Object.assign(raw, { type: "chat", body: text });
      }
    }
  }

  /** The referrer opens the chat on the phone. */
  readOnPhone(accountPhone: string, chatId: string): void {
    this.chatOf(accountPhone, chatId).unreadCount = 0;
  }

  incoming(accountPhone: string, from: string, text: string): RawMessage {
    const id = this.nextId();
    const raw: RawMessage = {
      id: { fromMe: false, remote: from, id, _serialized: `false_${from}_${id}` },
      from,
      to: `${accountPhone.replace(/^\+/, "")}@c.us`,
      body: text,
      type: "chat",
      t: this.seconds(),
      ack: MessageAck.ACK_DEVICE,
    };
    const chat = this.chatOf(accountPhone, from);
    chat.messages.push(raw);
    chat.unreadCount++;
    return raw;
  }
  readonly createClient: CreateWwebjsClient = (options) => {
    const client = new FakeWwebjsClient(this, options);
    this.clients.push(client);
    return client;
  };

  clientsOf(referrerUserId: string): FakeWwebjsClient[] {
    return this.clients.filter((client) => client.setup.referrerUserId === referrerUserId);
  }

  latest(referrerUserId: string): FakeWwebjsClient {
    const client = this.clientsOf(referrerUserId).at(-1);
    if (!client) throw new Error(`no whatsapp-web.js client was created for ${referrerUserId}`);
    return client;
  }

  /** The next send call fails; with `skip`, the call after that many successful ones. */
  failNextSend(message: string, skip = 0): void {
    this.failure = { message, skip };
  }

  takeFailure(): string | null {
    if (!this.failure) return null;
    if (this.failure.skip > 0) {
      this.failure.skip--;
      return null;
    }
    const { message } = this.failure;
    this.failure = null;
    return message;
  }

  nextId(): string {
    this.sequence++;
    return `3EB0${this.sequence.toString(16).toUpperCase().padStart(16, "0")}`;
  }
}

const FAKE_ZIP_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * whatsapp-web.js's `Client` with WhatsApp Web replaced: a real subclass, so its `on` overloads
 * and method signatures are the library's own, and what it emits is built by the library's
 * classes. It plays RemoteAuth's part on the store as the library does (extract before the
 * browser starts, save after `ready`, delete on `disconnected`).
 */
export class FakeWwebjsClient extends Client {
  readonly sessionName: string;
  readonly sentRaw = new Map<string, RawMessage>();
  initializeCalls = 0;
  destroyCalls = 0;
  logoutCalls = 0;
  destroyed = false;
  /** Phone (digits) of the account linked in this client. */
  linkedDigits: string | null = null;
  restored = false;
  readonly browserProcess = new FakeBrowserProcess();

  constructor(
    readonly world: FakeWhatsApp,
    readonly setup: WwebjsClientOptions,
  ) {
    super({});
    this.sessionName = `RemoteAuth-${setup.clientId}`;
  }

  get zipPath(): string {
    return join(this.setup.dataPath, `${this.sessionName}.zip`);
  }

  override async initialize(): Promise<void> {
    this.initializeCalls++;
    const behaviour = this.world.initialize;
    if (this.world.withBrowserProcess) {
      this.pupBrowser = { process: () => this.browserProcess as unknown as ChildProcess, isConnected: () => !this.destroyed } as unknown as Browser;
    }
    if (behaviour.kind === "reject") throw behaviour.error;
    const build = this.setup.webVersion?.version;
    if (build !== undefined && this.world.unloadableBuilds.has(build)) throw "auth timeout";
    if (behaviour.kind === "hang") return new Promise<void>(() => undefined);
    const { store } = this.setup;
    // RemoteAuth.beforeBrowserInitialized → extractRemoteSession
    if (await store.sessionExists({ session: this.sessionName })) {
      await store.extract({ session: this.sessionName, path: this.zipPath });
      const profile = await readFile(this.zipPath);
      await rm(this.zipPath);
      const digits = /phone=(\d+)/.exec(profile.toString("latin1"))?.[1] ?? null;
      if (digits && !this.world.revoked.has(digits)) {
        this.restored = true;
        const loading = this.world.restoreLoading;
        if (loading) {
          void (async () => {
            for (let step = 1; step <= loading.steps; step++) {
              await new Promise((resolve) => setTimeout(resolve, loading.stepMs));
              if (this.destroyed) return;
              this.emit("loading_screen", String(Math.round((100 * step) / (loading.steps + 1))), "WhatsApp");
            }
            await new Promise((resolve) => setTimeout(resolve, loading.stepMs));
            await this.becomeReady(digits, { save: false });
          })();
          return;
        }
        setImmediate(() => void this.becomeReady(digits, { save: false }));
        return;
      }
    }
    if (this.destroyed) return;
    if (this.setup.pairWithPhoneNumber) this.emit("code", "K7PQ2XWM");
    else this.emit("qr", `2@${this.world.nextId()},c3RhdGljS2V5,aWRlbnRpdHlLZXk=,YWR2U2VjcmV0,1`);
  }

  override async destroy(): Promise<void> {
    this.destroyCalls++;
    this.destroyed = true;
    if (this.world.destroyBehaviour === "throw") throw new Error("Protocol error: Connection closed.");
    if (this.world.destroyBehaviour === "hang") return new Promise<void>(() => undefined);
    this.browserProcess.exitCode = 0;
    const gate = this.world.finalBackupGate;
    if (gate && this.linkedDigits) {
      await gate;
      await this.saveProfile(`phone=${this.linkedDigits} final`);
    }
  }

  override async logout(): Promise<void> {
    this.logoutCalls++;
    this.destroyed = true;
    this.browserProcess.exitCode = 0;
    // Client.logout → RemoteAuth.logout → disconnect → deleteRemoteSession
    await this.deleteRemoteSession();
  }

  override async getNumberId(number: string): Promise<ContactId | null> {
    const digits = number.replace(/@c\.us$/, "");
    if (this.world.numberChecksUnanswered > 0) {
      this.world.numberChecksUnanswered--;
      return null;
    }
    // Inferred: with the socket down the query gets no answer either (a live account must confirm).
    if (this.world.socketState !== WAState.CONNECTED) return null;
    if (this.world.notOnWhatsApp.has(digits)) return null;
    const user = this.world.canonical.get(digits) ?? digits;
    return { server: "c.us", user, _serialized: `${user}@c.us` };
  }

  /**
   * `enforceLidAndPnRetrieval` (Utils.js:1694-1721) then `?._serialized` (Client.js:3307-3322): a
   * LID whose number WhatsApp does not tell gives `{ lid, pn: undefined }`, a number whose LID is
   * unknown `{ lid: undefined, pn }`, despite the typings' `string`s.
   */
  override async getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn: string }[]> {
    return userIds.map((userId) => {
      if (userId.endsWith("@lid")) return { lid: userId, pn: this.world.lids.get(userId) } as { lid: string; pn: string };
      const lid = [...this.world.lids].find(([, pn]) => pn === userId)?.[0];
      return { lid, pn: userId } as { lid: string; pn: string };
    });
  }

  /** WhatsApp Web's Chat collection, serialised by `getChatModel` (Utils.js:920-927, 938-1000). */
  override async getChats(): Promise<Chat[]> {
    if (!this.linkedDigits) return [];
    return [...this.world.chatsOf(this.linkedDigits).values()].map((chat) => this.chatModel(chat));
  }

  override async getState(): Promise<WAState> {
    return this.world.socketState;
  }

  override async sendSeen(chatId: string): Promise<boolean> {
    this.world.markedRead.push({ referrerUserId: this.setup.referrerUserId, chatId });
    if (this.linkedDigits) this.world.chatOf(this.linkedDigits, chatId).unreadCount = 0;
    return true;
  }

  override async sendPresenceAvailable(): Promise<void> {
    this.world.presence.push({ referrerUserId: this.setup.referrerUserId, state: "available" });
  }

  override async sendPresenceUnavailable(): Promise<void> {
    this.world.presence.push({ referrerUserId: this.setup.referrerUserId, state: "unavailable" });
  }

  /** `WWebJS.getChat` finds the chat or creates it (`findOrCreateLatestChat`, Utils.js:842-875). */
  override async getChatById(chatId: string): Promise<Chat> {
    const chat = this.chatModel(this.world.chatOf(this.linkedDigits ?? "unlinked", chatId));
    chat.sendStateTyping = async () => {
      this.world.typing.push({ referrerUserId: this.setup.referrerUserId, chatId });
    };
    chat.clearState = async () => {
      this.world.presence.push({ referrerUserId: this.setup.referrerUserId, state: "paused", chatId });
      return true;
    };
    return chat;
  }

  override async sendMessage(chatId: string, content: MessageContent, options: MessageSendOptions = {}): Promise<Message> {
    const failure = this.world.takeFailure();
    if (failure) throw new Error(failure);
    if (this.world.unreachableChats.has(chatId)) return undefined as unknown as Message;
    const id = this.world.nextId();
    const raw: RawMessage = {
      id: { fromMe: true, remote: chatId, id, _serialized: `true_${chatId}_${id}` },
      from: `${this.linkedDigits}@c.us`,
      to: chatId,
      body: typeof content === "string" ? content : "",
      type: content instanceof MessageMedia ? (options.sendMediaAsDocument ? "document" : mediaType(content.mimetype)) : "chat",
      t: this.world.seconds(),
      ack: MessageAck.ACK_PENDING,
      ...(options.caption ? { caption: options.caption } : {}),
    };
    this.sentRaw.set(raw.id._serialized, raw);
    if (this.linkedDigits) this.world.chatOf(this.linkedDigits, chatId).messages.push(raw);
    this.world.sends.push({ referrerUserId: this.setup.referrerUserId, chatId, content, options, messageId: raw.id._serialized });
    if (this.world.silentlyOffline && options.waitUntilMsgSent) return new Promise<Message>(() => undefined);
    return new library.Message(this, raw);
  }

  // ----- what the phone and WhatsApp's servers do -----

  /** The phone scans the QR / enters the code. Like RemoteAuth (60 s later there), the profile is then backed up. */
  async link(phone: string, options: { save?: boolean } = {}): Promise<void> {
    if (this.linkedDigits) return;
    this.emit("authenticated");
    await this.becomeReady(phone.replace(/^\+/, ""), { save: options.save ?? true });
  }

  /** WhatsApp Web's socket times out (network lost): the library keeps the page and waits. */
  loseConnection(): void {
    this.emit("change_state", WAState.TIMEOUT);
  }

  /** The device was unlinked from the phone: the library's `framenavigated` path. */
  async logOutFromPhone(): Promise<void> {
    this.emit("disconnected", "LOGOUT");
    await this.deleteRemoteSession();
  }

  /** The session was opened elsewhere: the library's `change_state` path, store deletion first. */
  async conflict(): Promise<void> {
    this.emit("change_state", WAState.CONFLICT);
    await this.deleteRemoteSession();
    this.emit("disconnected", WAState.CONFLICT);
    void this.destroy();
  }

  /** Any other state after which the library gives up on the page. */
  async closedBy(state: WAState): Promise<void> {
    this.emit("change_state", state);
    await this.deleteRemoteSession();
    this.emit("disconnected", state);
    void this.destroy();
  }

  /**
   * A message of any `Message.type` arrives while this client runs, e.g. `ptt`, `sticker`, an
   * `image` with its caption (`body` is the caption when there is media: Message.js:55-57) or one
   * of WhatsApp's notices. Emitted like any message with `isNewMsg` (Client.js:1129-1136).
   */
  receiveOfType(from: string, type: string, body = "", extra: Record<string, unknown> = {}): Message {
    const raw = this.world.incoming(this.linkedDigits ?? "unlinked", from, body);
    Object.assign(raw, { type, ...extra });
    const message = new library.Message(this, raw);
    this.emit("message_create", message);
    if (!message.fromMe) this.emit("message", message);
    return message;
  }

  /**
   * The person edits a message they sent: `onEditMessageEvent` emits `message_edit` with the
   * message and its new and previous bodies, never for a revoked one (Client.js:958-975).
   */
  edit(messageId: string, newBody: string): void {
    const raw = [...this.world.chatsOf(this.linkedDigits ?? "unlinked").values()].flatMap((c) => c.messages).find((m) => m.id._serialized === messageId);
    if (!raw) throw new Error(`unknown message ${messageId}`);
    const prevBody = raw.body;
    raw.body = newBody;
    this.emit("message_edit", new library.Message(this, raw), newBody, prevBody);
  }

  /** A message arrives while this client runs: kept in the chat, and emitted (`isNewMsg`). */
  receive(from: string, text: string): Message {
    const raw = this.world.incoming(this.linkedDigits ?? "unlinked", from, text);
    const message = new library.Message(this, raw);
    this.emit("message_create", message);
    if (!message.fromMe) this.emit("message", message);
    return message;
  }

  /**
   * A message arrives while this client runs but is still `ciphertext`: the library emits
   * `message_ciphertext`, not `message` (Client.js:1129-1141). Returns its id for `decryptLive`.
   */
  receiveSealed(from: string, text: string): string {
    const raw = this.world.incoming(this.linkedDigits ?? "unlinked", from, "");
    raw.type = "ciphertext";
    this.sealedLive.set(raw.id._serialized, text);
    this.emit("message_ciphertext", new library.Message(this, raw));
    return raw.id._serialized;
  }

  private readonly sealedLive = new Map<string, string>();

  /** The keys arrived for a live (`isNewMsg`) ciphertext: `change:type` emits `message` (Client.js:1155-1161). */
  decryptLive(messageId: string): void {
    const text = this.sealedLive.get(messageId);
    const raw = this.linkedDigits ? [...this.world.chatsOf(this.linkedDigits).values()].flatMap((c) => c.messages).find((m) => m.id._serialized === messageId) : undefined;
    if (!raw || text === undefined) throw new Error(`unknown sealed message ${messageId}`);
    Object.assign(raw, { type: "chat", body: text });
    this.emit("message", new library.Message(this, raw));
  }

  /**
   * WhatsApp Web navigates (reload, update): the library injects again and emits `ready` a second
   * time (Client.js:495-503 `framenavigated` → `inject()`). Messages that reached the phone in
   * between come with the sync, not flagged `isNewMsg`, so nothing emits them (Client.js:1129-1130).
   */
  reinject(): void {
    this.emit("ready");
  }

  /** WhatsApp Web's socket is back after `TIMEOUT`: `change_state` CONNECTED (Client.js:815-822, 1065). */
  resume(): void {
    this.emit("change_state", WAState.CONNECTED);
  }

  acknowledge(messageId: string, ack: MessageAck): void {
    const raw = this.sentRaw.get(messageId);
    if (!raw) throw new Error(`unknown message ${messageId}`);
    this.emit("message_ack", new library.Message(this, { ...raw, ack }), ack);
  }

  /**
   * RemoteAuth's periodic `storeRemoteSession` (RemoteAuth.js:129-161): the running profile zipped
   * and saved. With `world.tornBackups`, the copy is one WhatsApp Web will not accept.
   */
  async backUp(): Promise<void> {
    if (!this.linkedDigits) throw new Error("nothing to back up before a link");
    await this.saveProfile(this.world.tornBackups ? "torn" : `phone=${this.linkedDigits}`);
  }

  private chatModel(chat: FakeChat): Chat {
    const [user = "", server = ""] = chat.id.split("@");
    const data: RawChat = {
      id: { server, user, _serialized: chat.id },
      formattedTitle: chat.id,
      isGroup: chat.isGroup,
      unreadCount: chat.unreadCount,
      t: chat.messages.at(-1)?.t ?? 0,
      ...(chat.isGroup ? { groupMetadata: { participants: [] } } : {}),
    };
    const model = chat.isGroup ? new library.GroupChat(this, data) : new library.PrivateChat(this, data);
    // Chat.fetchMessages (Chat.js:203-246): the newest `limit`, earliest first; notifications left out.
    model.fetchMessages = async (search: { limit?: number; fromMe?: boolean }) => {
      let raws = chat.messages.filter((m) => search.fromMe === undefined || m.id.fromMe === search.fromMe);
      if (search.limit && search.limit > 0) raws = raws.slice(-search.limit);
      return raws.map((raw) => new library.Message(this, raw));
    };
    return model;
  }

  private async becomeReady(digits: string, options: { save: boolean }): Promise<void> {
    if (this.destroyed) return;
    this.linkedDigits = digits;
    this.info = new library.ClientInfo(this, { wid: { server: "c.us", user: digits, _serialized: `${digits}@c.us` }, pushname: "Referrer", platform: "android" });
    this.emit("ready");
    const build = this.setup.webVersion?.version;
    if (build !== undefined && this.world.deprecatedBuilds.has(build)) {
      setImmediate(() => void this.closedBy(WAState.DEPRECATED_VERSION));
      return;
    }
    if (options.save) await this.saveProfile(`phone=${digits}`);
  }

  /** RemoteAuth.storeRemoteSession: zip the profile at <dataPath>/<session>.zip, save, remove. */
  private async saveProfile(content: string): Promise<void> {
    await writeFile(this.zipPath, Buffer.concat([FAKE_ZIP_HEADER, Buffer.from(`fake-whatsapp-web-profile ${content}`, "latin1")]));
    try {
      await this.setup.store.save({ session: this.sessionName });
    } finally {
      await rm(this.zipPath, { force: true });
    }
  }

  private async deleteRemoteSession(): Promise<void> {
    const { store } = this.setup;
    if (await store.sessionExists({ session: this.sessionName })) await store.delete({ session: this.sessionName });
  }
}

function mediaType(mimetype: string): RawMessage["type"] {
  if (mimetype.startsWith("image/")) return "image";
  if (mimetype.startsWith("video/")) return "video";
  if (mimetype.startsWith("audio/")) return "audio";
  return "document";
}
