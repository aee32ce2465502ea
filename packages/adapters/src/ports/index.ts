export type { DirectoryRepository, StoredReferrer } from "./directory-repository.js";
export type { SessionEntry, SessionEntryRef, SessionRepository } from "./session-repository.js";
export type { StorageBackend } from "./storage-backend.js";
