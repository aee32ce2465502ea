const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  mp4: "video/mp4",
  "3gp": "video/3gpp",
  mov: "video/quicktime",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  opus: "audio/ogg",
  m4a: "audio/mp4",
  aac: "audio/aac",
  pdf: "application/pdf",
};

const GENERIC_TYPES = new Set(["", "application/octet-stream", "binary/octet-stream"]);

/** What WhatsApp carries as media: anything else (an HTML error page, JSON from a metadata service) is refused. */
const SENDABLE = /^(image|video|audio)\/[\w.+-]+$|^application\/pdf$/;

/** The media type to send, or null when the server's answer is not a sendable media. */
export function mediaTypeOf(header: string, filename: string): string | null {
  const declared = header.split(";")[0]!.trim().toLowerCase();
  const extension = filename.includes(".") ? filename.split(".").pop()!.toLowerCase() : "";
  const type = GENERIC_TYPES.has(declared) ? (MIME_BY_EXTENSION[extension] ?? null) : declared;
  return type !== null && SENDABLE.test(type) ? type : null;
}
