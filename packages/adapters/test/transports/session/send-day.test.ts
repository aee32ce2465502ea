import { describe, expect, it } from "vitest";
import type { MediaItem, SendResult } from "@relance/core";
import { MediaFetchError, sendDayParts } from "../../../src/transports/session/send-day.js";

const MEDIA: MediaItem[] = [
  { url: "https://cdn.example.com/a.jpg", type: "image", language: "fr" },
  { url: "https://cdn.example.com/b.pdf", type: "document", language: "fr" },
];

/** A driver whose library records what left, failing where asked. */
function driver(options: { fetchFails?: string; textFails?: string; textEnds?: SendResult; mediaFails?: number[] } = {}) {
  const left: string[] = [];
  const parts = {
    transport: "test",
    to: "+33611111111" as const,
    media: MEDIA,
    fetch: async (item: MediaItem) => {
      if (options.fetchFails && item.url.endsWith(options.fetchFails)) throw new Error("HTTP 404");
      return `bytes of ${item.url}`;
    },
    sendText: async (): Promise<string | SendResult> => {
      if (options.textFails) throw new Error(options.textFails);
      if (options.textEnds) return options.textEnds;
      left.push("text");
      return "T";
    },
    sendMedia: async (content: string, _item: MediaItem, index: number) => {
      if (options.mediaFails?.includes(index)) throw new Error("upload refused");
      left.push(content);
      return `M${index}`;
    },
  };
  return { parts, left };
}

describe("the send-a-day rule (session/send-day.ts), both drivers", () => {
  it("sends the text, then each media in order", async () => {
    const { parts, left } = driver();
    expect(await sendDayParts(parts)).toEqual({ messageId: "T", mediaMessageIds: ["M0", "M1"] });
    expect(left).toEqual(["text", "bytes of https://cdn.example.com/a.jpg", "bytes of https://cdn.example.com/b.pdf"]);
  });

  it("fetches every media before anything leaves: a failed fetch sends nothing", async () => {
    const { parts, left } = driver({ fetchFails: "b.pdf" });
    const error = await sendDayParts(parts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaFetchError);
    expect((error as Error).message).toBe("[test] media for +33611111111 could not be downloaded: HTTP 404");
    expect(left).toEqual([]);
  });

  it("rejects with the driver's own error when the text fails (nothing left)", async () => {
    const { parts, left } = driver({ textFails: "socket closed" });
    await expect(sendDayParts(parts)).rejects.toThrow("socket closed");
    expect(left).toEqual([]);
  });

  it("never rejects once the text left: failed media are reported, the rest still goes", async () => {
    const { parts, left } = driver({ mediaFails: [0] });
    expect(await sendDayParts(parts)).toEqual({
      messageId: "T",
      mediaMessageIds: ["M1"],
      partialFailure: "[test] text sent to +33611111111, but media 1/2: upload refused",
    });
    expect(left).toEqual(["text", "bytes of https://cdn.example.com/b.pdf"]);
  });

  it("ends the day where the driver says the text's outcome is unknown (no media after it)", async () => {
    const unknown: SendResult = { messageId: "unknown:k", mediaMessageIds: [], partialFailure: "outcome unknown" };
    const { parts, left } = driver({ textEnds: unknown });
    expect(await sendDayParts(parts)).toBe(unknown);
    expect(left).toEqual([]);
  });
});
