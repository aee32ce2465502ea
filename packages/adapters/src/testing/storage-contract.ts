import { afterEach, beforeEach, describe } from "vitest";
import type { StorageBackend } from "../ports/storage-backend.js";
import type { ContractContext } from "./contract/context.js";
import { describeLifecycle } from "./contract/lifecycle.js";
import { describeConfigs } from "./contract/configs.js";
import { describeMessages } from "./contract/messages.js";
import { describeSessions } from "./contract/sessions.js";
import { describeDoNotContact } from "./contract/do-not-contact.js";
import { describeDirectory } from "./contract/directory.js";
import { describeExitedUsers } from "./contract/exited-users.js";
import { describeLeases } from "./contract/leases.js";
import { describeCounters } from "./contract/counters.js";
import { describeTargetWrites } from "./contract/target-writes.js";
import { describeTargetClaims } from "./contract/target-claims.js";
import { describeTargetClaimReserving } from "./contract/target-claim-reserving.js";
import { describeTargetUpdateCounting } from "./contract/target-update-counting.js";
import { describeTargetBatches } from "./contract/target-batches.js";
import { describeTargetQueries } from "./contract/target-queries.js";
import { describeTargetPagination } from "./contract/target-pagination.js";
import { describeTargetStats } from "./contract/target-stats.js";
import { describeStoredFields } from "./contract/stored-fields.js";
import { describeReopen } from "./contract/reopen.js";
import { describeEnrollmentCursors } from "./contract/enrollment-cursors.js";
import { describeRepliesAndVariants } from "./contract/replies-and-variants.js";
import { describeResilience } from "./contract/resilience.js";
import { describeRetention } from "./contract/retention.js";
import { describeSessionScan } from "./contract/session-scan.js";
import { describeInboundJournal } from "./contract/inbound-journal.js";
import { describeHoldout } from "./contract/holdout.js";

/** A plain document as the backend holds it, read around the adapter. */
export type RawDocument = Record<string, unknown>;

/** Direct read access to stored documents, to check the platform's field names are kept. */
export interface RawStorageReader {
  findTarget(id: string): Promise<RawDocument | null>;
  findMessage(dayNumber: number): Promise<RawDocument | null>;
  findConfig(referrerUserId: string): Promise<RawDocument | null>;
}

export interface StorageContractOptions {
  /** A fresh, empty, `init()`-ed storage; the suite closes it after each test. */
  create: () => Promise<StorageBackend>;
  raw?: (storage: StorageBackend) => RawStorageReader;
  /** Closes `storage` and opens the same backend again. */
  reopen?: (storage: StorageBackend) => Promise<StorageBackend>;
  /**
   * Set (to the reason) when the backend's `directory.listReferralChanges` may return again
   * referrals changed shortly before its cursor: the "nothing changed" case is then skipped.
   */
  repeatsRecentReferralChanges?: string;
}

/**
 * The behaviour every `RelanceStorage` adapter must show, with the stores a backend of this package
 * also provides (`StorageBackend`: the transports' sessions, the stored directory's records). Backend-agnostic: no sleeps, no wall
 * clock, concurrency through `Promise.all` of many calls.
 */
export function runStorageContract(name: string, options: StorageContractOptions): void {
  describe(`RelanceStorage contract: ${name}`, () => {
    let current: StorageBackend | null = null;

    const ctx: ContractContext = {
      options,
      storage() {
        if (!current) throw new Error("storage contract: no storage open");
        return current;
      },
      async reopen() {
        if (!options.reopen) throw new Error("storage contract: no reopen option");
        const previous = ctx.storage();
        // Cleared first so afterEach does not close a storage that reopen already closed.
        current = null;
        current = await options.reopen(previous);
        return current;
      },
    };

    beforeEach(async () => {
      current = await options.create();
    });

    afterEach(async () => {
      const open = current;
      current = null;
      if (open) await open.close();
    });

    describeLifecycle(ctx);
    describeConfigs(ctx);
    describeMessages(ctx);
    describeSessions(ctx);
    describeDoNotContact(ctx);
    describeDirectory(ctx);
    describeExitedUsers(ctx);
    describeEnrollmentCursors(ctx);
    describeRetention(ctx);
    describeSessionScan(ctx);
    describeInboundJournal(ctx);
    describeLeases(ctx);
    describeCounters(ctx);
    describeTargetWrites(ctx);
    describeTargetClaims(ctx);
    describeTargetClaimReserving(ctx);
    describeTargetUpdateCounting(ctx);
    describeTargetBatches(ctx);
    describeTargetQueries(ctx);
    describeTargetPagination(ctx);
    describeTargetStats(ctx);
    describeRepliesAndVariants(ctx);
    describeHoldout(ctx);
    describeResilience(ctx);
    describeStoredFields(ctx);
    describeReopen(ctx);
  });
}
