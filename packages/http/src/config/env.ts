import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";
import type { TrustProxy } from "../app/rate-limits.js";
import { isValidTimeZone, sendWindowIssues } from "@relance/core";
import { isPhoneCountry } from "@relance/adapters";
import { readRenamed } from "./deprecated-env.js";

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

/** `30/600`: 30 per 600 s; `off`: no limit. */
const rateLimit = z
  .string()
  .regex(/^(off|\d+\/\d+)$/, "count/seconds such as 30/600, or off")
  .transform((v) => {
    if (v === "off") return null;
    const [count, seconds] = v.split("/").map(Number) as [number, number];
    return { count, windowMs: seconds * 1000 };
  })
  .refine((v) => v === null || (v.count >= 1 && v.windowMs >= 1000), "count and seconds must be at least 1");

/** Every environment variable the service reads, with its default. */
/**
 * The proxies in front of the service: `false` (none), a hop count (`true` is 1), or the proxies'
 * addresses, comma-separated. The client address is the right-most X-Forwarded-For hop that none
 * of them wrote.
 */
const trustProxy = z
  .string()
  .default("false")
  .transform((value, ctx): TrustProxy => {
    const v = value.trim();
    if (v === "false" || v === "0") return null;
    if (v === "true") return { hops: 1 };
    if (/^\d+$/.test(v)) return { hops: Number(v) };
    const proxies = v.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
    const bad = proxies.filter((entry) => isIP(entry) === 0);
    if (proxies.length === 0 || bad.length > 0) {
      ctx.addIssue({ code: "custom", message: `false, a hop count, or proxy IP addresses (not: ${bad.join(", ")})` });
      return z.NEVER;
    }
    return { proxies };
  });

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** A user in the URI's authority, or a mechanism that authenticates without a password. */
function mongoUriAuthenticates(uri: string): boolean {
  const authority = uri.replace(/^mongodb(\+srv)?:\/\//, "").split(/[/?]/)[0] ?? "";
  if (/^[^@:]+(:[^@]*)?@/.test(authority)) return true;
  return /[?&]authMechanism=(MONGODB-X509|MONGODB-AWS|MONGODB-OIDC|GSSAPI|PLAIN)(&|$)/i.test(uri);
}

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: integer(0).max(65535).default(3000),
    /** Default: every interface in production (the container), loopback otherwise (security review 2, L7). */
    HOST: z.string().min(1).optional(),
    RELANCE_STORAGE: z.enum(["sqlite", "memory", "mongodb"]).default("sqlite"),
    RELANCE_DATA_DIR: z.string().min(1).default("./data"),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// or mongodb+srv:// URI").optional(),
    MONGODB_DB: z.string().min(1).default("relance"),
    RELANCE_TRANSPORT: z.enum(["baileys", "wwebjs", "sandbox"]).default("baileys"),
    RELANCE_DIRECTORY: z.enum(["stored", "http"]).default("stored"),
    USER_SERVICE_URL: z.string().url().optional(),
    RELANCE_JWT_SECRET: secret.optional(),
    RELANCE_SERVICE_SECRET: secret.optional(),
    /** `name:secret[:scope+scope],…`: one secret per caller, bound to its X-Service-Name and routes. */
    RELANCE_SERVICE_SECRETS: z.string().optional(),
    /** Signs the notification webhooks (receivers verify with it); never accepted on /internal. */
    RELANCE_WEBHOOK_SECRET: secret.optional(),
    /** The bearer Relance presents to the user-service (pull directory); never accepted on /internal. */
    RELANCE_DIRECTORY_SECRET: secret.optional(),
    WHATSAPP_SESSION_SECRET: z.string().min(16).optional(),
    /** Keys the hashes under which numbers sit on the do-not-contact list (opt-outs, erasures). */
    RELANCE_CONTACT_KEY_SECRET: secret.optional(),
    RELANCE_MAX_CONCURRENT_SESSIONS: integer(1).default(50),
    RELANCE_MESSAGE_DELAY_MS: integer(0).default(3000),
    RELANCE_MAX_MESSAGES_PER_DAY: integer(1).default(100),
    RELANCE_MESSAGE_JITTER_MS: integer(0).default(2000),
    RELANCE_TYPING_MS: msRange.default({ min: 2000, max: 6000 }),
    RELANCE_DAILY_CAP_RAMP_UP: integerSteps.default([20, 40, 60, 80]),
    RELANCE_MAX_FIRST_CONTACTS_PER_DAY: integer(1).default(25),
    /** Gap between two first contacts of one account, random in the range (ms); `0` turns it off. See docs/account-safety.md. */
    RELANCE_FIRST_CONTACT_GAP_MS: msRange.default({ min: 45_000, max: 120_000 }),
    /** Each referrer's day starts at its own stable offset within this much of its send window's opening (ms); `0`: all at the opening. */
    RELANCE_DAY_START_SPREAD_MS: integer(0).default(3 * 3600_000),
    /** Sender health from each account's receipts (docs/account-safety.md): `off` judges every sender good. */
    RELANCE_SENDER_HEALTH: z.enum(["on", "off"]).default("on"),
    /** Delivered share (of messages sent at least RELANCE_HEALTH_DELIVERED_AFTER_MS ago) below which a sender is degraded (cap halved). */
    RELANCE_HEALTH_DEGRADED_BELOW: z.coerce.number().min(0).max(1).default(0.8),
    /** ... below which it is at risk (held, referrer told). */
    RELANCE_HEALTH_AT_RISK_BELOW: z.coerce.number().min(0).max(1).default(0.5),
    RELANCE_HEALTH_DELIVERED_AFTER_MS: integer(60_000).default(6 * 3600_000),
    /** An at-risk sender is resumed after this long even without better receipts (judged afresh). */
    RELANCE_HEALTH_COOL_DOWN_MS: integer(60_000).default(24 * 3600_000),
    RELANCE_LISTEN_CRON: z.string().min(1).default("*/10 * * * *"),
    RELANCE_DEFAULT_TIMEZONE: z.string().refine(isValidTimeZone, "not an IANA time zone").default("Europe/Paris"),
    /** ISO 3166 code (`FR`) reading national numbers (`06 12 34 56 78`) of referrers whose own number is unknown. */
    RELANCE_DEFAULT_COUNTRY: z
      .string()
      .transform((v) => v.trim().toUpperCase())
      .refine(isPhoneCountry, "an ISO 3166 country code such as FR, SN or GB")
      .optional(),
    RELANCE_DEFAULT_SEND_WINDOW: z
      .string()
      .regex(/^\d\d:\d\d-\d\d:\d\d$/, "HH:MM-HH:MM")
      .superRefine((v, ctx) => {
        // The rule is the core's (the engine's options check it again).
        for (const issue of sendWindowIssues({ start: v.slice(0, 5), end: v.slice(6) })) ctx.addIssue({ code: "custom", message: `${issue.path} ${issue.message}` });
      })
      .default("08:00-20:00"),
    RELANCE_NOTIFY_WEBHOOK_URL: z.string().url().optional(),
    /** The service's public address (`https://relance.example.com`): every absolute link is built on it, never on the Host header. */
    RELANCE_PUBLIC_URL: z.string().url().optional(),
    RELANCE_BODY_LIMIT_BYTES: integer(1024).default(1024 * 1024),
    /** When set, API tokens must name it in `aud` (connect-link tokens carry relance-connect and are refused on the API). */
    RELANCE_JWT_AUDIENCE: z.string().min(1).optional(),
    RELANCE_JWT_ISSUER: z.string().min(1).optional(),
    RELANCE_JWT_MAX_TTL_SECONDS: integer(60).default(24 * 3600),
    RELANCE_CONNECT_WAIT_MS: integer(10).max(30_000).default(2000),
    RELANCE_JOBS: z.enum(["on", "off"]).default("on"),
    /** Open plus opening sessions never exceed this (default: twice RELANCE_MAX_CONCURRENT_SESSIONS); 503 beyond. */
    RELANCE_MAX_SESSIONS_HARD: integer(1).optional(),
    /** How long a shown QR or pairing code may wait (whatsapp-web.js keeps a Chromium open meanwhile). */
    RELANCE_LINK_WAIT_MS: integer(10_000).default(3 * 60_000),
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
    /** SHA-256 (hex) of the pinned build's page: any other is refused (security review 2, L11). Required in production to fetch it. */
    RELANCE_WWEBJS_WEB_VERSION_SHA256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "64 hex digits (sha256sum <version>.html)")
      .transform((v) => v.toLowerCase())
      .optional(),
    /** Comma-separated hosts whose media may sit on private or loopback addresses (an internal CDN). */
    RELANCE_MEDIA_ALLOW_HOSTS: z
      .string()
      .default("")
      .transform((v) => v.split(",").map((h) => h.trim()).filter(Boolean)),
    /** A separate listener serving /metrics without credentials (off by default: /metrics takes the service secret). */
    RELANCE_METRICS_PORT: integer(1).max(65535).optional(),
    RELANCE_METRICS_HOST: z.string().default("127.0.0.1"),
    /** Days after a target ends before its contact (phone, name, payment link) is purged; `off` keeps them. */
    RELANCE_RETENTION_DAYS: z
      .string()
      .regex(/^(off|\d+)$/, "a number of days, or off")
      .default("90")
      .transform((v) => (v === "off" ? null : Number(v)))
      .refine((v) => v === null || v >= 1, "at least 1 day"),
    RELANCE_SSE_MAX_PER_USER: integer(1).default(5),
    RELANCE_SSE_MAX_TOTAL: integer(1).default(1000),
    RELANCE_AUTH_FAILURE_LIMIT: rateLimit.default({ count: 30, windowMs: 600_000 }),
    RELANCE_CONNECT_RATE_LIMIT: rateLimit.default({ count: 10, windowMs: 3_600_000 }),
    RELANCE_RATE_LIMIT_STORE: z.enum(["memory", "storage"]).default("memory"),
    RELANCE_TRUST_PROXY: trustProxy,
    /** `auto`: pretty, coloured lines on a terminal in development; JSON otherwise. */
    LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.RELANCE_STORAGE === "mongodb" && !env.MONGODB_URI) {
      ctx.addIssue({ code: "custom", path: ["MONGODB_URI"], message: "required when RELANCE_STORAGE=mongodb" });
    }
    // The sandbox's routes need no credentials and change any referrer's state: never on real data.
    if (env.NODE_ENV === "production" && env.RELANCE_TRANSPORT === "sandbox") {
      ctx.addIssue({ code: "custom", path: ["RELANCE_TRANSPORT"], message: "the sandbox transport is refused in production (its /sandbox routes are unauthenticated); use baileys or wwebjs" });
    }
    // NODE_ENV=test is no licence to open them to the network either (security review 2, L7): off
    // loopback, only a deliberate NODE_ENV=development demo runs the sandbox.
    if (env.NODE_ENV === "test" && env.RELANCE_TRANSPORT === "sandbox" && env.HOST !== undefined && !LOOPBACK.has(env.HOST)) {
      ctx.addIssue({ code: "custom", path: ["RELANCE_TRANSPORT"], message: `the sandbox transport (unauthenticated /sandbox routes) listens on loopback only unless NODE_ENV=development (HOST is ${env.HOST})` });
    }
    // The pull directory carries names, numbers and payment links, and Relance's bearer secret.
    if (env.NODE_ENV === "production" && env.USER_SERVICE_URL && !env.USER_SERVICE_URL.startsWith("https://")) {
      ctx.addIssue({ code: "custom", path: ["USER_SERVICE_URL"], message: "must be https:// in production" });
    }
    // The webhooks carry a referral's number and reply text (security review 2, L8).
    if (env.NODE_ENV === "production" && env.RELANCE_NOTIFY_WEBHOOK_URL && !env.RELANCE_NOTIFY_WEBHOOK_URL.startsWith("https://")) {
      ctx.addIssue({ code: "custom", path: ["RELANCE_NOTIFY_WEBHOOK_URL"], message: "must be https:// in production" });
    }
    // The separate metrics listener asks for no credentials: only for a scraper on the same host.
    if (env.NODE_ENV === "production" && env.RELANCE_METRICS_PORT !== undefined && !LOOPBACK.has(env.RELANCE_METRICS_HOST)) {
      ctx.addIssue({
        code: "custom",
        path: ["RELANCE_METRICS_HOST"],
        message: "the unauthenticated metrics listener must bind a loopback address in production (127.0.0.1, ::1); scrape /metrics with the service secret otherwise",
      });
    }
    // Without an audience, any HS256 token signed with the secret — by whatever other system shares
    // it — is a Relance credential (security review 2, L8).
    if (env.NODE_ENV === "production" && !env.RELANCE_JWT_AUDIENCE) {
      ctx.addIssue({ code: "custom", path: ["RELANCE_JWT_AUDIENCE"], message: "required in production: the aud your platform puts in Relance tokens" });
    }
    // Links sent by SMS hold a token: their origin is configured, not taken from a request (L3).
    if (env.NODE_ENV === "production" && !env.RELANCE_PUBLIC_URL) {
      ctx.addIssue({ code: "custom", path: ["RELANCE_PUBLIC_URL"], message: "required in production: the public https:// address connect links are built on" });
    } else if (env.NODE_ENV === "production" && !env.RELANCE_PUBLIC_URL!.startsWith("https://")) {
      ctx.addIssue({ code: "custom", path: ["RELANCE_PUBLIC_URL"], message: "must be https:// in production" });
    }
    // whatsapp-web.js serves the downloaded page as web.whatsapp.com in every session (L11).
    if (
      env.NODE_ENV === "production" &&
      env.RELANCE_TRANSPORT === "wwebjs" &&
      env.RELANCE_WWEBJS_WEB_VERSION_SOURCE === "remote" &&
      env.RELANCE_WWEBJS_WEB_VERSION !== "latest" &&
      !env.RELANCE_WWEBJS_WEB_VERSION_SHA256
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["RELANCE_WWEBJS_WEB_VERSION_SHA256"],
        message: "required in production to fetch the WhatsApp Web build from an archive (sha256sum of the <version>.html you checked); or place the page yourself (RELANCE_WWEBJS_WEB_VERSION_SOURCE=local), or follow the live page (RELANCE_WWEBJS_WEB_VERSION=latest)",
      });
    }
    // MongoDB holds the directory's names, numbers and payment links in clear (L8).
    if (env.NODE_ENV === "production" && env.RELANCE_STORAGE === "mongodb" && env.MONGODB_URI && !mongoUriAuthenticates(env.MONGODB_URI)) {
      ctx.addIssue({ code: "custom", path: ["MONGODB_URI"], message: "must carry credentials in production (mongodb://user:password@host/?authSource=…, or authMechanism=MONGODB-X509/MONGODB-AWS/MONGODB-OIDC)" });
    }
    if (env.RELANCE_DIRECTORY === "http" && !env.USER_SERVICE_URL) {
      ctx.addIssue({ code: "custom", path: ["USER_SERVICE_URL"], message: "required when RELANCE_DIRECTORY=http" });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

const SECRETS = ["RELANCE_JWT_SECRET", "RELANCE_SERVICE_SECRET", "WHATSAPP_SESSION_SECRET", "RELANCE_WEBHOOK_SECRET", "RELANCE_DIRECTORY_SECRET", "RELANCE_CONTACT_KEY_SECRET"] as const;

/**
 * Outside production, without RELANCE_CONTACT_KEY_SECRET: a fixed key, not a generated one, so a
 * development database's opt-outs still match after a restart. It protects nothing: production
 * requires a real secret.
 */
export const DEVELOPMENT_CONTACT_KEY = "relance-development-contact-key (not a secret)";

export interface ServiceConfig extends Omit<Env, (typeof SECRETS)[number] | "RELANCE_SERVICE_SECRETS" | "HOST"> {
  HOST: string;
  secrets: {
    jwt: string;
    /** The single-secret form of /internal (any caller name, every route); null when only callers are listed. */
    service: string | null;
    /** `RELANCE_SERVICE_SECRETS`: one secret per caller. */
    callers: ServiceCaller[];
    session: string;
    webhook: string;
    directory: string;
    /** HMAC key of the do-not-contact list's number hashes; must never change for the data's life. */
    contactKey: string;
  };
  /** Names of the secrets made up for this run (development only). */
  generatedSecrets: string[];
  /** Problems that do not stop the service (deprecated variables): logged at start. */
  warnings: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The /internal routes a caller may be limited to (the first path segment after /internal/). */
export const SERVICE_SCOPES = ["exit-user", "subscriptions", "referrals", "jobs", "erase-user", "metrics"] as const;

export interface ServiceCaller {
  name: string;
  secret: string;
  /** null: every route. */
  scopes: string[] | null;
}

function parseCallers(value: string): { callers: ServiceCaller[]; problems: string[] } {
  const callers: ServiceCaller[] = [];
  const problems: string[] = [];
  for (const entry of value.split(",").map((e) => e.trim()).filter(Boolean)) {
    const [name, secretValue, scopes] = entry.split(":");
    if (!name || !secretValue) {
      problems.push(`RELANCE_SERVICE_SECRETS: "${name ?? ""}" must be name:secret[:scope+scope]`);
      continue;
    }
    if (secretValue.length < 16) problems.push(`RELANCE_SERVICE_SECRETS: the secret of ${name} must be at least 16 characters`);
    const list = scopes ? scopes.split("+") : null;
    const unknown = list?.filter((scope) => !(SERVICE_SCOPES as readonly string[]).includes(scope)) ?? [];
    if (unknown.length > 0) problems.push(`RELANCE_SERVICE_SECRETS: unknown route(s) ${unknown.join(", ")} for ${name} (known: ${SERVICE_SCOPES.join(", ")})`);
    if (callers.some((c) => c.name === name)) problems.push(`RELANCE_SERVICE_SECRETS: ${name} is listed twice`);
    callers.push({ name, secret: secretValue, scopes: list });
  }
  return { callers, problems };
}

/**
 * Reads and validates the environment. In production every secret is required; in development
 * the missing ones are generated for this run (so `npm start` works on a fresh clone).
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const { env: cleaned, warnings } = readRenamed(Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "")));
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
  const { callers, problems } = parseCallers(env.RELANCE_SERVICE_SECRETS ?? "");
  if (problems.length > 0) throw new ConfigError(problems);
  const production = env.NODE_ENV === "production";
  // The single secret accepts any caller name on every route: production names its callers
  // (security review 2, item 2), so that each is limited to its routes and logged by name.
  const callerProblems = !production
    ? []
    : env.RELANCE_SERVICE_SECRET
      ? ["RELANCE_SERVICE_SECRET: refused in production (it accepts any X-Service-Name on every route); give each caller its own secret and routes in RELANCE_SERVICE_SECRETS"]
      : callers.length === 0
        ? ["RELANCE_SERVICE_SECRETS: required in production (name:secret[:route+route],… one per caller of /internal)"]
        : [];
  // Listed callers replace the single secret, unless it is given too.
  const needed = SECRETS.filter(
    (name) =>
      !(name === "RELANCE_SERVICE_SECRET" && callers.length > 0) &&
      !(name === "RELANCE_WEBHOOK_SECRET" && !env.RELANCE_NOTIFY_WEBHOOK_URL) &&
      !(name === "RELANCE_DIRECTORY_SECRET" && env.RELANCE_DIRECTORY !== "http"),
  );
  const missing = needed.filter((name) => !env[name] && !(production && name === "RELANCE_SERVICE_SECRET"));
  if (production && missing.length + callerProblems.length > 0) {
    throw new ConfigError([...callerProblems, ...missing.map((name) => `${name}: required in production (at least 16 characters)`)]);
  }
  if (env.NODE_ENV === "production") {
    const given: Array<[string, string]> = [
      // The session secret may list retired ones after the current ("new,old"): each is checked.
      ...SECRETS.filter((name) => env[name]).flatMap((name) =>
        name === "WHATSAPP_SESSION_SECRET" ? env[name]!.split(",").map((part, i) => [i === 0 ? name : `${name} (retired #${i})`, part.trim()] as [string, string]) : [[name, env[name]!] as [string, string]],
      ),
      ...callers.map((c) => [`RELANCE_SERVICE_SECRETS (${c.name})`, c.secret] as [string, string]),
    ];
    const weak = given.flatMap(([name, value]) => {
      const reason = weaknessOf(value);
      return reason ? [`${name}: ${reason}`] : [];
    });
    const reused = given.flatMap(([name, value], i) => {
      const first = given.findIndex(([, other]) => other === value);
      return first < i ? [`${name}: the same value as ${given[first]![0]}; each job needs a secret of its own`] : [];
    });
    if (weak.length + reused.length > 0) throw new ConfigError([...weak, ...reused]);
  }
  const make = () => randomBytes(32).toString("base64url");
  const { RELANCE_JWT_SECRET, RELANCE_SERVICE_SECRET, WHATSAPP_SESSION_SECRET, RELANCE_WEBHOOK_SECRET, RELANCE_DIRECTORY_SECRET, RELANCE_CONTACT_KEY_SECRET, RELANCE_SERVICE_SECRETS: _callers, ...rest } = env;
  return {
    ...rest,
    HOST: rest.HOST ?? (production ? "0.0.0.0" : "127.0.0.1"),
    secrets: {
      jwt: RELANCE_JWT_SECRET ?? make(),
      service: RELANCE_SERVICE_SECRET ?? (callers.length > 0 ? null : make()),
      callers,
      session: WHATSAPP_SESSION_SECRET ?? make(),
      webhook: RELANCE_WEBHOOK_SECRET ?? make(),
      directory: RELANCE_DIRECTORY_SECRET ?? make(),
      contactKey: RELANCE_CONTACT_KEY_SECRET ?? DEVELOPMENT_CONTACT_KEY,
    },
    generatedSecrets: missing.filter((name) => name !== "RELANCE_CONTACT_KEY_SECRET"),
    warnings,
  };
}

/**
 * Why a secret cannot be 32 random bytes, or null. Hex counts 4 bits a character, base64 6, any
 * other text 8; a random value of that size also uses many different characters.
 */
export function weaknessOf(value: string): string | null {
  const bytes = /^[0-9a-f]+$/i.test(value) ? value.length / 2 : /^[A-Za-z0-9+/_=-]+$/.test(value) ? Math.floor((value.replace(/=+$/, "").length * 3) / 4) : value.length;
  if (bytes < 32) return "shorter than 32 random bytes (make one with: openssl rand -base64 32)";
  if (new Set(value).size < 12) return "not random: too few different characters (make one with: openssl rand -base64 32)";
  // Security review 2, item 7: an alphabet typed twice had 26 different characters and 48 of
  // them. Random text almost never counts up or down (about 1 pair in 30 in base64, 1 in 8 in
  // hex), nor repeats an 8-character block.
  const chars = [...value.replace(/=+$/, "")];
  let counting = 0;
  for (let i = 1; i < chars.length; i++) if (Math.abs(chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!) === 1) counting++;
  if (counting > (chars.length - 1) / 3) return "not random: it counts (abc…, 123…) (make one with: openssl rand -base64 32)";
  const blocks = new Set<string>();
  for (let i = 0; i + 8 <= chars.length; i++) {
    const block = chars.slice(i, i + 8).join("");
    if (blocks.has(block)) return "not random: a block of it repeats (make one with: openssl rand -base64 32)";
    blocks.add(block);
  }
  return null;
}

export function sendWindowOf(config: ServiceConfig): { start: string; end: string } {
  const [start, end] = config.RELANCE_DEFAULT_SEND_WINDOW.split("-") as [string, string];
  return { start, end };
}
