import type { EngineContext } from "../engine/context.js";
import type { SettleStep } from "../engine/unsettled-writes.js";
import { StorageError } from "../errors.js";

/*
 * The one settlement policy of the protocol: "retry, then owe". Every write made once a target is
 * claimed (a release, a skipped day, an exit, the `sending` mark's undo, a record, a reservation's
 * give-back) goes through `settle`. Each step is retried with `storageRetryDelaysMs` (a failover,
 * a timeout); what is still not written when the retries are spent is owed (`UnsettledWrites`,
 * settled first thing by the next runs, before any recovery could take this process's own days for
 * crashed sends) and the storage error is thrown: the run stops.
 */

/** What this process knows of the day whose writes it settles: the owed entry's key and log context. */
export interface Knowledge {
  targetId: string;
  day: number;
  known: "not sent" | "not sent (failed)" | "not sent (skipped)" | "not sent (released)" | "not sent (invalid number)" | "sent";
  messageId?: string;
}

/** Runs the steps in order, each with retries; owes what is left when the storage stays away, then throws. */
export async function settle(ctx: EngineContext, knowledge: Knowledge, steps: readonly SettleStep[]): Promise<void> {
  const remaining = [...steps];
  try {
    while (remaining.length > 0) {
      await retryConditional(ctx, remaining[0]!);
      remaining.shift();
    }
  } catch (error) {
    ctx.unsettled.add(owedKey(knowledge), { ...knowledge }, remaining);
    throw error;
  }
}

/** Owes the steps without trying them now (the storage just failed them with retries). */
export function owe(ctx: EngineContext, knowledge: Knowledge, steps: readonly SettleStep[]): void {
  ctx.unsettled.add(owedKey(knowledge), { ...knowledge }, [...steps]);
}

const owedKey = (k: Knowledge) => `${k.known}:${k.targetId}:${k.day}`;

/**
 * Runs a conditional write again after a storage error (a failover, a timeout), with the delays
 * of `storageRetryDelaysMs`. Only for writes whose condition makes a second application a no-op
 * (the owner and stage of a claim): a first attempt that applied although it reported an error
 * makes the retry find nothing to change, so `ambiguous` tells the caller a lost transition may
 * mean that. A counter's give-back is the exception (see docs/dispatch-protocol.md): retried as
 * well, it errs towards one slot too many given back only when an applied give-back's answer is
 * lost. Rethrows the last error once the delays are spent; anything but a `StorageError` at once.
 */
export async function retryConditional<T>(ctx: EngineContext, write: () => Promise<T>): Promise<{ value: T; ambiguous: boolean }> {
  const delays = ctx.options.storageRetryDelaysMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return { value: await write(), ambiguous: attempt > 0 };
    } catch (error) {
      if (!(error instanceof StorageError) || attempt >= delays.length) throw error;
      ctx.logger.warn({ attempt: attempt + 1, err: error.message }, "storage write failed: retrying its conditional write");
      await ctx.clock.sleep(delays[attempt]!);
    }
  }
}
