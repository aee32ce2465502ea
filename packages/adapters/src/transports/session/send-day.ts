import type { E164, MediaItem, SendResult } from "@relance/core";
import { messageOf } from "./error-message.js";

/**
 * The send-a-day rule, for both drivers (see `Transport.send` in the core port): a day is its
 * text then each media, in order, and is sent at most once.
 *
 * - Every media is fetched before anything leaves: one that cannot be fetched fails the attempt
 *   with nothing sent (`MediaFetchError`), so the retry sends the whole day once.
 * - The text failing is the attempt failing: the driver's own error (it says unavailable or a
 *   failed attempt, session/failure.ts).
 * - From the text on, nothing rejects: a failed media is reported in `partialFailure`, since a
 *   retry would send the day's text again.
 */

/** A media of the day could not be fetched: nothing was sent (an ordinary failed attempt). */
export class MediaFetchError extends Error {
  constructor(transport: string, to: E164, cause: unknown) {
    super(`[${transport}] media for ${to} could not be downloaded: ${messageOf(cause)}`, { cause });
    this.name = "MediaFetchError";
  }
}

export interface DayParts<M> {
  /** The transport's name, prefixing messages. */
  transport: string;
  to: E164;
  media: readonly MediaItem[];
  /** Fetches one media (into what the library sends). */
  fetch(item: MediaItem): Promise<M>;
  /**
   * Sends the text and resolves with its message id, or with the day's result when the driver
   * already knows it ends there (whatsapp-web.js: the text's outcome is unknown, nothing more is
   * sent). Rejects only when nothing left.
   */
  sendText(): Promise<string | SendResult>;
  /** Sends one media (after the text); resolves with its message id. */
  sendMedia(content: M, item: MediaItem, index: number): Promise<string>;
}

export async function sendDayParts<M>(parts: DayParts<M>): Promise<SendResult> {
  const { transport, to, media } = parts;
  let contents: M[];
  try {
    contents = await Promise.all(media.map((item) => parts.fetch(item)));
  } catch (error) {
    throw new MediaFetchError(transport, to, error);
  }
  const text = await parts.sendText();
  if (typeof text !== "string") return text;
  const mediaMessageIds: string[] = [];
  const failures: string[] = [];
  for (const [index, content] of contents.entries()) {
    try {
      mediaMessageIds.push(await parts.sendMedia(content, media[index]!, index));
    } catch (error) {
      // The text already left: rejecting now would make dispatch send the whole day again.
      failures.push(`media ${index + 1}/${media.length}: ${messageOf(error)}`);
    }
  }
  return {
    messageId: text,
    mediaMessageIds,
    ...(failures.length > 0 ? { partialFailure: `[${transport}] text sent to ${to}, but ${failures.join("; ")}` } : {}),
  };
}
