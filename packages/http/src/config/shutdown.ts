/**
 * Longest a shutdown (SIGTERM) may take before the process exits anyway: jobs finish their send
 * in flight, sessions close and the replies they surface meanwhile are handled, storage closes.
 * The container's stop grace (compose.yaml `stop_grace_period`) must outlast it, or the runtime
 * kills the process in the middle (Docker's default grace is 10 s).
 */
export const SHUTDOWN_BUDGET_MS = 30_000;
