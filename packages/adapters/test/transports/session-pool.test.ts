import { describe, expect, it } from "vitest";
import { SessionDrivenElsewhereError, TransportUnavailableError } from "@relance/core";
import { ManualClock, createMemoryStorage } from "../../src/index.js";
import { SessionPool } from "../../src/transports/pool/session-pool.js";

class FakeSession {
  closed = false;
  constructor(readonly id: string) {}
  async close() {
    this.closed = true;
  }
}

async function pools(options: { maxSessions?: number; hardMaxSessions?: number; idleTimeoutMs?: number; evictionGraceMs?: number; overflow?: "grow" | "refuse" } = {}) {
  const storage = createMemoryStorage();
  await storage.init();
  const clock = new ManualClock("2026-01-05T10:00:00Z");
  const closedEvents: Array<[string, string]> = [];
  const make = (instanceId: string) =>
    new SessionPool<FakeSession>({
      name: "fake",
      leases: storage.leases,
      clock,
      instanceId,
      maxSessions: options.maxSessions ?? 2,
      idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
      leaseTtlMs: 60_000,
      evictionGraceMs: options.evictionGraceMs ?? 0,
      ...(options.overflow ? { overflow: options.overflow } : {}),
      ...(options.hardMaxSessions ? { hardMaxSessions: options.hardMaxSessions } : {}),
      onClosed: (id, why) => closedEvents.push([id, why]),
    });
  return { storage, clock, a: make("process-a"), b: make("process-b"), closedEvents };
}

