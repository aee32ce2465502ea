// The storage port, one repository a file under ./storage/; `RelanceStorage` gathers them.
export * from "./storage/relance-storage.js";
export * from "./storage/configs.js";
export * from "./storage/messages.js";
export * from "./storage/targets.js";
export * from "./storage/target-changes.js";
export * from "./storage/target-stats.js";
export * from "./storage/counters.js";
export * from "./storage/do-not-contact.js";
export * from "./storage/exited-users.js";
export * from "./storage/leases.js";
export * from "./storage/enrollment-cursors.js";
export * from "./storage/settings.js";
