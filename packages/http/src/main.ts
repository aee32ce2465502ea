import { ConfigError, loadConfig } from "./config/env.js";
import { createLogger, logFormatOf } from "./observability/logger.js";
import { developmentFirstRun } from "./first-run.js";
import { startService } from "./service.js";
import { SHUTDOWN_BUDGET_MS } from "./config/shutdown.js";

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
  const logger = createLogger(config.LOG_LEVEL, undefined, { format: logFormatOf(config, process.stdout.isTTY === true) });
  const service = await startService(config, { logger });

  // Development only: production refuses to start without its secrets, and tests run as "test".
  // Secrets and tokens only to a terminal, never into a log collector (security review 2, L7).
  if (config.NODE_ENV === "development") console.log(await developmentFirstRun(config, service, { tty: process.stdout.isTTY === true }));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), SHUTDOWN_BUDGET_MS);
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
