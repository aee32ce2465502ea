import { pino, type Logger as Pino } from "pino";
import pinoPretty from "pino-pretty";
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

export type LogFormat = "json" | "pretty";

/**
 * `LOG_FORMAT=auto` (the default): pretty on a terminal in development, JSON anywhere else (piped,
 * collected, production, tests), where a machine reads the lines.
 */
export function logFormatOf(config: { LOG_FORMAT: "auto" | LogFormat; NODE_ENV: string }, isTTY: boolean): LogFormat {
  if (config.LOG_FORMAT !== "auto") return config.LOG_FORMAT;
  return isTTY && config.NODE_ENV === "development" ? "pretty" : "json";
}

export interface LogOptions {
  format?: LogFormat;
  /** Pretty format only; default: when the output is a colour terminal. */
  colorize?: boolean;
}

/**
 * The service's logger. Redaction and phone masking run before either format writes a line, so
 * the pretty one shows no more than the JSON one.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, options: LogOptions = {}): Pino {
  const output =
    options.format === "pretty"
      ? pinoPretty({
          destination: destination ?? 1,
          sync: true,
          colorize: options.colorize ?? pinoPretty.isColorSupported,
          // One line per entry: the fields follow the message on the same line.
          singleLine: true,
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname,service",
        })
      : destination;
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
    output as never,
  );
}

/** pino already has the core's `(fields, message)` call shape. */
export function asCoreLogger(logger: Pino): Logger {
  return logger as unknown as Logger;
}
