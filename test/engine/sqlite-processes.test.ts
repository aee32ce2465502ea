import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteStorage } from "@relance/adapters/sqlite";
import { DAY, FAST, HOUR, START, createHarness } from "../support/engine-harness.js";

const ROOT = join(import.meta.dirname, "..", "..");
const WORKER = join(import.meta.dirname, "..", "support", "dispatch-worker.ts");
const REFERRERS = 20;
const REFERRALS = 100;
const WORKERS = 3;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Worker {
  child: ChildProcessWithoutNullStreams;
  /** Sends one command and resolves with the worker's one-line answer. */
  command(command: object): Promise<{ sent: Array<[string, number]>; failed: number }>;
}

function startWorker(filename: string, instanceId: string, referrers: string): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, filename, instanceId, referrers], { cwd: ROOT });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
  });
  return {
    child,
    async command(command) {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      const next = await Promise.race([lines.next(), exited.then((code) => ({ done: true as const, value: `exit ${code}` }))]);
      if (next.done) throw new Error(`worker ${instanceId} ended: ${next.value}\n${stderr}`);
      return JSON.parse(next.value) as { sent: Array<[string, number]>; failed: number };
    },
  };
}

describe("several OS processes on one SQLite file", () => {
  it(`${WORKERS} worker processes dispatch ${REFERRERS * REFERRALS} targets through a whole week: every day sent once, none lost`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "relance-processes-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const filename = join(dataDir, "relance.sqlite");

    // Set-up in this process: messages, subscribed and linked referrers, referrals, enrollment.
    const h = await createHarness(FAST, createSqliteStorage({ filename, synchronous: "normal" }));
    await h.seedMessages(7);
    const phones: string[] = [];
    for (let r = 0; r < REFERRERS; r++) {
      const phone = `+3360000${String(r).padStart(4, "0")}`;
      phones.push(`ref-${r}=${phone}`);
      await h.addReferrer(`ref-${r}`, phone);
      for (let i = 0; i < REFERRALS; i++) await h.addReferral(`ref-${r}`, `u-${r}-${i}`, `+337${String(r).padStart(2, "0")}${String(i).padStart(6, "0")}`);
    }
    expect(await h.engine.runEnrollment()).toMatchObject({ enrolled: REFERRERS * REFERRALS });
    await h.engine.stop();
    await h.storage.close();

    const workers = Array.from({ length: WORKERS }, (_, w) => startWorker(filename, `worker-${w}`, phones.join(",")));
    const sends = new Map<string, number>();
    const sentBy = workers.map(() => 0);
    let failed = 0;
    // Every process dispatches at the same instants, twice an hour through the send window, for 8 days.
    for (let day = 0; day < 8; day++) {
      for (let step = 0; step < 4; step++) {
        const at = new Date(Date.parse(START) + day * DAY + step * (HOUR / 2) + 60_000).toISOString();
        const answers = await Promise.all(workers.map((worker) => worker.command({ at })));
        for (const [w, answer] of answers.entries()) {
          failed += answer.failed;
          sentBy[w]! += answer.sent.length;
          for (const [targetId, sentDay] of answer.sent) {
            const key = `${targetId}/${sentDay}`;
            sends.set(key, (sends.get(key) ?? 0) + 1);
          }
        }
      }
    }
    await Promise.all(workers.map((worker) => worker.child.stdin.end(`${JSON.stringify({ stop: true })}\n`)));

    const duplicates = [...sends.values()].filter((count) => count > 1).length;
    expect({ duplicates, failed }).toEqual({ duplicates: 0, failed: 0 });
    expect(sends.size).toBe(REFERRERS * REFERRALS * 7);
    // The processes really shared the work (sender leases split the referrers between them).
    expect(sentBy.filter((count) => count > 0).length, `sends per process: ${sentBy.join(", ")}`).toBeGreaterThan(1);
    console.info(`sends per process: ${sentBy.join(", ")}`);

    const storage = createSqliteStorage({ filename });
    await storage.init();
    try {
      const stats = await storage.targets.stats({});
      expect(stats).toMatchObject({ enrolled: REFERRERS * REFERRALS, completed: REFERRERS * REFERRALS, active: 0 });
      expect(stats.messages.sent).toBe(REFERRERS * REFERRALS * 7);
    } finally {
      await storage.close();
    }
  }, 300_000);
});
