/** A promise settled from outside, that remembers whether it was. */
export interface Deferred {
  promise: Promise<void>;
  settled: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const result: Deferred = {
    promise: new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    }),
    settled: false,
    resolve() {
      if (result.settled) return;
      result.settled = true;
      resolve();
    },
    reject(error) {
      if (result.settled) return;
      result.settled = true;
      reject(error);
    },
  };
  // Failures are read through `settled` by whoever comes later; none may go unhandled.
  result.promise.catch(() => undefined);
  return result;
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
