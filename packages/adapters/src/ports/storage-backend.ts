import type { RelanceStorage } from "@relance/core";
import type { DirectoryRepository } from "./directory-repository.js";
import type { SessionRepository } from "./session-repository.js";

/**
 * What each storage backend of this package (memory, SQLite, MongoDB) returns: the core's
 * `RelanceStorage`, plus the stores other adapters keep in the same backend, which the core never
 * uses. Whoever composes hands them over: `sessions` to a WhatsApp transport (and to
 * `reencryptSessions`), `directory` to a `StoredDirectory`; the engine gets the storage alone.
 */
export interface StorageBackend extends RelanceStorage {
  /** The transports' encrypted session entries. */
  readonly sessions: SessionRepository;
  /** The stored (push-fed) directory's records. */
  readonly directory: DirectoryRepository;
}
