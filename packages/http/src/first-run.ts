import { mkdir, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { sign } from "hono/jwt";
import { API_PREFIX } from "./app/app.js";
import { mintConnectLink } from "./app/connect-links.js";
import type { ServiceConfig } from "./config/env.js";
import type { RunningService } from "./service.js";

const DEMO_REFERRER = "demo-referrer";
const SECRET_VALUES = {
  RELANCE_JWT_SECRET: "jwt",
  RELANCE_SERVICE_SECRET: "service",
  WHATSAPP_SESSION_SECRET: "session",
  RELANCE_WEBHOOK_SECRET: "webhook",
  RELANCE_DIRECTORY_SECRET: "directory",
} as const;

/**
 * `npm start` in development: makes a fresh clone usable at once. The demo referrer gets an
 * active subscription (through the push endpoint, as the platform would), and the lines printed
 * hold what a newcomer needs: the secrets generated for this run, tokens, and working links.
 * Printed to stdout on purpose, never to the structured log; production never gets here.
 *
 * Only to a terminal: when stdout goes to a file, journald or a log collector (a VM or systemd
 * deployment that forgot NODE_ENV), the secrets and tokens would be kept there (security review
 * 2, L7). They go instead to `<RELANCE_DATA_DIR>/first-run.txt` (mode 0600), whose path is printed.
 */
export async function developmentFirstRun(config: ServiceConfig, service: RunningService, options: { tty: boolean } = { tty: true }): Promise<string> {
  const url = service.url ?? `http://localhost:${config.PORT}`;
  const exp = Math.floor(Date.now() / 1000) + 12 * 3600;
  const demoAdmin = await sign({ sub: "demo-admin", role: "admin", exp }, config.secrets.jwt, "HS256");
  const demoReferrer = await sign({ sub: DEMO_REFERRER, exp }, config.secrets.jwt, "HS256");

  let subscription: string;
  if (config.RELANCE_DIRECTORY === "stored" && config.secrets.service) {
    const response = await service.app.request(`${API_PREFIX}/internal/subscriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${config.secrets.service}`, "x-service-name": "relance-first-run", "content-type": "application/json" },
      body: JSON.stringify({ userId: DEMO_REFERRER, active: true, name: "Demo Referrer" }),
    });
    subscription = response.ok ? `${DEMO_REFERRER} is subscribed (stored directory)` : `could not subscribe ${DEMO_REFERRER} (HTTP ${response.status})`;
  } else if (config.RELANCE_DIRECTORY === "stored") {
    subscription = `subscribe ${DEMO_REFERRER} through /internal/subscriptions with one of RELANCE_SERVICE_SECRETS`;
  } else {
    subscription = `${DEMO_REFERRER} must have an active subscription in the user-service (RELANCE_DIRECTORY=http)`;
  }

  const generated = config.generatedSecrets.map((name) => `  ${name}=${config.secrets[SECRET_VALUES[name as keyof typeof SECRET_VALUES]]}`);
  const sandbox = config.RELANCE_TRANSPORT === "sandbox";
  // Tokens signed with a secret from the environment would open real accounts: printed only when
  // the JWT secret was made up for this run (and dies with it).
  const demo = config.generatedSecrets.includes("RELANCE_JWT_SECRET");
  // The connect page takes only single-use links (10 min), as a referrer would get them.
  const link = demo ? (await mintConnectLink({ jwtSecret: config.secrets.jwt, audience: config.RELANCE_JWT_AUDIENCE ?? null }, DEMO_REFERRER)).token : "";
  const links = demo
    ? [
        `Connect page:  ${url}/connect?token=${link}   (single use, 10 min${sandbox ? "; sandbox: its \"Simuler le téléphone\" button completes the link" : ""})`,
        `               a new link: curl -X POST -H "Authorization: Bearer <demo referrer token>" ${url}${API_PREFIX}/connect-link`,
        // Never a token in the console's address (proxy and access logs keep addresses): pasted.
        `Admin console: ${url}/admin   (paste the demo admin token below into its form)`,
        `Demo admin token (12 h):    ${demoAdmin}`,
        `Demo referrer token (12 h): ${demoReferrer}`,
      ]
    : [
        `Connect page:  ${url}/connect   (open a link from POST ${API_PREFIX}/connect-link, called with a referrer JWT)`,
        `Admin console: ${url}/admin   (sign in with an admin JWT)`,
      ];
  const full = [
    "",
    `Relance is listening on ${url} (development mode)`,
    ...(generated.length > 0
      ? ["Secrets generated for this run only (export them to keep sessions and tokens across restarts):", ...generated]
      : ["Secrets: taken from the environment"]),
    `Demo referrer: ${subscription}`,
    `Home page:     ${url}/`,
    ...links,
    `Try: curl -H "Authorization: Bearer <admin token>" ${url}${API_PREFIX}/admin/messages`,
    `     curl -H "Authorization: Bearer <service secret>" -H "X-Service-Name: me" ${url}${API_PREFIX}/internal/jobs/enrollment/run -X POST`,
    "",
  ].join("\n");
  if (options.tty || (generated.length === 0 && !demo)) return full;
  const file = resolve(config.RELANCE_DATA_DIR, "first-run.txt");
  await mkdir(config.RELANCE_DATA_DIR, { recursive: true, mode: 0o700 });
  // Written afresh (the previous run's secrets died with it), readable by its owner only.
  await rm(file, { force: true });
  await writeFile(file, full, { mode: 0o600, flag: "wx" });
  return [
    "",
    `Relance is listening on ${url} (development mode)`,
    `stdout is not a terminal: the secrets generated for this run and the demo tokens are not printed; they are in ${file} (mode 0600)`,
    `Demo referrer: ${subscription}`,
    `Home page:     ${url}/`,
    "",
  ].join("\n");
}
