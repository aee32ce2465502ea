/** Service identifiers of the composition root. */
export const TOKENS = {
  Config: Symbol.for("relance.Config"),
  Logger: Symbol.for("relance.Logger"),
  Clock: Symbol.for("relance.Clock"),
  Storage: Symbol.for("relance.Storage"),
  Directory: Symbol.for("relance.Directory"),
  DirectoryFeed: Symbol.for("relance.DirectoryFeed"),
  SessionCipher: Symbol.for("relance.SessionCipher"),
  Transport: Symbol.for("relance.Transport"),
  Notifier: Symbol.for("relance.Notifier"),
  Scheduler: Symbol.for("relance.Scheduler"),
  Metrics: Symbol.for("relance.Metrics"),
  Engine: Symbol.for("relance.Engine"),
} as const;
