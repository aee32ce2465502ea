import { describe, expect, it } from "vitest";
import { TransportUnavailableError, type LinkState } from "@relance/core";
import { callFailure } from "../../../src/transports/session/failure.js";

// [case, the session went away (driver's reading), status, port error, its link status]
const CASES: Array<[string, boolean, LinkState["status"], "unavailable" | "attempt failed", string | null]> = [
  ["the connection closed before anything left, state not updated yet", true, "connected", "unavailable", "disconnected"],
  ["the connection closed, reconnecting", true, "connecting", "unavailable", "connecting"],
  ["logged out meanwhile", true, "logged_out", "unavailable", "logged_out"],
  ["a refusal from a connected session", false, "connected", "attempt failed", null],
];

describe("callFailure: a failed library call as the port's error (both drivers)", () => {
  it.each(CASES)("%s", (_, unavailable, status, kind, linkStatus) => {
    const cause = new Error("Connection Closed");
    const error = callFailure({ transport: "t", action: "sending the text to +33611111111", error: cause, unavailable, status });
    expect(error.cause).toBe(cause);
    if (kind === "unavailable") {
      expect(error).toBeInstanceOf(TransportUnavailableError);
      expect((error as TransportUnavailableError).linkStatus).toBe(linkStatus);
      expect(error.message).toBe("[t] sending the text to +33611111111 failed: the connection closed (Connection Closed)");
    } else {
      expect(error).not.toBeInstanceOf(TransportUnavailableError);
      expect(error.message).toBe("[t] sending the text to +33611111111 failed: Connection Closed");
    }
  });

  it("says what the driver saw, and reads bare strings thrown by a page", () => {
    const error = callFailure({ transport: "wwebjs", action: "presence composing", error: "Evaluation failed", unavailable: true, status: "disconnected", detail: "the session of r is disconnected" });
    expect(error.message).toBe("[wwebjs] presence composing failed: the session of r is disconnected (Evaluation failed)");
  });
});
