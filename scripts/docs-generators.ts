// What the generated docs hold, shared by scripts/docs.ts (which writes them) and the tests that
// keep the committed files equal to it.
import { renderConfigurationReference } from "../packages/http/src/config/env-reference.js";
import { loadConfig, startService } from "../packages/http/src/index.js";

/** docs/configuration.md: from the env schema and env-docs.ts. */
export const configurationReference = (): string => renderConfigurationReference();

/**
 * docs/openapi.json: the document the service serves at `/openapi.json`, fetched from the real app
 * in-process (memory storage, no jobs, nothing listening), as committed: 2-space JSON and a newline.
 */
export async function servedOpenApi(): Promise<string> {
  const config = loadConfig({ NODE_ENV: "test", RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox", RELANCE_JOBS: "off", LOG_LEVEL: "silent" });
  const service = await startService(config, { listen: false });
  try {
    const response = await service.app.request("/openapi.json");
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
    return `${JSON.stringify(await response.json(), null, 2)}\n`;
  } finally {
    await service.close();
  }
}
