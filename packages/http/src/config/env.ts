import { randomBytes } from "node:crypto";
import { z } from "zod";
import { isHhMm, isValidTimeZone } from "@relance/core";

const integer = (min: number) => z.coerce.number().int().min(min);
const secret = z.string().min(16, "must be at least 16 characters");

/** `2000` (fixed) or `2000-6000` (random in the range), in ms. */
const msRange = z
  .string()
  .regex(/^\d+(-\d+)?$/, "milliseconds, or a min-max range such as 2000-6000")
  .transform((v) => {
    const [min, max = min] = v.split("-").map(Number) as [number, number?];
    return { min, max };
  })
  .refine((r) => r.max >= r.min, "the range's max is below its min");

/** Comma-separated positive integers, or `off` for none. */
const integerSteps = z
  .string()
  .regex(/^(off|\d+(,\d+)*)$/, "comma-separated positive integers (e.g. 20,40,60,80), or off")
  .transform((v) => (v === "off" ? [] : v.split(",").map(Number)))
  .refine((steps) => steps.every((n) => n >= 1), "every step must be at least 1");

/** Every environment variable the service reads, with its default. */
const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: integer(0).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    RELANCE_STORAGE: z.enum(["sqlite", "memory", "mongodb"]).default("sqlite"),
    RELANCE_DATA_DIR: z.string().min(1).default("./data"),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// or mongodb+srv:// URI").optional(),
    MONGODB_DB: z.string().min(1).default("relance"),
    RELANCE_TRANSPORT: z.enum(["baileys", "wwebjs", "sandbox"]).default("baileys"),
    RELANCE_DIRECTORY: z.enum(["stored", "http"]).default("stored"),
    USER_SERVICE_URL: z.string().url().optional(),
    RELANCE_JWT_SECRET: secret.optional(),
    RELANCE_SERVICE_SECRET: secret.optional(),
    WHATSAPP_SESSION_SECRET: z.string().min(16).optional(),
    RELANCE_MAX_CONCURRENT_SESSIONS: integer(1).default(50),
    RELANCE_MESSAGE_DELAY_MS: integer(0).default(3000),
    RELANCE_MAX_MESSAGES_PER_DAY: integer(1).default(100),
    RELANCE_MESSAGE_JITTER_MS: integer(0).default(2000),
    RELANCE_TYPING_MS: msRange.default({ min: 2000, max: 6000 }),
    RELANCE_DAILY_CAP_RAMP_UP: integerSteps.default([20, 40, 60, 80]),
    RELANCE_MAX_FIRST_CONTACTS_PER_DAY: integer(1).default(25),
    RELANCE_INBOX_CRON: z.string().min(1).default("*/10 * * * *"),
    RELANCE_DEFAULT_TIMEZONE: z.string().refine(isValidTimeZone, "not an IANA time zone").default("Europe/Paris"),
    RELANCE_DEFAULT_SEND_WINDOW: z
      .string()
      .regex(/^\d\d:\d\d-\d\d:\d\d$/, "HH:MM-HH:MM")
      .refine((v) => v.split("-").every(isHhMm), "HH:MM-HH:MM with valid times")
      .refine((v) => v.slice(0, 5) !== v.slice(6), "start and end must differ (00:00-23:59 is the whole day)")
      .default("08:00-20:00"),
    RELANCE_NOTIFY_WEBHOOK_URL: z.string().url().optional(),
    RELANCE_BODY_LIMIT_BYTES: integer(1024).default(1024 * 1024),
    RELANCE_JWT_MAX_TTL_SECONDS: integer(60).default(24 * 3600),
    RELANCE_CONNECT_WAIT_MS: integer(10).max(30_000).default(2000),
    RELANCE_JOBS: z.enum(["on", "off"]).default("on"),
    RELANCE_SESSION_IDLE_MS: integer(60_000).default(30 * 60_000),
    CHROMIUM_PATH: z.string().default("/usr/bin/chromium"),
    // whatsapp-web.js: one Chromium (about 300 MB) per open session, so a cap of its own.
    RELANCE_WWEBJS_MAX_SESSIONS: integer(1).default(5),
    RELANCE_WWEBJS_BACKUP_INTERVAL_MS: integer(60_000).default(20 * 60_000),
    /** A WhatsApp Web build (`2.3000.1017054665`) or `latest`; default: the build the library was tested with. */
    RELANCE_WWEBJS_WEB_VERSION: z.string().regex(/^(latest|\d+(\.\d+)+)$/, "a build such as 2.3000.1017054665, or latest").optional(),
    RELANCE_WWEBJS_WEB_VERSION_SOURCE: z.enum(["remote", "local"]).default("remote"),
    RELANCE_WWEBJS_WEB_VERSION_URL: z.string().url().includes("{version}", { message: "must contain {version}" }).optional(),
    RELANCE_WWEBJS_WEB_VERSION_STRICT: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.RELANCE_STORAGE === "mongodb" && !env.MONGODB_URI) {
      ctx.addIssue({ code: "custom", path: ["MONGODB_URI"], message: "required when RELANCE_STORAGE=mongodb" });
    }
    if (env.RELANCE_DIRECTORY === "http" && !env.USER_SERVICE_URL) {
      ctx.addIssue({ code: "custom", path: ["USER_SERVICE_URL"], message: "required when RELANCE_DIRECTORY=http" });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

const SECRETS = ["RELANCE_JWT_SECRET", "RELANCE_SERVICE_SECRET", "WHATSAPP_SESSION_SECRET"] as const;

export interface ServiceConfig extends Omit<Env, (typeof SECRETS)[number]> {
  secrets: { jwt: string; service: string; session: string };
  /** Names of the secrets made up for this run (development only). */
  generatedSecrets: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads and validates the environment. In production every secret is required; in development
 * the missing ones are generated for this run (so `npm start` works on a fresh clone).
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`));
  }
  const env = parsed.data;
  // A sandbox run must not leave its simulated links in the data directory a real run reads
  // later: it keeps everything in memory unless a storage or data directory is chosen.
  if (env.RELANCE_TRANSPORT === "sandbox" && cleaned.RELANCE_STORAGE === undefined && cleaned.RELANCE_DATA_DIR === undefined) {
    env.RELANCE_STORAGE = "memory";
  }
  const missing = SECRETS.filter((name) => !env[name]);
  if (env.NODE_ENV === "production" && missing.length > 0) {
    throw new ConfigError(missing.map((name) => `${name}: required in production (at least 16 characters)`));
  }
  const make = () => randomBytes(32).toString("base64url");
  const { RELANCE_JWT_SECRET, RELANCE_SERVICE_SECRET, WHATSAPP_SESSION_SECRET, ...rest } = env;
  return {
    ...rest,
    secrets: {
      jwt: RELANCE_JWT_SECRET ?? make(),
      service: RELANCE_SERVICE_SECRET ?? make(),
      session: WHATSAPP_SESSION_SECRET ?? make(),
    },
    generatedSecrets: [...missing],
  };
}

export function sendWindowOf(config: ServiceConfig): { start: string; end: string } {
  const [start, end] = config.RELANCE_DEFAULT_SEND_WINDOW.split("-") as [string, string];
  return { start, end };
}
