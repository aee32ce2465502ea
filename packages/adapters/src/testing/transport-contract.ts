import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TransportUnavailableError, type E164, type MediaItem, type Transport, type TransportEvent } from "@relance/core";
import { runTransportGuarantees, type TransportGuarantee } from "./transport-guarantees.js";
import { linked, PHONE, REFERRAL, REFERRER, until } from "./transport-contract-setup.js";

/** What the library on the other side saw, normalised across transports. */
export interface ObservedSend {
  to: E164;
  kind: "text" | "image" | "video" | "document" | "audio";
  text?: string;
  url?: string;
  caption?: string;
}

/**
 * One transport plus the simulated world around it (the referrer's phone, WhatsApp's servers),
 * driven through the library's own objects for real transports (fake socket / client).
 */
export interface TransportContractHarness {
  transport: Transport;
  /** The referrer's phone scans the QR / enters the pairing code. */
  completeLink(referrerUserId: string, phone: E164): Promise<void>;
  /** The connection is lost; `loggedOut` when the device was unlinked from the phone. */
  dropConnection(referrerUserId: string, options: { loggedOut: boolean }): Promise<void>;
  setOnWhatsApp(phone: E164, onWhatsApp: boolean): void;
  deliverInbound(referrerUserId: string, from: E164, text: string): Promise<void>;
  deliverReceipt(referrerUserId: string, messageId: string, status: "delivered" | "read"): Promise<void>;
  /** Everything the library was asked to send for that referrer, in order. */
  observedSends(referrerUserId: string): ObservedSend[];
  /** The next library send call fails with a non-connection error. */
  failNextSend(message: string): void;
  /** In the next send, the text goes through and the first media fails. */
  failFirstMediaOfNextSend(message: string): void;
  /** Closes every transport instance the harness made. */
  close(): Promise<void>;

  // The hard guarantees (transport-guarantees.ts). A hook may be absent only when the contract
  // call skips the guarantees needing it, with a reason (`TransportContractOptions.skip`).

  /**
   * A second transport instance over the same storage, world and clock: another process of ours
   * (instance id of its own), closed by `close`.
   */
  secondInstance?(): Promise<Transport>;
  /** A message reaches the referrer's account while no process drives the session (the offline backlog). */
  deliverWhileOffline?(referrerUserId: string, from: E164, text: string): Promise<void>;
  /** WhatsApp ends the session because another connection replaced it (Baileys 440, wwebjs CONFLICT). */
  replaceSession?(referrerUserId: string): Promise<void>;
  /** The next media fetch (the download before sending) fails with `message`. */
  failNextMediaDownload?(message: string): void;
  /**
   * A reply addressed by the sender's LID; `mapped`: whether the library knows the LID's number
   * when it arrives.
   */
  deliverInboundFromLid?(referrerUserId: string, from: E164, text: string, options: { mapped: boolean }): Promise<void>;
  /** The library learns the number of the LID `from` replied with (see `deliverInboundFromLid`). */
  mapLid?(from: E164): void;
}

export interface TransportContractOptions {
  create(): Promise<TransportContractHarness>;
  /** Guarantees this transport cannot show, each with the reason (shown in the test title). */
  skip?: Partial<Record<TransportGuarantee, string>>;
}

const MEDIA: MediaItem[] = [
  { url: "https://cdn.example.com/a.jpg", type: "image", language: "fr", caption: "Photo" },
  { url: "https://cdn.example.com/b.pdf", type: "document", language: "both", caption: "Brochure" },
];

