import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { AddressPolicy, MediaFetchError } from "./address-policy.js";
import { mediaTypeOf } from "./media-types.js";

export { MediaFetchError } from "./address-policy.js";

export interface MediaFetchOptions {
  /** Whole download, first byte sent to last byte read, redirects included (default 60 s). */
  timeoutMs?: number;
  /** Largest body accepted, announced or streamed (default 16 MiB). */
  maxBytes?: number;
  /** Redirects followed, each one checked like the first URL (default 3). */
  maxRedirects?: number;
  /** Host names or addresses that may resolve to private or loopback addresses (an internal CDN, tests). */
  allowHosts?: readonly string[];
}

export interface FetchedMedia {
  data: Buffer;
  /** The checked media type: the server's, or from the file extension when the server's says nothing. */
  contentType: string;
  filename: string;
}

export type FetchMedia = (url: string) => Promise<FetchedMedia>;

export const DEFAULT_MEDIA_TIMEOUT_MS = 60_000;
export const DEFAULT_MEDIA_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The one media fetcher of both WhatsApp transports. A media URL comes from an admin, but what it
 * points to (or redirects to) is not trusted: http(s) only; every hop's resolved address checked
 * at connection time (so a DNS answer cannot change between the check and the connect) against
 * loopback, private, link-local and metadata ranges; redirects followed by hand, each checked;
 * a time cap on the whole and a byte cap on the body; a media type WhatsApp can carry.
 */
export function createMediaFetcher(options: MediaFetchOptions = {}): FetchMedia {
  const timeoutMs = options.timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MEDIA_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 3;
  const policy = new AddressPolicy(options.allowHosts);

  return async (raw) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    let url = new URL(raw);
    try {
      for (let hop = 0; ; hop++) {
        const response = await get(url, policy, deadline);
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          if (hop >= maxRedirects) throw new MediaFetchError(`media download failed: more than ${maxRedirects} redirects for ${shown(url)}`);
          url = new URL(response.headers.location, url);
          continue;
        }
        if (status < 200 || status >= 300) {
          response.resume();
          throw new MediaFetchError(`media download failed: HTTP ${status} for ${shown(url)}`);
        }
        const filename = decodeURIComponent(url.pathname.split("/").pop() || "file");
        const contentType = mediaTypeOf(String(response.headers["content-type"] ?? ""), filename);
        if (contentType === null) {
          response.resume();
          throw new MediaFetchError(`media download refused: ${String(response.headers["content-type"] ?? "no type")} is not an image, video, audio or PDF (${shown(url)})`);
        }
        return { data: await readCapped(response, maxBytes, url), contentType, filename };
      }
    } catch (error) {
      if (deadline.aborted) throw new MediaFetchError(`media download failed: no complete answer within ${timeoutMs} ms for ${shown(url)}`, { cause: error });
      throw error;
    }
  };
}

/** Origin and path: a query string may hold a signed token. */
const shown = (url: URL) => `${url.origin}${url.pathname}`;

function get(url: URL, policy: AddressPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  if (url.protocol !== "http:" && url.protocol !== "https:") return Promise.reject(new MediaFetchError(`media URL must be http(s): ${url.protocol}`));
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  // An address literal is never looked up, so it is checked here.
  if (isIP(hostname)) policy.check(hostname, hostname);
  const lookup: LookupFunction = (host, lookupOptions, callback) => {
    dnsLookup(host, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 4);
      try {
        for (const a of addresses) policy.check(host, a.address);
      } catch (refused) {
        return callback(refused as Error, "", 4);
      }
      if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // agent: false: a pooled socket, opened for an allowed host, would skip the lookup and its check.
    const req = request(url, { method: "GET", agent: false, lookup, signal, headers: { accept: "image/*, video/*, audio/*, application/pdf" } }, resolve);
    req.on("error", reject);
    req.end();
  });
}

async function readCapped(response: IncomingMessage, maxBytes: number, url: URL): Promise<Buffer> {
  const tooLarge = () => new MediaFetchError(`media download failed: larger than ${maxBytes} bytes for ${shown(url)}`);
  const declared = Number(response.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of response) {
    total += (chunk as Buffer).byteLength;
    if (total > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
