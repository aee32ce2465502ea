import { totalDaysOf, type RelanceEngine, type RelanceStorage } from "@relance/core";
import { SandboxPopulation, type ManualClock, type SandboxTransport } from "@relance/adapters";

/** The simulated world behind `/sandbox/*`: the transport, the service's clock, the recipients. */
export interface SandboxWorld {
  transport: SandboxTransport;
  clock: ManualClock;
  population: SandboxPopulation;
}

/**
 * The recipients start healthy (see below). The population pays through the engine's `exitUser`,
 * the use case `POST /internal/exit-user` runs, so a simulated payment takes the platform's own path.
 */
export function sandboxWorld(transport: SandboxTransport, clock: ManualClock, engine: RelanceEngine, storage: RelanceStorage): SandboxWorld {
  const population = new SandboxPopulation({
    transport,
    clock,
    targets: storage.targets,
    sequenceDays: async () => totalDaysOf(await storage.messages.list()),
    pay: (referralUserId) => engine.exitUser(referralUserId, "paid"),
    settle: () => engine.idle(),
  });
  // Healthy recipients until told otherwise (`POST /sandbox/population`): every message is
  // delivered within a minute and most are read, as real phones do, and nobody replies or pays.
  // Recipients that acknowledge nothing would be a world where every phone is off, and sender
  // health would rightly hold every account after ten messages.
  population.configure({});
  return { transport, clock, population };
}
