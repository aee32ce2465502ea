import type { EngineContext } from "../engine/context.js";
import { StorageError } from "../errors.js";

/**
 * Runs a conditional write again after a storage error (a failover, a timeout), with the delays
 * of `storageRetryDelaysMs`. Only for writes whose condition makes a second application a no-op
 * (the owner and stage of a claim): a first attempt that applied although it reported an error
 * makes the retry find nothing to change, so `ambiguous` tells the caller a null may mean that.
 * Rethrows the last error once the delays are spent; anything but a `StorageError` at once.
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
