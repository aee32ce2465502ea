/**
 * Longest a shutdown (SIGTERM) may take before the process exits anyway: jobs finish their send
 * in flight, sessions close and the replies they surface meanwhile are handled, storage closes.
 * The container's stop grace (compose.yaml `stop_grace_period`) must outlast it, or the runtime
 * kills the process in the middle (Docker's default grace is 10 s).
 */
export const SHUTDOWN_BUDGET_MS = 30_000;

/**
 * The whatsapp-web.js close within that budget (its sessions close in parallel), stage after
 * stage: Chromium's `destroy()` (killed past its limit), then RemoteAuth's final backup (dropped
 * past its limit: the last periodic backup stays, and the lease is given back), then the engine's
 * acknowledgement of the replies surfaced meanwhile (the rest stays journaled for the next ready).
 * The library's own defaults (10 s, 2 min, 10 s) outlast the budget: the process was killed in the
 * middle of the backup. What the stages leave (5 s) is for the jobs' send in flight and the storage.
 */
export const WWEBJS_CLOSE_LIMITS = {
  destroyTimeoutMs: 8_000,
  finalBackupTimeoutMs: 14_000,
  inboundAckWaitMs: 3_000,
} as const;
