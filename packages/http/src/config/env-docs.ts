/**
 * What each environment variable of {@link EnvSchema} does, for docs/configuration.md
 * (`npm run docs:config` writes it; test/configuration-docs.test.ts fails when a variable of the
 * schema has no entry here, or when the committed page differs from what this file and the schema give).
 *
 * `default` is the value as written in the environment: the test parses it with the variable's
 * schema and compares it with the schema's own default, so a changed default cannot go unnoticed.
 * A variable without a schema default gives `unset` instead: what happens when it is not set.
 */
export interface EnvDoc {
  group: EnvGroup;
  default: string | { unset: string };
  what: string;
  /** What production requires or advises; empty when the default is right there too. */
  production?: string;
}

export const ENV_GROUPS = {
  service: "Service",
  storage: "Storage",
  transport: "WhatsApp transport",
  wwebjs: "whatsapp-web.js",
  directory: "Directory and notifications",
  secrets: "Secrets",
  security: "Access, limits and retention",
  loop: "The loop: pacing, limits, windows",
  safety: "Account safety",
  observability: "Logs and metrics",
} as const;
export type EnvGroup = keyof typeof ENV_GROUPS;

export const ENV_DOCS: Record<string, EnvDoc> = {
  NODE_ENV: {
    group: "service",
    default: "development",
    what: "`production` turns every check of docs/security.md on: secrets required and checked, sandbox refused, `https://` required for public URL, webhook and pull directory, metrics listener on loopback only; `HOST` defaults to `0.0.0.0`. `development` generates missing secrets for the run and prints demo links (to a terminal only, else into `<RELANCE_DATA_DIR>/first-run.txt`, mode 0600); `test` does neither, and keeps the sandbox on loopback.",
    production: "`production` (the Docker image, compose and `npm run start:dist` set it).",
  },
  PORT: { group: "service", default: "3000", what: "The HTTP port." },
  HOST: {
    group: "service",
    default: { unset: "`0.0.0.0` in production, `127.0.0.1` otherwise" },
    what: "The address the HTTP server binds: outside production the service listens on loopback unless this says otherwise.",
  },
  RELANCE_PUBLIC_URL: {
    group: "service",
    default: { unset: "`http://localhost:$PORT` (development)" },
    what: "The public address every absolute link (connect links, which hold a token) is built on, never the request's `Host` header.",
    production: "Required, `https://`.",
  },
  RELANCE_JOBS: {
    group: "service",
    default: "on",
    what: "`on`: this process runs enrollment (hourly), dispatch (every minute), the listen job and retention on its own schedule. `off`: a scheduler of yours calls `POST /api/relance/internal/jobs/{enrollment,dispatch,listen,retention}/run`.",
  },
  RELANCE_BODY_LIMIT_BYTES: {
    group: "service",
    default: "1048576",
    what: "Larger request bodies get 413 and the connection is closed.",
  },
  RELANCE_CONNECT_WAIT_MS: {
    group: "service",
    default: "2000",
    what: "How long `POST /connect` waits for a QR, a pairing code or a link before answering 202 (the rest comes on the status stream). At most 30000.",
  },

  RELANCE_STORAGE: {
    group: "storage",
    default: "sqlite",
    what: "`sqlite`: one file, one machine (one or several processes). `mongodb`: several machines on one database. `memory`: demos and tests, nothing survives a restart. With `RELANCE_TRANSPORT=sandbox` and neither this nor `RELANCE_DATA_DIR` set, `memory`, so simulated links never reach a real run's data. See docs/storage.md.",
    production: "`sqlite` on a private volume for one machine; `mongodb` (a three-member replica set) for several.",
  },
  RELANCE_DATA_DIR: {
    group: "storage",
    default: "./data",
    what: "Where the SQLite file `relance.sqlite` lives (created 0600, a new directory 0700), and whatsapp-web.js' working directory (`wwebjs/`).",
    production: "A private, persistent volume.",
  },
  MONGODB_URI: {
    group: "storage",
    default: { unset: "—" },
    what: "`mongodb://` or `mongodb+srv://` URI of the replica set. Required with `RELANCE_STORAGE=mongodb`. Whatever it says, every collection writes with `w: majority` and reads from the primary.",
    production: "Must carry credentials (`mongodb://user:password@host/?authSource=…`, or `authMechanism=MONGODB-X509`, `MONGODB-AWS`, `MONGODB-OIDC`); TLS on; three data-bearing members (no arbiter).",
  },
  MONGODB_DB: { group: "storage", default: "relance", what: "The database name." },

  RELANCE_TRANSPORT: {
    group: "transport",
    default: "baileys",
    what: "`baileys` (WebSocket, no browser), `wwebjs` (whatsapp-web.js, one Chromium per open session) or `sandbox` (simulated phones, a clock driven over HTTP, unauthenticated `/sandbox` routes). See docs/transports.md.",
    production: "`baileys` or `wwebjs`; `sandbox` is refused (and with `NODE_ENV=test` it listens on loopback only).",
  },
  RELANCE_MAX_CONCURRENT_SESSIONS: {
    group: "transport",
    default: "50",
    what: "Senders dispatched in parallel, and sessions kept warm in the pool (least recently used evicted). whatsapp-web.js has its own, lower cap.",
  },
  RELANCE_MAX_SESSIONS_HARD: {
    group: "transport",
    default: { unset: "twice `RELANCE_MAX_CONCURRENT_SESSIONS`" },
    what: "Open plus opening sessions, never exceeded (503 beyond).",
  },
  RELANCE_SESSION_IDLE_MS: {
    group: "transport",
    default: "1800000",
    what: "A session unused this long is closed (the device stays linked, the session stays stored). At least 60000.",
  },
  RELANCE_LINK_WAIT_MS: {
    group: "transport",
    default: "180000",
    what: "How long a shown QR or pairing code may wait before the link ends (whatsapp-web.js closes its Chromium then).",
  },

  CHROMIUM_PATH: { group: "wwebjs", default: "/usr/bin/chromium", what: "The Chromium whatsapp-web.js drives (puppeteer's own download is disabled)." },
  RELANCE_WWEBJS_MAX_SESSIONS: {
    group: "wwebjs",
    default: "5",
    what: "Chromiums open at once (hard cap, ~300 MB each), which also caps parallel senders. A new session past it is refused while every open one was used in the last two minutes.",
    production: "About 5 per 2–3 GB of RAM left to Chromium.",
  },
  RELANCE_WWEBJS_BACKUP_INTERVAL_MS: {
    group: "wwebjs",
    default: "1200000",
    what: "How often RemoteAuth backs the running profile up (encrypted, in storage); once more after Chromium closes. At least 60000.",
  },
  RELANCE_WWEBJS_WEB_VERSION: {
    group: "wwebjs",
    default: { unset: "`2.3000.1017054665`, the build whatsapp-web.js 1.34.7 ships as its default" },
    what: "The WhatsApp Web build to load, or `latest` to follow web.whatsapp.com. When WhatsApp retires the pinned build the process logs an error and loads `latest`.",
    production: "Move the pin when the \"pin a current build\" error appears.",
  },
  RELANCE_WWEBJS_WEB_VERSION_SHA256: {
    group: "wwebjs",
    default: { unset: "the fetched page is not checked" },
    what: "SHA-256 (64 hex digits, `sha256sum <version>.html`) of the pinned build's page: a fetched or cached page with another hash is refused (and a cached one deleted).",
    production: "Required with `wwebjs` when the page is fetched (`RELANCE_WWEBJS_WEB_VERSION_SOURCE=remote` and a pinned build); or place the page yourself (`local`), or follow `latest`.",
  },
  RELANCE_WWEBJS_WEB_VERSION_SOURCE: {
    group: "wwebjs",
    default: "remote",
    what: "`remote`: the build's page is fetched once from `RELANCE_WWEBJS_WEB_VERSION_URL` into `<RELANCE_DATA_DIR>/wwebjs/web-version-cache/`. `local`: you put `<version>.html` there yourself (no fetch).",
    production: "`remote` needs `RELANCE_WWEBJS_WEB_VERSION_SHA256`; `local` with a copy you reviewed.",
  },
  RELANCE_WWEBJS_WEB_VERSION_URL: {
    group: "wwebjs",
    default: { unset: "the wppconnect `wa-version` archive, `https://raw.githubusercontent.com/wppconnect-team/wa-version/main/html/{version}.html`" },
    what: "Where the build's page is fetched from: a URL template containing `{version}`.",
  },
  RELANCE_WWEBJS_WEB_VERSION_STRICT: {
    group: "wwebjs",
    default: "false",
    what: "`true`: linking fails with the reason when the pinned build cannot be had. `false`: the live page is used then.",
  },

  RELANCE_DIRECTORY: {
    group: "directory",
    default: "stored",
    what: "`stored`: the platform pushes referrers and referrals (`/internal/subscriptions`, `/internal/referrals`). `http`: they are pulled from `USER_SERVICE_URL`. See docs/http.md.",
  },
  USER_SERVICE_URL: {
    group: "directory",
    default: { unset: "—" },
    what: "The user-service's base URL for the pull directory. Required with `RELANCE_DIRECTORY=http`.",
    production: "`https://`.",
  },
  RELANCE_NOTIFY_WEBHOOK_URL: {
    group: "directory",
    default: { unset: "notifications are logged (without text or number)" },
    what: "Where signed referrer notifications are POSTed (`sender_unavailable`, `sender_restricted`, `referral_replied`: they carry a number and the reply's text).",
    production: "`https://`, with `RELANCE_WEBHOOK_SECRET`.",
  },
  RELANCE_DEFAULT_COUNTRY: {
    group: "directory",
    default: { unset: "national numbers refused unless the referrer's own number gives the country" },
    what: "ISO 3166 code (`FR`, `SN`, `GB`) reading national numbers (`06 12 34 56 78`) of referrals whose referrer's own number is unknown.",
  },

  RELANCE_JWT_SECRET: {
    group: "secrets",
    default: { unset: "generated for the run in development" },
    what: "HS256 secret of referrer and admin tokens, connect links, page sessions and listing cursors.",
    production: "Required: 32 random bytes (`openssl rand -base64 32`), not shared with another secret.",
  },
  RELANCE_SERVICE_SECRETS: {
    group: "secrets",
    default: { unset: "—" },
    what: "Callers of `/internal/*`, one secret each, bound to their `X-Service-Name` and routes: `name:secret[:route+route],…`; routes `exit-user`, `subscriptions`, `referrals`, `jobs`, `erase-user`, `metrics` (none listed: every route). See docs/security.md.",
    production: "Required (one entry per caller, each secret 32 random bytes).",
  },
  RELANCE_SERVICE_SECRET: {
    group: "secrets",
    default: { unset: "generated for the run in development, unless `RELANCE_SERVICE_SECRETS` is set" },
    what: "One secret for every caller of `/internal/*` and `/metrics`, under any `X-Service-Name`.",
    production: "Refused: use `RELANCE_SERVICE_SECRETS`.",
  },
  WHATSAPP_SESSION_SECRET: {
    group: "secrets",
    default: { unset: "generated for the run in development (sessions then do not survive a restart)" },
    what: "Encrypts WhatsApp sessions at rest (AES-256-GCM, HKDF-derived keys). `new,old` during a rotation: old blobs still decrypt and are re-encrypted.",
    production: "Required, 32 random bytes; remove the old one once the rotation run reports `onOldKeys: 0`.",
  },
  RELANCE_CONTACT_KEY_SECRET: {
    group: "secrets",
    default: { unset: "a fixed, public development key" },
    what: "Keys the HMAC under which numbers sit on the do-not-contact list (opt-outs, erasures).",
    production: "Required, 32 random bytes; never change it (entries made under another key stop matching).",
  },
  RELANCE_WEBHOOK_SECRET: {
    group: "secrets",
    default: { unset: "generated for the run in development" },
    what: "Signs the notification webhooks (`X-Relance-Signature`); never accepted on `/internal`.",
    production: "Required with `RELANCE_NOTIFY_WEBHOOK_URL`.",
  },
  RELANCE_DIRECTORY_SECRET: {
    group: "secrets",
    default: { unset: "generated for the run in development" },
    what: "The bearer Relance presents to the user-service (pull directory); never accepted on `/internal`.",
    production: "Required with `RELANCE_DIRECTORY=http`.",
  },

  RELANCE_JWT_AUDIENCE: {
    group: "security",
    default: { unset: "tokens need no `aud`" },
    what: "When set, every API token must name it in `aud` (connect links and page sessions carry it beside their own audience).",
    production: "Required: the `aud` your platform puts in the tokens it signs for Relance.",
  },
  RELANCE_JWT_ISSUER: {
    group: "security",
    default: { unset: "`iss` is not checked" },
    what: "When set, every API token (bearer, admin console) must carry exactly it in `iss`; one without `iss` or with another is refused (401). Connect links and page sessions are Relance's own and need none. Switch it on after your platform puts `iss` in every token it signs (see [security](security.md#tokens-issuer-lifetime-revocation)).",
    production: "Recommended: the `iss` your platform puts in the tokens it signs for Relance.",
  },
  RELANCE_JWT_MAX_TTL_SECONDS: {
    group: "security",
    default: "86400",
    what: "The longest lifetime a token may claim (`exp` − `iat`, or `exp` − now). At least 60.",
  },
  RELANCE_AUTH_FAILURE_LIMIT: {
    group: "security",
    default: "30/600",
    what: "Failed authentications per client address per window (`count/seconds`, or `off`); past it a failed attempt gets 429. Valid credentials are never refused.",
  },
  RELANCE_CONNECT_RATE_LIMIT: {
    group: "security",
    default: "10/3600",
    what: "`POST /connect` and `/connect-link` per referrer per window (`count/seconds`, or `off`).",
  },
  RELANCE_RATE_LIMIT_STORE: {
    group: "security",
    default: "memory",
    what: "`memory`: counts per instance. `storage`: counts in the service's storage, shared by every instance on it.",
    production: "`storage` with several instances.",
  },
  RELANCE_TRUST_PROXY: {
    group: "security",
    default: "false",
    what: "The proxies in front: a hop count (`true` = 1) or their IP addresses, comma-separated. The client address is the right-most `X-Forwarded-For` entry none of them wrote.",
    production: "The number (or addresses) of the load balancers you run.",
  },
  RELANCE_SSE_MAX_PER_USER: { group: "security", default: "5", what: "Open status streams per account (429 beyond)." },
  RELANCE_SSE_MAX_TOTAL: { group: "security", default: "1000", what: "Open status streams in all (429 beyond)." },
  RELANCE_MEDIA_ALLOW_HOSTS: {
    group: "security",
    default: "",
    what: "Comma-separated hosts whose media may sit on private or loopback addresses (an internal CDN); every other media URL resolving there is refused.",
    production: "Leave empty unless you serve media from an internal CDN.",
  },
  RELANCE_RETENTION_DAYS: {
    group: "security",
    default: "90",
    what: "Days after a target ends before a daily job empties its contact (phone, name, payment link); `off` keeps them.",
  },

  RELANCE_MAX_MESSAGES_PER_DAY: { group: "loop", default: "100", what: "Messages per referrer and local day." },
  RELANCE_DAILY_CAP_RAMP_UP: {
    group: "loop",
    default: "20,40,60,80",
    what: "Daily caps on local days 1, 2, … after a new link, then `RELANCE_MAX_MESSAGES_PER_DAY`; `off` for none.",
  },
  RELANCE_MAX_FIRST_CONTACTS_PER_DAY: {
    group: "loop",
    default: "25",
    what: "First messages to a number (with its number check), per referrer and local day; referrals already in their sequence are not held by it.",
    production: "20–30 or below on live accounts.",
  },
  RELANCE_MESSAGE_DELAY_MS: {
    group: "loop",
    default: "3000",
    what: "Minimum gap between two sends of one account (plus jitter), whatever the typing time.",
    production: "`30000` on live accounts (see docs/loop.md, pacing for real accounts).",
  },
  RELANCE_MESSAGE_JITTER_MS: {
    group: "loop",
    default: "2000",
    what: "Random extra gap, 0 to this.",
    production: "`90000` on live accounts (30–120 s between two messages).",
  },
  RELANCE_TYPING_MS: {
    group: "loop",
    default: "2000-6000",
    what: "\"typing…\" shown before each message: random in `min-max`, or a fixed `ms`; `0` turns presence off.",
  },
  RELANCE_DEFAULT_SEND_WINDOW: {
    group: "loop",
    default: "08:00-20:00",
    what: "Local hours messages are sent in, for referrers without their own (`HH:MM-HH:MM`; start and end differ; `00:00-23:59` is the whole day; a start after the end spans midnight).",
  },
  RELANCE_DEFAULT_TIMEZONE: {
    group: "loop",
    default: "Europe/Paris",
    what: "IANA time zone of referrers without their own: their send window and local days; also the day of `/admin/stats`' `sentToday`.",
  },
  RELANCE_LISTEN_CRON: {
    group: "loop",
    default: "*/10 * * * *",
    what: "The listen job's schedule: sessions of referrers with active targets are made ready and their replies read, even when nothing is due. Formerly `RELANCE_INBOX_CRON`, still read (with a warning at start) when this one is unset.",
  },

  RELANCE_FIRST_CONTACT_GAP_MS: {
    group: "safety",
    default: "45000-120000",
    what: "Random gap between two first contacts of one account (`min-max` or a fixed `ms`; `0`: off). See [account safety](account-safety.md#1-pacing-like-a-person).",
  },
  RELANCE_DAY_START_SPREAD_MS: {
    group: "safety",
    default: "10800000",
    what: "Each referrer's day starts at its own stable offset within this much (3 h) of its send window's opening; `0`: all at the opening.",
  },
  RELANCE_SENDER_HEALTH: {
    group: "safety",
    default: "on",
    what: "`on`: each account is judged from its receipts — degraded halves the day's cap, at risk holds it and tells the referrer once. `off` judges every sender good. See [sender health](account-safety.md#2-sender-health).",
  },
  RELANCE_HEALTH_DEGRADED_BELOW: {
    group: "safety",
    default: "0.8",
    what: "Delivered share (of messages sent at least `RELANCE_HEALTH_DELIVERED_AFTER_MS` ago) below which an account is degraded (cap halved). 0 to 1.",
  },
  RELANCE_HEALTH_AT_RISK_BELOW: {
    group: "safety",
    default: "0.5",
    what: "Delivered share below which an account is at risk (held, referrer told). 0 to 1.",
  },
  RELANCE_HEALTH_DELIVERED_AFTER_MS: {
    group: "safety",
    default: "21600000",
    what: "A message counts in the delivered share once sent this long ago (6 h). At least 60000.",
  },
  RELANCE_HEALTH_COOL_DOWN_MS: {
    group: "safety",
    default: "86400000",
    what: "An at-risk account resumes after this long (24 h) even without better receipts, and is judged afresh. At least 60000.",
  },

  LOG_LEVEL: {
    group: "observability",
    default: "info",
    what: "`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Secrets are redacted and phone numbers masked at every level.",
  },
  LOG_FORMAT: {
    group: "observability",
    default: "auto",
    what: "`auto`: pretty, coloured, one line per entry on a terminal in development; JSON lines (pino) anywhere else (piped, collected, production, tests). `json` or `pretty` force one.",
  },
  RELANCE_METRICS_PORT: {
    group: "observability",
    default: { unset: "`/metrics` is served on the main port, behind the service secret" },
    what: "A separate listener serving `/metrics` without credentials.",
    production: "Only on a loopback `RELANCE_METRICS_HOST`.",
  },
  RELANCE_METRICS_HOST: {
    group: "observability",
    default: "127.0.0.1",
    what: "The address of the metrics listener.",
    production: "A loopback address (a non-loopback one is refused).",
  },
};
