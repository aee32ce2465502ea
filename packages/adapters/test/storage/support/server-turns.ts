/**
 * Answers a fake collection's commands one event-loop turn later, as a server would, and records
 * which were sent and how many were in flight at once (to show commands issued together).
 */
export function serverTurns() {
  let inFlight = 0;
  const seen = { maxInFlight: 0, commands: [] as string[] };
  const answer = async <T>(name: string, work: () => T): Promise<T> => {
    inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, inFlight);
    seen.commands.push(name);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return work();
  };
  return { answer, seen };
}
