import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { E164, MediaItem, TransportEvent } from "@relance/core";
import type { StorageBackend } from "../../../src/ports/index.js";
import { ManualClock, createMemoryStorage, createSessionCipher } from "../../../src/index.js";
import type { ObservedSend } from "../../../src/testing/index.js";
import { MessageMedia } from "../../../src/transports/wwebjs/library.js";
import { createWwebjsTransport, type WwebjsTransport, type WwebjsTransportOptions } from "../../../src/transports/wwebjs/transport.js";
import { createRemoteAuthStore } from "../../../src/transports/wwebjs/remote-auth-store.js";
import { sessionIdOf } from "../../../src/transports/wwebjs/session-ids.js";
import { FakeWhatsApp } from "../../../src/testing/fake-wwebjs-client.js";

/** A whatsapp-web.js transport on fake clients and memory storage, and what it emitted. */
export const SECRET = "a-test-secret-of-32-characters!!";
export const REFERRER = "referrer-1";
export const PHONE: E164 = "+33600000001";
export const REFERRAL: E164 = "+33611111111";

const MIME: Record<MediaItem["type"], string> = { image: "image/jpeg", video: "video/mp4", document: "application/pdf", audio: "audio/ogg" };

/** Media "downloaded" without a network: the URL travels in the data so the fake can report it. */
export async function loadMediaOffline(item: MediaItem): Promise<MessageMedia> {
  return new MessageMedia(MIME[item.type], Buffer.from(item.url).toString("base64"), item.url.split("/").pop() ?? "file");
}

export interface World {
  storage: StorageBackend;
  fake: FakeWhatsApp;
  dataPath: string;
  transport: WwebjsTransport;
  events: TransportEvent[];
  /** Another process on the same storage. */
  otherProcess(overrides?: Partial<WwebjsTransportOptions>): WwebjsTransport;
  close(): Promise<void>;
}

export async function world(overrides: Partial<WwebjsTransportOptions> = {}): Promise<World> {
  const storage = createMemoryStorage();
  await storage.init();
  const clock = overrides.clock ?? new ManualClock("2026-01-05T10:00:00Z");
  const fake = new FakeWhatsApp(clock);
  const dataPath = await mkdtemp(join(tmpdir(), "relance-wwebjs-fake-"));
  const transports: WwebjsTransport[] = [];
  const make = (instanceId: string, more: Partial<WwebjsTransportOptions> = {}) => {
    const transport = createWwebjsTransport({
      sessions: storage.sessions,
      leases: storage.leases,
      cipher: createSessionCipher({ secrets: [SECRET] }),
      clock,
      instanceId,
      maxSessions: 5,
      idleTimeoutMs: 10 * 60_000,
      dataPath,
      createClient: fake.createClient,
      loadMedia: loadMediaOffline,
      initTimeoutMs: 2_000,
      destroyTimeoutMs: 200,
      finalBackupTimeoutMs: 1_500,
      ...overrides,
      ...more,
    });
    transports.push(transport);
    return transport;
  };
  const transport = make("process-a");
  const events: TransportEvent[] = [];
  transport.subscribe((event) => events.push(event));
  return {
    storage,
    fake,
    dataPath,
    transport,
    events,
    otherProcess: (more) => make(`process-${transports.length + 1}`, more),
    async close() {
      await Promise.all(transports.map((t) => t.close()));
      await rm(dataPath, { recursive: true, force: true });
    },
  };
}

/** The referrer links by QR from `phone`; the session is connected and its first work done. */
export async function linked(w: World, referrerUserId = REFERRER, phone = PHONE): Promise<void> {
  await w.transport.connect(referrerUserId, { method: "qr" });
  await w.fake.latest(referrerUserId).link(phone);
  await until(() => w.transport.getState(referrerUserId).status === "connected", "connected");
  await w.transport.idle();
}

/** The plaintext of a session entry (encrypted with AAD `[sessionId, key]`), undefined when none is stored. */
export async function storedEntry(w: World, key: string, referrerUserId = REFERRER): Promise<string | undefined> {
  const sessionId = sessionIdOf(referrerUserId);
  const blob = (await w.storage.sessions.get(sessionId, [key]))[key];
  return blob === undefined ? undefined : createSessionCipher({ secrets: [SECRET] }).decrypt(blob, { aad: JSON.stringify([sessionId, key]) }).plaintext;
}

/**
 * The number whose WhatsApp Web profile is stored for the referrer (what a restore brings back,
 * read as the fake client reads it), null when no profile is stored.
 */
export async function storedProfilePhone(w: World, referrerUserId = REFERRER): Promise<E164 | null> {
  const session = `inspect-${randomUUID()}`;
  const store = createRemoteAuthStore({ sessions: w.storage.sessions, cipher: createSessionCipher({ secrets: [SECRET] }), sessionId: sessionIdOf(referrerUserId), sessionName: session, dataPath: w.dataPath });
  if (!(await store.sessionExists({ session }))) return null;
  const path = join(w.dataPath, `${session}.zip`);
  await store.extract({ session, path });
  const profile = (await readFile(path)).toString("latin1");
  await rm(path);
  const digits = /phone=(\d+)/.exec(profile)?.[1];
  return digits ? `+${digits}` : null;
}

export function observed(fake: FakeWhatsApp, referrerUserId: string): ObservedSend[] {
  return fake.sends
    .filter((send) => send.referrerUserId === referrerUserId)
    .map((send): ObservedSend => {
      const to = `+${send.chatId.replace(/@c\.us$/, "")}`;
      if (typeof send.content === "string") return { to, kind: "text", text: send.content };
      if (!(send.content instanceof MessageMedia)) throw new Error("unexpected content");
      const kind = send.options.sendMediaAsDocument ? "document" : (send.content.mimetype.split("/")[0] as ObservedSend["kind"]);
      return { to, kind, url: Buffer.from(send.content.data, "base64").toString(), ...(send.options.caption ? { caption: send.options.caption } : {}) };
    });
}

export async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

