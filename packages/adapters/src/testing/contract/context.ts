import type { StorageBackend } from "../../ports/storage-backend.js";
import type { StorageContractOptions } from "../storage-contract.js";

/** What each part of the contract suite gets: the storage of the running test. */
export interface ContractContext {
  readonly options: StorageContractOptions;
  storage(): StorageBackend;
  /** Closes and reopens the same backend; only when `options.reopen` is given. */
  reopen(): Promise<StorageBackend>;
}

/** How many of the results are not null. */
export function countNonNull(values: readonly unknown[]): number {
  return values.filter((value) => value !== null).length;
}

export function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}
