import { MongoClient } from "mongodb";
import type { RelanceStorage } from "@relance/core";
import { createFileStorage, createMemoryStorage } from "@relance/adapters";
import { createMongoStorage } from "@relance/adapters/mongodb";
import type { ServiceConfig } from "../config/env.js";

/** `RELANCE_STORAGE`: the embedded file store by default, MongoDB to scale out, memory for demos. */
export function createStorage(config: ServiceConfig): RelanceStorage {
  switch (config.RELANCE_STORAGE) {
    case "memory":
      return createMemoryStorage();
    case "file":
      return createFileStorage({ dataDir: config.RELANCE_DATA_DIR });
    case "mongodb":
      return createMongoStorage({ client: new MongoClient(config.MONGODB_URI!, { appName: "relance" }), dbName: config.MONGODB_DB }, { closeClient: true });
  }
}
