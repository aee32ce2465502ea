/**
 * `npm run bench:sessions`: the memory an idle Baileys session costs this process, measured with
 * N sessions open on fake sockets (Baileys' own event buffer, our session, inbox, address book,
 * restriction watch, key cache and pool entry; not the WebSocket, noise and Signal state of a
 * live socket, which no fake holds). The figure also counts the memory store's copy of each
 * session (encrypted creds and keys) and the fake's records. Prints a table, then one JSON line.
 */
import { createMemoryStorage, createSessionCipher, ManualClock } from "@relance/adapters";
import { createBaileysTransport } from "../packages/adapters/src/transports/baileys/index.js";
import { FakeWhatsApp } from "@relance/adapters/testing/baileys";

const COUNTS = [100, 500, 1000];

function heapMb(): number {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000 && !predicate(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!predicate()) throw new Error("sessions did not connect");
}

async function measure(count: number): Promise<{ sessions: number; heapMb: number; perSessionKb: number }> {
  const storage = createMemoryStorage();
  await storage.init();
  const clock = new ManualClock("2026-01-05T10:00:00Z", { autoAdvance: false });
  const world = new FakeWhatsApp({ now: () => clock.now() });
  const transport = createBaileysTransport({
    sessions: storage.sessions,
    leases: storage.leases,
    cipher: createSessionCipher({ secrets: ["bench-secret-of-at-least-32-chars!!"] }),
    clock,
    instanceId: "bench",
    maxSessions: count,
    idleTimeoutMs: 24 * 60 * 60_000,
    fetchWaVersion: async () => ({ version: [2, 3000, 1], isLatest: true }),
    makeSocket: world.makeSocket,
    // The fake's offline backlog is empty: no 2 s quiet wait per session.
    offlineQuietMs: 10,
  });
  const baseline = heapMb();
  // Link every account first (QR scanned by the fake phone), then measure them open and idle.
  for (let i = 0; i < count; i++) {
    const id = `ref-${i}`;
    await transport.connect(id, { method: "qr" });
    await world.current(id).linkFromPhone(`+3360${String(i).padStart(7, "0")}`);
  }
  await until(() => Array.from({ length: count }, (_, i) => transport.getState(`ref-${i}`).status).every((s) => s === "connected"));
  const used = heapMb() - baseline;
  await transport.close();
  await storage.close();
  return { sessions: count, heapMb: Math.round(used * 10) / 10, perSessionKb: Math.round((used * 1024) / count) };
}

const results = [];
for (const count of COUNTS) results.push(await measure(count));
console.table(results);
console.log(JSON.stringify({ bench: "baileys-idle-sessions", node: process.version, results }));
