import { pino, type Logger as Pino } from "pino";
import type { Logger } from "@relance/core";
import { maskPersonalData } from "@relance/adapters";

/** Paths never written to the log, whatever a caller passes. */
export const REDACTED_PATHS = [
  "secret",
  "secrets",
  "*.secret",
  "*.secrets",
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "creds",
  "*.creds",
  "session",
  "*.session",
  "password",
  "*.password",
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Pino {
  return pino(
    {
      level,
      base: { service: "relance" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      // Personal data: every phone number or WhatsApp id, in fields or messages, is masked.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => maskPersonalData(arg)) as Parameters<typeof method>);
        },
      },
    },
    destination as never,
  );
}

/** pino already has the core's `(fields, message)` call shape. */
export function asCoreLogger(logger: Pino): Logger {
  return logger as unknown as Logger;
}
