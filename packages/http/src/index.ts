export { createApp, API_PREFIX } from "./app/app";
export type { AppServices } from "./app/services";
export { loadConfig, ConfigError, type ServiceConfig } from "./config/env";
export { startService, type RunningService, type StartOptions } from "./service";
export { buildContainer, type ContainerOverrides } from "./composition/container";
export { TOKENS } from "./composition/tokens";
export { createLogger } from "./observability/logger";
export { openApiDocument } from "./openapi/document";
