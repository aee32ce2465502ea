import type { Clock } from "../ports/clock";
import type { Directory } from "../ports/directory";
import type { Logger } from "../ports/logger";
import type { Notifier } from "../ports/notifier";
import type { RelanceStorage } from "../ports/storage";
import type { Transport } from "../ports/transport";
import { SenderPacer } from "../policies/pacing";
import type { EngineEvents } from "./events";
import type { InFlightSends } from "./in-flight";
import type { PendingInbound } from "./pending-inbound";
import type { UnsettledWrites } from "./unsettled-writes";
import type { RelanceOptions } from "./options";

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
  inFlight: InFlightSends;
  pendingInbound: PendingInbound;
  events: EngineEvents;
  /** Writes owed to the storage after an outage, settled by the next dispatch runs. */
  unsettled: UnsettledWrites;
}
