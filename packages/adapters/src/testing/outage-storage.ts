import { StorageError, type RelanceStorage } from "@relance/core";

/** One call through the wrapper: `targets.updateIf`, with its arguments. */
export interface StorageCall {
  operation: string;
  args: readonly unknown[];
}

/**
 * - `fail`: the call is refused before reaching the storage (server down, connection refused).
 * - `apply-then-fail`: the storage applies it, then the answer is lost (failover, timeout after
 *   the write): the caller sees an error for a write that happened.
 * - `hang`: the call waits until `restore()`, then fails (a frozen server, then a socket timeout).
 */
export type OutageKind = "fail" | "apply-then-fail" | "hang";

export interface OutageFault {
  kind: OutageKind;
  /** Which calls it hits; every one by default. */
  match?: (call: StorageCall) => boolean;
  /** How many matching calls it hits before it stops by itself; unlimited by default. */
  times?: number;
}

/**
 * A `RelanceStorage` wrapper that fails or hangs on command, for outage tests through the engine
 * on any adapter. `lifecycle` calls (`init`, `close`) always pass; `ping` obeys the faults. Every
 * repository the storage holds is wrapped (a backend's `sessions` and `directory` too).
 */
export class OutageStorage<S extends RelanceStorage = RelanceStorage> {
  readonly storage: S;
  /** Every call that reached the wrapper, in order, with what happened to it. */
  readonly calls: Array<StorageCall & { fault: OutageKind | null }> = [];
  private faults: Array<OutageFault & { hits: number }> = [];
  private waiting: Array<() => void> = [];

  constructor(readonly inner: S) {
    const storage: Record<string, unknown> = {
      name: inner.name,
      init: () => inner.init(),
      close: () => inner.close(),
      ping: () => this.call("ping", [], () => inner.ping()),
    };
    for (const [key, value] of Object.entries(inner)) {
      if (key in storage || typeof value !== "object" || value === null) continue;
      const repository: Record<string, unknown> = {};
      for (const method of methodNames(value)) {
        const fn = (value as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!;
        repository[method] = (...args: unknown[]) => this.call(`${key}.${method}`, args, () => fn.apply(value, args));
      }
      storage[key] = repository;
    }
    this.storage = storage as unknown as S;
  }

  /** Adds a fault; the first matching one decides each call. */
  inject(fault: OutageFault): this {
    this.faults.push({ ...fault, hits: 0 });
    return this;
  }

  /** The whole storage away: every call fails (or hangs). */
  down(kind: Exclude<OutageKind, "apply-then-fail"> = "fail"): this {
    return this.inject({ kind });
  }

  /** Back: faults removed, hung calls released (they fail, as a timed-out call does). */
  restore(): void {
    this.faults = [];
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  /** How many calls are hung right now. */
  get hung(): number {
    return this.waiting.length;
  }

  private async call(operation: string, args: readonly unknown[], run: () => Promise<unknown>): Promise<unknown> {
    const call = { operation, args };
    const fault = this.faults.find((candidate) => (candidate.times === undefined || candidate.hits < candidate.times) && (candidate.match?.(call) ?? true));
    this.calls.push({ ...call, fault: fault?.kind ?? null });
    if (!fault) return run();
    fault.hits++;
    const error = (what: string) => new StorageError(`[outage] ${operation} ${what}`, new Error("injected"));
    if (fault.kind === "fail") throw error("failed: storage unreachable");
    if (fault.kind === "apply-then-fail") {
      await run();
      throw error("applied, but its acknowledgement was lost");
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    throw error("timed out: storage frozen");
  }
}

function methodNames(repository: object): string[] {
  const names = new Set<string>();
  for (let proto: object | null = repository; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== "constructor" && typeof (repository as Record<string, unknown>)[name] === "function") names.add(name);
    }
  }
  return [...names];
}
