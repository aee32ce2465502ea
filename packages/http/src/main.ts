import { sign } from "hono/jwt";
import { ConfigError, loadConfig } from "./config/env.js";
import { createLogger } from "./observability/logger.js";
import { startService } from "./service.js";

/** `npm start`: the service on its embedded defaults (file store), configured by the environment. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const service = await startService(config, { logger });

  if (config.generatedSecrets.length > 0) {
    const exp = Math.floor(Date.now() / 1000) + 12 * 3600;
    const demoAdmin = await sign({ sub: "demo-admin", role: "admin", exp }, config.secrets.jwt, "HS256");
    const demoReferrer = await sign({ sub: "demo-referrer", exp }, config.secrets.jwt, "HS256");
    // Development only (production refuses to start without these secrets): printed on purpose,
    // to stdout and not to the structured log, so that a fresh clone can be tried at once.
    console.log(
      [
        "",
        `Relance is listening on ${service.url} (development mode)`,
        `Generated for this run only: ${config.generatedSecrets.join(", ")} (set them to keep sessions and tokens across restarts)`,
        `Demo admin token (12 h): ${demoAdmin}`,
        `Demo referrer token (12 h, sub=demo-referrer): ${demoReferrer}`,
        `Connect page: ${service.url}/connect?token=${demoReferrer}`,
        `Try: curl -H "Authorization: Bearer <token>" ${service.url}/api/relance/admin/messages`,
        "",
      ].join("\n"),
    );
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    service.close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: String(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error) => {
  console.error("Relance failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
