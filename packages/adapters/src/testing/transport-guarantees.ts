import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SessionDrivenElsewhereError, type MediaItem, type Transport, type TransportEvent } from "@relance/core";
import type { TransportContractHarness, TransportContractOptions } from "./transport-contract.js";
import { linked, PHONE, REFERRAL, REFERRER, until } from "./transport-contract-setup.js";

/**
 * The port's hard guarantees (see `Transport` in @relance/core): the ones a live account tests
 * the hardest, shown here on each transport's fakes. Several need a second process of ours over
 * the same storage (the harness's `secondInstance`), the way the service scales out.
 */
export type TransportGuarantee = "secondInstance" | "replaced" | "mediaDownload" | "lid";

const MEDIA: MediaItem[] = [{ url: "https://cdn.example.com/a.jpg", type: "image", language: "fr", caption: "Photo" }];

function need<T>(hook: T | undefined, name: string): T {
  if (hook === undefined) throw new Error(`the harness must provide ${name} (or the contract call must skip this guarantee with a reason)`);
  return hook;
}

interface Recorded {
  events: TransportEvent[];
  /** The session's status when each inbound message was emitted. */
  statusAtInbound: string[];
}

function record(transport: Transport): Recorded {
  const recorded: Recorded = { events: [], statusAtInbound: [] };
  transport.subscribe((event) => {
    recorded.events.push(event);
    if (event.type === "inbound") recorded.statusAtInbound.push(transport.getState(event.referrerUserId).status);
  });
  return recorded;
}

const inbound = (events: TransportEvent[]) => events.flatMap((e) => (e.type === "inbound" ? [{ from: e.from, text: e.text }] : []));

