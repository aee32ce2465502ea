export { createApp, API_PREFIX } from "./app/app.js";
export type { AppServices } from "./app/services.js";
export { loadConfig, ConfigError, type ServiceConfig } from "./config/env.js";
export { startService, type RunningService, type StartOptions } from "./service.js";
export { buildContainer, resolved, type ContainerOverrides } from "./composition/container.js";
export { TOKENS, type Token } from "./composition/tokens.js";
export { createLogger } from "./observability/logger.js";
export { openApiDocument } from "./openapi/document.js";
