import type { Clock } from "../ports/clock.js";
import type { Directory } from "../ports/directory.js";
import type { Logger } from "../ports/logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { RelanceStorage } from "../ports/storage.js";
import type { Transport } from "../ports/transport.js";
import { SenderPacer } from "../policies/pacing.js";
import type { EarlyReceipts } from "./early-receipts.js";
import type { EngineEvents } from "./events.js";
import type { KeyedQueue } from "./keyed-queue.js";
import type { PendingWork } from "./pending-work.js";
import type { SenderDrives } from "./sender-drives.js";
import type { RelanceOptions } from "./options.js";
import type { UnsettledWrites } from "./unsettled-writes.js";

/** What every use case gets: the ports, the options, and the engine's per-process state. */
export interface EngineContext {
  storage: RelanceStorage;
  directory: Directory;
  transport: Transport;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  options: RelanceOptions;
  random: () => number;
  newId: () => string;
  pacer: SenderPacer;
  /** The senders this process drives now, across overlapping dispatch runs, and their limit. */
  drives: SenderDrives;
  /** Sends inside the transport, by referral. */
  inFlight: PendingWork;
  /** Replies being handled, by referrer. */
  pendingInbound: PendingWork;
  events: EngineEvents;
  /** Writes owed to the storage after an outage, settled by the next dispatch runs. */
  unsettled: UnsettledWrites;
  /** Receipts that came before their delivery was recorded, applied once it is. */
  earlyReceipts: EarlyReceipts;
  /** Link-state writes, one at a time per referrer (see `applyLinkState`). */
  linkWrites: KeyedQueue;
}