/** The shared behaviour every transport (sandbox, baileys, wwebjs) must show. */
export function runTransportContract(name: string, options: TransportContractOptions): void {
  runTransportGuarantees(name, options);
  describe(`${name} transport contract`, () => {
    let harness: TransportContractHarness;
    let events: TransportEvent[];
    const send = (text = "Bonjour", media: MediaItem[] = []) =>
      harness.transport.send(REFERRER, { to: REFERRAL, text, media, language: "fr" }, { idempotencyKey: "t1:1", targetId: "t1", day: 1 });
    const linkEvents = () => events.filter((e): e is Extract<TransportEvent, { type: "link" }> => e.type === "link" && e.referrerUserId === REFERRER);

    beforeEach(async () => {
      harness = await options.create();
      events = [];
      harness.transport.subscribe((event) => events.push(event));
    });
    afterEach(async () => {
      await harness.close();
    });

    it("reports an unknown referrer as disconnected", () => {
      expect(harness.transport.getState("nobody")).toMatchObject({ status: "disconnected", phone: null });
    });

    it("links by QR: pending_qr with the QR text and a PNG data URL, then connected with the phone", async () => {
      const state = await harness.transport.connect(REFERRER, { method: "qr" });
      expect(state.status).toBe("pending_qr");
      expect(state.qr?.text).toEqual(expect.any(String));
      expect(state.qr?.dataUrl).toMatch(/^data:image\/png;base64,/);
      expect(linkEvents().some((e) => e.state.status === "pending_qr" && e.state.qr?.text === state.qr?.text)).toBe(true);

      await harness.completeLink(REFERRER, PHONE);
      await until(() => harness.transport.getState(REFERRER).status === "connected", "connected");
      expect(harness.transport.getState(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      expect(linkEvents().at(-1)!.state).toMatchObject({ status: "connected", phone: PHONE });
      expect(await harness.transport.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
    });

    it("links by pairing code when the transport offers it", async () => {
      if (!harness.transport.capabilities.pairingCode) return;
      const state = await harness.transport.connect(REFERRER, { method: "pairing_code", phone: PHONE });
      expect(state).toMatchObject({ status: "pending_pairing", pairingCode: expect.stringMatching(/^[A-Z0-9-]{8,9}$/) });
    });

    it("checks numbers, shows typing, and sends text then media in order with captions", async () => {
      await linked(harness);
      harness.setOnWhatsApp("+33699999999", false);
      expect(await harness.transport.isOnWhatsApp(REFERRER, REFERRAL)).toBe(true);
      expect(await harness.transport.isOnWhatsApp(REFERRER, "+33699999999")).toBe(false);
      if (harness.transport.capabilities.presence) {
        for (const state of ["available", "composing", "paused"] as const) await harness.transport.sendPresence(REFERRER, state, state === "available" ? undefined : REFERRAL);
      }

      const result = await send("Bonjour Alice", MEDIA);
      expect(result.messageId).toEqual(expect.any(String));
      expect(result.mediaMessageIds).toHaveLength(2);
      expect(new Set([result.messageId, ...result.mediaMessageIds]).size).toBe(3);
      expect(harness.observedSends(REFERRER)).toEqual([
        { to: REFERRAL, kind: "text", text: "Bonjour Alice" },
        { to: REFERRAL, kind: "image", url: MEDIA[0]!.url, caption: "Photo" },
        { to: REFERRAL, kind: "document", url: MEDIA[1]!.url, caption: "Brochure" },
      ]);
    });

    it("refuses to send from a session that is not connected, with TransportUnavailableError", async () => {
      await expect(send()).rejects.toBeInstanceOf(TransportUnavailableError);
      await expect(harness.transport.isOnWhatsApp(REFERRER, REFERRAL)).rejects.toBeInstanceOf(TransportUnavailableError);
    });

    it("surfaces a library send failure as an ordinary error (a retryable failure)", async () => {
      await linked(harness);
      harness.failNextSend("media could not be downloaded");
      const error = await send().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TransportUnavailableError);
      expect(String((error as Error).message)).toMatch(/media could not be downloaded/);
    });

    it("never rejects once the text has left: failed media are reported in partialFailure", async () => {
      await linked(harness);
      harness.failFirstMediaOfNextSend("media could not be downloaded");
      const result = await send("Bonjour Alice", MEDIA);
      expect(result.messageId).toEqual(expect.any(String));
      expect(result.mediaMessageIds).toHaveLength(1);
      expect(result.partialFailure).toMatch(/media could not be downloaded/);
      const observed = harness.observedSends(REFERRER);
      expect(observed[0]).toEqual({ to: REFERRAL, kind: "text", text: "Bonjour Alice" });
      expect(observed.filter((s) => s.kind === "text")).toHaveLength(1);
    });

    it("reports a lost connection, and a logout as logged_out", async () => {
      await linked(harness);
      await harness.dropConnection(REFERRER, { loggedOut: false });
      await until(() => harness.transport.getState(REFERRER).status !== "connected", "not connected");
      await expect(send()).rejects.toBeInstanceOf(TransportUnavailableError);

      await harness.transport.connect(REFERRER, { method: "qr" });
      await harness.completeLink(REFERRER, PHONE);
      await until(() => harness.transport.getState(REFERRER).status === "connected", "relinked");
      await harness.dropConnection(REFERRER, { loggedOut: true });
      await until(() => harness.transport.getState(REFERRER).status === "logged_out", "logged_out");
      expect(linkEvents().at(-1)!.state.status).toBe("logged_out");
    });

    it("turns replies into inbound events with the sender's E.164 number", async () => {
      await linked(harness);
      await harness.deliverInbound(REFERRER, REFERRAL, "STOP");
      await until(() => events.some((e) => e.type === "inbound"), "inbound");
      expect(events.find((e) => e.type === "inbound")).toMatchObject({ type: "inbound", referrerUserId: REFERRER, from: REFERRAL, text: "STOP" });
    });

    it("turns receipts into delivered / read events for the sent message id", async () => {
      await linked(harness);
      const { messageId } = await send();
      await harness.deliverReceipt(REFERRER, messageId, "delivered");
      await harness.deliverReceipt(REFERRER, messageId, "read");
      await until(() => events.filter((e) => e.type === "receipt").length >= 2, "receipts");
      expect(events.filter((e) => e.type === "receipt").map((e) => e.type === "receipt" && [e.messageId, e.status])).toEqual([
        [messageId, "delivered"],
        [messageId, "read"],
      ]);
    });

    it("disconnects (state kept) and logs out (state gone)", async () => {
      await linked(harness);
      expect(await harness.transport.disconnect(REFERRER, { logout: false })).toMatchObject({ status: "disconnected" });
      await expect(send()).rejects.toBeInstanceOf(TransportUnavailableError);
      await harness.transport.connect(REFERRER, { method: "qr" });
      await harness.completeLink(REFERRER, PHONE);
      await until(() => harness.transport.getState(REFERRER).status === "connected", "relinked");
      expect(await harness.transport.disconnect(REFERRER, { logout: true })).toMatchObject({ status: "logged_out" });
    });
  });
}
