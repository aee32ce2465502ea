/**
 * One worker process of the multi-process test: an engine on the SQLite file given as argv[2],
 * with its own sandbox WhatsApp and manual clock, driven by JSON lines on stdin:
 * `{"at": ISO}` sets the clock and runs two dispatches at once; the answer (one JSON line on
 * stdout) lists what this process sent since the previous answer.
 */
import { createInterface } from "node:readline";
import { createRelanceEngine } from "@relance/core";
import { LogNotifier, ManualClock, ManualScheduler, SandboxTransport, StoredDirectory } from "@relance/adapters";
import { createSqliteStorage } from "@relance/adapters/sqlite";

const [filename, instanceId, referrerList] = process.argv.slice(2) as [string, string, string];
const storage = createSqliteStorage({ filename, synchronous: "normal" });
await storage.init();
const clock = new ManualClock("2026-01-05T08:00:00.000Z");
const transport = new SandboxTransport({ clock, renderQr: false });
for (const entry of referrerList.split(",")) {
  const [referrerUserId, phone] = entry.split("=") as [string, string];
  await transport.connect(referrerUserId, { method: "qr" });
  transport.link(referrerUserId, phone);
}
const engine = createRelanceEngine({
  storage,
  directory: new StoredDirectory(storage.directory, clock),
  transport,
  clock,
  notifier: new LogNotifier(),
  scheduler: new ManualScheduler(),
  // No ramp-up nor first-contact cap: the test counts every day of every target within the week.
  // Two senders at a time: one process cannot take every referrer's lease at the first instant,
  // so the others find senders to drive and the processes really write the file together.
  options: { instanceId, messageDelayMs: 0, messageJitterMs: 0, typingMs: 0, dailyCapRampUp: [], maxFirstContactsPerDay: 1_000_000, firstContactGapMinMs: 0, firstContactGapMaxMs: 0, dayStartSpreadMs: 0, senderHealth: false, maxConcurrentSenders: 2 },
});

let reported = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  const command = JSON.parse(line) as { at?: string; stop?: boolean };
  if (command.stop) break;
  clock.set(command.at!);
  const results = await Promise.all([engine.runDispatch(), engine.runDispatch()]);
  await engine.idle();
  const outbox = transport.outbox();
  const sent = outbox.slice(reported).map((item) => [item.targetId, item.day]);
  reported = outbox.length;
  process.stdout.write(`${JSON.stringify({ sent, failed: results.reduce((n, r) => n + r.failed, 0) })}\n`);
}
await engine.stop();
await storage.close();
