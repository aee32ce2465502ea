/**
 * The only source of time for the core. Instants are absolute (`Date`); time zones only matter
 * inside the send-window and daily-limit policies.
 */
export interface Clock {
  now(): Date;
  /**
   * Resolves after `ms` of this clock's time. A manual clock resolves it when its time is moved
   * past the wake-up instant, so pacing can be tested without real waiting.
   */
  sleep(ms: number): Promise<void>;
}
