import { pino, type Logger as Pino } from "pino";
import type { Logger } from "@relance/core";

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
  return pino({ level, base: { service: "relance" }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, destination as never);
}

/** pino already has the core's `(fields, message)` call shape. */
export function asCoreLogger(logger: Pino): Logger {
  return logger as unknown as Logger;
}
