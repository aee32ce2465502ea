// A service embedding Relance, as `npm run test:consumer` runs it: plain `node`, the published
// tarballs installed in a fresh project, memory storage, the sandbox transport, a manual clock.
import { createRelanceEngine } from "@relance/core";
import { LogNotifier, ManualClock, SandboxTransport, StoredDirectory, createMemoryStorage } from "@relance/adapters";

const HOUR = 3_600_000;
const clock = new ManualClock("2026-01-05T08:00:00.000Z"); // Monday 09:00 in Paris
const storage = createMemoryStorage();
const transport = new SandboxTransport({ clock, renderQr: false });
const directory = new StoredDirectory(storage.directory, clock);
await storage.init();
const engine = createRelanceEngine({ storage, directory, transport, clock, notifier: new LogNotifier() });

await engine.messages.upsert({ dayNumber: 1, messageTemplate: { fr: "Bonjour {{firstName}} ! Finalisez ici : {{paymentLink}}" } });
await directory.setSubscription({ userId: "referrer-1", active: true, name: "Jean Martin", phone: "+33600000001" });
await directory.upsertReferral({
  userId: "referral-1",
  referrerId: "referrer-1",
  name: "Alice Durand",
  phone: "+33611111111",
  language: "fr",
  createdAt: new Date(clock.now().getTime() - 2 * HOUR),
  paid: false,
  paymentLink: "https://pay.example.com/referral-1",
});
await engine.connect("referrer-1", { method: "qr" });
transport.link("referrer-1", "+33600000001");
await engine.idle();

const enrollment = await engine.runEnrollment();
const dispatch = await engine.runDispatch();
await engine.idle();
const sent = transport.outbox().map((m) => ({ to: m.to, day: m.day, text: m.text }));
await storage.close();

const expected = { to: "+33611111111", day: 1, text: "Bonjour Alice ! Finalisez ici : https://pay.example.com/referral-1" };
if (JSON.stringify(sent) !== JSON.stringify([expected])) {
  console.error("consumer: unexpected outbox", JSON.stringify({ enrollment, dispatch, sent }));
  process.exit(1);
}
console.log(`consumer: enrolled ${enrollment.enrolled}, day 1 sent to ${expected.to}: "${expected.text}"`);
