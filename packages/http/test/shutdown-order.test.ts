import { describe, expect, it } from "vitest";
import type { TransportEvent, TransportListener } from "@relance/core";
import { ManualClock, SandboxTransport, createMemoryStorage } from "@relance/adapters";
import { loadConfig, startService } from "../src/index.js";
import { JWT_SECRET, SERVICE_SECRET, SESSION_SECRET } from "./support/test-app.js";
import { contactKeyOf } from "../src/composition/container.js";
import { DEVELOPMENT_CONTACT_KEY } from "../src/config/env.js";

// Issue 18, "nothing acknowledged is ever lost": on shutdown the transport closes (and its
// sessions flush what they hold) while the engine still listens. A real library surfaces
// messages while its sessions close (Baileys flushes its event buffer on close): a STOP among
// them must be stored and acknowledged before the engine stops listening.

/** A sandbox whose sessions surface a STOP while closing, and wait for the acknowledgement. */
class ClosingWithAStop extends SandboxTransport {
  private readonly hooks = new Set<TransportListener>();
  acknowledged: boolean | null = null;

  override subscribe(listener: TransportListener): () => void {
    this.hooks.add(listener);
    const off = super.subscribe(listener as (event: TransportEvent) => void);
    return () => {
      this.hooks.delete(listener);
      off();
    };
  }

  override async close(): Promise<void> {
    const event: TransportEvent = { type: "inbound", referrerUserId: "ref-1", from: "+33611111111", text: "STOP", at: new Date() };
    const acks = [...this.hooks].map((hook) => hook(event));
    this.acknowledged = acks.length > 0 && (await Promise.allSettled(acks)).every((a) => a.status === "fulfilled");
    await super.close();
  }
}

describe("shutdown order", () => {
  it("a message surfaced while the transport closes still reaches the engine, which acknowledges it", async () => {
    const storage = createMemoryStorage();
    const optedOut: string[] = [];
    const add = storage.doNotContact.add.bind(storage.doNotContact);
    storage.doNotContact.add = async (entry) => {
      await add(entry);
      optedOut.push(entry.phone);
    };
    const transport = new ClosingWithAStop({ clock: new ManualClock(new Date()), renderQr: false });
    const config = loadConfig({
      NODE_ENV: "test",
      RELANCE_STORAGE: "memory",
      RELANCE_TRANSPORT: "sandbox",
      RELANCE_JOBS: "on",
      RELANCE_JWT_SECRET: JWT_SECRET,
      RELANCE_SERVICE_SECRET: SERVICE_SECRET,
      WHATSAPP_SESSION_SECRET: SESSION_SECRET,
      LOG_LEVEL: "silent",
    });
    const service = await startService(config, { listen: false, overrides: { storage, transport } });
    await service.close();
    // The do-not-contact list holds the number's keyed hash (security review 2, L4), never the number.
    expect(optedOut).toEqual([contactKeyOf(DEVELOPMENT_CONTACT_KEY)("+33611111111")]);
    expect(transport.acknowledged).toBe(true);
  });
});
