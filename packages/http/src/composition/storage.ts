import { MongoClient } from "mongodb";
import type { Logger } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { createMemoryStorage } from "@relance/adapters";
import { createMongoStorage } from "@relance/adapters/mongodb";
import { createSqliteStorage } from "@relance/adapters/sqlite";
import type { ServiceConfig } from "../config/env.js";

/** `RELANCE_STORAGE`: the embedded SQLite store by default, MongoDB to scale out, memory for demos. */
export function createStorage(config: ServiceConfig, logger?: Logger): StorageBackend {
  switch (config.RELANCE_STORAGE) {
    case "memory":
      return createMemoryStorage();
    case "sqlite":
      return createSqliteStorage({ dataDir: config.RELANCE_DATA_DIR });
    case "mongodb":
      return createMongoStorage(
        { client: new MongoClient(config.MONGODB_URI!, { appName: "relance" }), dbName: config.MONGODB_DB },
        {
          closeClient: true,
          onClockSkew: (skewMs, maxSkewMs) =>
            logger?.warn({ skewMs, maxSkewMs }, "this host's clock differs from the MongoDB server's: leases, claims and daily counters assume synchronised clocks (run NTP)"),
        },
      );
  }
}
