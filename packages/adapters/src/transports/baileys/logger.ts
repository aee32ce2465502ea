import type { SocketConfig } from "@whiskeysockets/baileys";
import type { Logger } from "@relance/core";
import { maskPersonalData, maskPhoneNumbers } from "../../logging/personal-data.js";

/** The pino-compatible logger Baileys expects (`ILogger`, not exported by the package). */
export type BaileysLogger = SocketConfig["logger"];

export type BaileysLogLevel = "warn" | "error" | "silent";

const RANK = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: Number.POSITIVE_INFINITY } as const;

/**
 * Forwards Baileys' own logs to the core logger at `level` and above (default `warn`). Below it
 * Baileys logs decrypted frames and message contents, and some of its objects hold key material:
 * only the message, error messages and short scalar fields whose name does not look secret pass.
 */
export function toBaileysLogger(logger: Logger, level: BaileysLogLevel = "warn", bindings: Record<string, unknown> = {}): BaileysLogger {
  const threshold = RANK[level];
  const at =
    (rank: keyof typeof RANK, method: keyof Logger) =>
    (obj: unknown, msg?: string): void => {
      if (RANK[rank] < threshold) return;
      const message = maskPhoneNumbers(typeof obj === "string" ? obj : (msg ?? "baileys"));
      const fields = typeof obj === "string" ? {} : obj instanceof Error ? { err: obj.message } : safeFields(obj);
      // jid, participant, from...: Baileys names people by their number.
      logger[method](maskPersonalData({ ...bindings, ...fields, source: "baileys" }) as Record<string, unknown>, message);
    };
  return {
    level,
    child: (more) => toBaileysLogger(logger, level, { ...bindings, ...safeFields(more) }),
    trace: at("trace", "debug"),
    debug: at("debug", "debug"),
    info: at("info", "info"),
    warn: at("warn", "warn"),
    error: at("error", "error"),
  };
}

const SECRET_LOOKING = /key|secret|token|cred|noise|identity|private|sign|pair|qr|adv|session|node|frame|stanza|trace|payload|content|message|text/i;

function safeFields(obj: unknown): Record<string, unknown> {
  if (typeof obj !== "object" || obj === null) return {};
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(obj)) {
    if (value instanceof Error) fields[name] = value.message;
    else if (SECRET_LOOKING.test(name)) continue;
    else if (typeof value === "string") fields[name] = value.length > 200 ? `${value.slice(0, 200)}…` : value;
    else if (typeof value === "number" || typeof value === "boolean") fields[name] = value;
  }
  return fields;
}