export function runTransportGuarantees(name: string, options: TransportContractOptions): void {
  const skip = options.skip ?? {};
  const title = (text: string, ...needs: TransportGuarantee[]) => {
    const reasons = needs.flatMap((n) => (skip[n] ? [skip[n]] : []));
    return reasons.length > 0 ? `${text} (skipped: ${reasons.join("; ")})` : text;
  };
  const skipped = (...needs: TransportGuarantee[]) => needs.some((n) => skip[n] !== undefined);

  describe(`${name} transport contract: hard guarantees`, () => {
    let harness: TransportContractHarness;
    let first: Recorded;
    const send = (transport: Transport, media: MediaItem[] = []) =>
      transport.send(REFERRER, { to: REFERRAL, text: "Bonjour", media, language: "fr" }, { idempotencyKey: "t1:1", targetId: "t1", day: 1 });

    beforeEach(async () => {
      harness = await options.create();
      first = record(harness.transport);
    });
    afterEach(async () => {
      await harness.close();
    });

    it.skipIf(skipped("secondInstance"))(title("the offline backlog is read before connected: a STOP sent while no process ran comes before ensureReady resolves", "secondInstance"), async () => {
      await linked(harness);
      await harness.transport.close(); // the process stops; the device stays linked
      await need(harness.deliverWhileOffline, "deliverWhileOffline")(REFERRER, REFERRAL, "STOP");

      const next = await need(harness.secondInstance, "secondInstance")();
      const seen = record(next);
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
      expect(inbound(seen.events)).toEqual([{ from: REFERRAL, text: "STOP" }]);
      expect(seen.statusAtInbound).not.toContain("connected");
      const stop = seen.events.findIndex((e) => e.type === "inbound");
      const connected = seen.events.findIndex((e) => e.type === "link" && e.state.status === "connected");
      if (connected >= 0) expect(stop).toBeLessThan(connected);
    });

    it("a session the referrer closed is never restored by ensureReady (connect brings it back)", async () => {
      await linked(harness);
      expect(await harness.transport.disconnect(REFERRER, { logout: false })).toMatchObject({ status: "disconnected" });
      expect((await harness.transport.ensureReady(REFERRER)).status).not.toBe("connected");
      expect(harness.transport.getState(REFERRER).status).not.toBe("connected");
    });

    it.skipIf(skipped("secondInstance"))(title("a session the referrer closed is not restored by another process either", "secondInstance"), async () => {
      await linked(harness);
      await harness.transport.disconnect(REFERRER, { logout: false });
      await harness.transport.close();
      const next = await need(harness.secondInstance, "secondInstance")();
      expect((await next.ensureReady(REFERRER)).status).not.toBe("connected");
      expect(next.getState(REFERRER).status).not.toBe("connected");
      // The referrer's own connect is what lifts it.
      if ((await next.connect(REFERRER, { method: "qr" })).status !== "connected") await harness.completeLink(REFERRER, PHONE);
      await until(() => next.getState(REFERRER).status === "connected", "connected again");
    });

    it.skipIf(skipped("secondInstance"))(title("a session driven by another process is not restored here: SessionDrivenElsewhereError until it lets go", "secondInstance"), async () => {
      await linked(harness);
      const next = await need(harness.secondInstance, "secondInstance")();
      await expect(next.ensureReady(REFERRER)).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
      await expect(send(next)).rejects.toThrow();
      expect(harness.transport.getState(REFERRER).status).toBe("connected");

      await harness.transport.close();
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected", phone: PHONE });
    });

    it.skipIf(skipped("replaced"))(title("a session replaced by another connection is failed, and never restored on its own", "replaced"), async () => {
      await linked(harness);
      await need(harness.replaceSession, "replaceSession")(REFERRER);
      await until(() => harness.transport.getState(REFERRER).status === "failed", "failed");
      expect(harness.transport.getState(REFERRER).reason).toMatch(/replaced/);
      expect(await harness.transport.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
      await expect(send(harness.transport)).rejects.toThrow();
    });

    it.skipIf(skipped("replaced", "secondInstance"))(
      title("a session replaced by another connection is not restored by another process or after a restart either: the block is stored with the session (connect lifts it)", "replaced", "secondInstance"),
      async () => {
        await linked(harness);
        await need(harness.replaceSession, "replaceSession")(REFERRER);
        await until(() => harness.transport.getState(REFERRER).status === "failed", "failed");
        await harness.transport.close(); // a restart, or another instance taking over
        const next = await need(harness.secondInstance, "secondInstance")();
        expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "failed", reason: expect.stringMatching(/replaced/) });
        expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "failed" });
        await expect(send(next)).rejects.toThrow();
        // The referrer's own connect is what lifts it, for every process.
        if ((await next.connect(REFERRER, { method: "qr" })).status !== "connected") await harness.completeLink(REFERRER, PHONE);
        await until(() => next.getState(REFERRER).status === "connected", "connected again");
        await next.close();
        const third = await need(harness.secondInstance, "secondInstance")();
        expect(await third.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
      },
    );

    it.skipIf(skipped("mediaDownload"))(title("a media that cannot be fetched fails the attempt before the text is sent (a retry repeats nothing)", "mediaDownload"), async () => {
      await linked(harness);
      need(harness.failNextMediaDownload, "failNextMediaDownload")("the CDN answered 404");
      await expect(send(harness.transport, MEDIA)).rejects.toThrow(/404/);
      expect(harness.observedSends(REFERRER)).toEqual([]);
      // The retry sends the whole day once.
      await send(harness.transport, MEDIA);
      expect(harness.observedSends(REFERRER).map((s) => s.kind)).toEqual(["text", "image"]);
    });

    it.skipIf(skipped("lid"))(title("a reply addressed by the sender's LID reaches the engine with the sender's number", "lid"), async () => {
      await linked(harness);
      await need(harness.deliverInboundFromLid, "deliverInboundFromLid")(REFERRER, REFERRAL, "STOP", { mapped: true });
      await until(() => inbound(first.events).length > 0, "inbound");
      expect(inbound(first.events)).toEqual([{ from: REFERRAL, text: "STOP" }]);
    });

    it.skipIf(skipped("lid", "secondInstance"))(title("a LID reply nobody can map yet is kept, and handed over by the next process once the library knows the LID", "lid", "secondInstance"), async () => {
      await linked(harness);
      await need(harness.deliverInboundFromLid, "deliverInboundFromLid")(REFERRER, REFERRAL, "STOP", { mapped: false });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(inbound(first.events)).toEqual([]);
      await harness.transport.close();

      need(harness.mapLid, "mapLid")(REFERRAL);
      const next = await need(harness.secondInstance, "secondInstance")();
      const seen = record(next);
      expect(await next.ensureReady(REFERRER)).toMatchObject({ status: "connected" });
      expect(inbound(seen.events)).toEqual([{ from: REFERRAL, text: "STOP" }]);
    });
  });
}
