import type { E164 } from "@relance/core";
import type { TransportContractHarness } from "./transport-contract.js";

/** The referrer, their number and the referral both transport suites (contract, guarantees) use. */
export const REFERRER = "referrer-1";
export const PHONE: E164 = "+33600000001";
export const REFERRAL: E164 = "+33611111111";

/** Polls until `predicate` holds (2 s at most): the fakes answer within a few ticks. */
export async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The referrer links by QR and the session is connected. */
export async function linked(harness: TransportContractHarness): Promise<void> {
  await harness.transport.connect(REFERRER, { method: "qr" });
  await harness.completeLink(REFERRER, PHONE);
  await until(() => harness.transport.getState(REFERRER).status === "connected", "connected");
}