describe("session pool", () => {
  it("keeps sessions warm: a second acquire reuses the open one, concurrent acquires open once", async () => {
    const { a } = await pools();
    let opened = 0;
    const open = async () => new FakeSession(`s${++opened}`);
    const [s1, s2] = await Promise.all([a.acquire("r1", open), a.acquire("r1", open)]);
    expect(s1).toBe(s2);
    expect(await a.acquire("r1", open)).toBe(s1);
    expect(opened).toBe(1);
  });

  it("evicts the least recently used session beyond maxSessions", async () => {
    const { a, clock, closedEvents } = await pools({ maxSessions: 2 });
    const r1 = await a.acquire("r1", async () => new FakeSession("r1"));
    clock.advance(1000);
    const r2 = await a.acquire("r2", async () => new FakeSession("r2"));
    clock.advance(1000);
    a.get("r1"); // r1 used again: r2 is now the least recently used
    clock.advance(1000);
    await a.acquire("r3", async () => new FakeSession("r3"));
    expect(r2.closed).toBe(true);
    expect(r1.closed).toBe(false);
    expect([a.has("r1"), a.has("r2"), a.has("r3")]).toEqual([true, false, true]);
    expect(closedEvents).toEqual([["r2", "evicted"]]);
  });

  it("grows past maxSessions by default while every session is inside the eviction grace", async () => {
    const { a } = await pools({ maxSessions: 1, evictionGraceMs: 120_000 });
    await a.acquire("r1", async () => new FakeSession("r1"));
    await a.acquire("r2", async () => new FakeSession("r2"));
    expect(a.size).toBe(2);
  });

  it("with overflow refuse, never opens past maxSessions: no room is TransportUnavailableError, lease given back", async () => {
    const { a, clock, storage } = await pools({ maxSessions: 2, evictionGraceMs: 120_000, overflow: "refuse" });
    // Two opens still in flight count against the cap too.
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const slow = (id: string) => async () => {
      await gate;
      return new FakeSession(id);
    };
    const opening = [a.acquire("r1", slow("r1")), a.acquire("r2", slow("r2"))];
    await new Promise((resolve) => setTimeout(resolve, 5));
    let opened = false;
    const open3 = async () => {
      opened = true;
      return new FakeSession("r3");
    };
    await expect(a.acquire("r3", open3)).rejects.toBeInstanceOf(TransportUnavailableError);
    finish();
    await Promise.all(opening);
    await expect(a.acquire("r3", open3)).rejects.toThrow(/\[fake\] no room for the session of r3/);
    expect(opened).toBe(false);
    expect(a.size).toBe(2);
    expect(await storage.leases.get("fake-session:r3")).toBeNull();
    // Once a session is out of its grace it is evicted as usual.
    clock.advance(121_000);
    await a.acquire("r3", open3);
    expect(opened).toBe(true);
    expect(a.size).toBe(2);
  });

  it("closes idle sessions and frees their lease", async () => {
    const { a, b, clock, closedEvents } = await pools({ idleTimeoutMs: 5 * 60_000 });
    const s = await a.acquire("r1", async () => new FakeSession("r1"));
    clock.advance(4 * 60_000);
    await a.maintain();
    expect(s.closed).toBe(false);
    clock.advance(60_000);
    await a.maintain();
    expect(s.closed).toBe(true);
    expect(closedEvents).toEqual([["r1", "idle"]]);
    await expect(b.acquire("r1", async () => new FakeSession("b"))).resolves.toBeInstanceOf(FakeSession);
  });

  it("lets one process only drive a session: the other gets SessionDrivenElsewhereError until the lease is released or expires", async () => {
    const { a, b, clock } = await pools();
    await a.acquire("r1", async () => new FakeSession("a"));
    let openedByB = 0;
    const openB = async () => {
      openedByB++;
      return new FakeSession("b");
    };
    await expect(b.acquire("r1", openB)).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
    expect(openedByB).toBe(0);

    // The lease is renewed while process A is alive...
    clock.advance(50_000);
    await a.maintain();
    clock.advance(50_000);
    await expect(b.acquire("r1", openB)).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
    // ...and taken over once A stops renewing it (A crashed).
    clock.advance(61_000);
    await expect(b.acquire("r1", openB)).resolves.toBeInstanceOf(FakeSession);
    // A notices at its next maintenance and closes its stale connection.
    const stale = a.get("r1")!;
    await a.maintain();
    expect(stale.closed).toBe(true);
    expect(a.has("r1")).toBe(false);
  });

  it("gives the lease back when opening fails", async () => {
    const { a, b } = await pools();
    await expect(a.acquire("r1", async () => Promise.reject(new Error("browser failed")))).rejects.toThrow("browser failed");
    await expect(b.acquire("r1", async () => new FakeSession("b"))).resolves.toBeInstanceOf(FakeSession);
  });

  it("closeAll closes everything and releases the leases", async () => {
    const { a, b } = await pools();
    const sessions = await Promise.all(["r1", "r2"].map((id) => a.acquire(id, async () => new FakeSession(id))));
    await a.closeAll();
    expect(sessions.every((s) => s.closed)).toBe(true);
    await expect(b.acquire("r1", async () => new FakeSession("b"))).resolves.toBeInstanceOf(FakeSession);
  });

  it("never evicts a session used within the grace period: the pool grows past its limit instead", async () => {
    const { a, clock } = await pools({ maxSessions: 1, evictionGraceMs: 120_000 });
    const busy = await a.acquire("r1", async () => new FakeSession("r1"));
    clock.advance(60_000);
    await a.acquire("r2", async () => new FakeSession("r2"));
    expect(busy.closed).toBe(false);
    expect(a.size).toBe(2);
    clock.advance(121_000);
    await a.acquire("r3", async () => new FakeSession("r3"));
    expect(busy.closed).toBe(true);
  });

  it("renews the lease of a session still opening, so a slow open is not taken over", async () => {
    const { a, b, clock } = await pools();
    let finishOpening!: (session: FakeSession) => void;
    const opening = a.acquire("r1", () => new Promise<FakeSession>((resolve) => (finishOpening = resolve)));
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(50_000);
    await a.maintain();
    clock.advance(50_000);
    await expect(b.acquire("r1", async () => new FakeSession("b"))).rejects.toBeInstanceOf(SessionDrivenElsewhereError);
    finishOpening(new FakeSession("a"));
    await opening;
  });

  it("never holds more than the hard cap, sessions still opening counted (security 6)", async () => {
    const { a } = await pools({ maxSessions: 1, hardMaxSessions: 2, evictionGraceMs: 60_000 });
    // Openings that never finish (a QR nobody scans) still take room.
    const never = () => new Promise<FakeSession>(() => undefined);
    void a.acquire("r1", never);
    void a.acquire("r2", never);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(a.acquire("r3", async () => new FakeSession("r3"))).rejects.toBeInstanceOf(TransportUnavailableError);
  });

  it("has a hard cap by default with overflow \"grow\": twice maxSessions", async () => {
    const { a } = await pools({ maxSessions: 2, evictionGraceMs: 60_000 });
    for (const id of ["r1", "r2", "r3", "r4"]) await a.acquire(id, async () => new FakeSession(id));
    await expect(a.acquire("r5", async () => new FakeSession("r5"))).rejects.toBeInstanceOf(TransportUnavailableError);
  });
});
