/**
 * Embedding Relance in an existing service: the engine built from in-memory adapters and the
 * sandbox transport, a week of relances run on a manual clock in a few milliseconds.
 *
 *   npm run example:embedded
 */
import { createRelanceEngine } from "@relance/core";
import { LogNotifier, ManualClock, SandboxTransport, StoredDirectory, createMemoryStorage } from "@relance/adapters";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const clock = new ManualClock("2026-01-05T08:00:00.000Z"); // Monday 09:00 in Paris
const storage = createMemoryStorage();
const transport = new SandboxTransport({ clock, renderQr: false });
const directory = new StoredDirectory(storage.directory, clock);
const notifier = new LogNotifier();
await storage.init();

const engine = createRelanceEngine({
  storage,
  directory,
  transport,
  clock,
  notifier,
  options: { messageDelayMs: 3000, messageJitterMs: 1000 },
});

// Admins define the seven days.
const texts = [
  "Bonjour {{firstName}} ! {{referrerName}} vous a invité. Finalisez ici : {{paymentLink}}",
  "{{firstName}}, votre place vous attend encore (jour {{day}}/{{totalDays}}).",
  "Une question ? Répondez simplement à ce message, {{firstName}}.",
  "Jour {{day}} : plus que quelques jours pour profiter de l'offre.",
  "{{firstName}}, voici ce que nos membres en disent.",
  "Avant-dernier rappel : {{paymentLink}}",
  "Dernier message de {{referrerName}}. Bonne continuation, {{firstName}} !",
];
for (const [index, fr] of texts.entries()) {
  await engine.messages.upsert({
    dayNumber: index + 1,
    messageTemplate: { fr, en: `Day {{day}}/{{totalDays}}: hi {{firstName}}, {{referrerName}} is waiting for you. {{paymentLink}}` },
    mediaUrls: index === 0 ? [{ url: "https://cdn.example.com/welcome.jpg", type: "image", language: "both", caption: "Bienvenue" }] : [],
  });
}

// The platform pushes a subscribed referrer and their referrals.
await directory.setSubscription({ userId: "referrer-jean", active: true, name: "Jean Martin", phone: "+33600000001" });
const signedUp = new Date(clock.now().getTime() - 2 * HOUR);
const referrals = [
  { userId: "alice", name: "Alice Durand", phone: "+33611111111", language: "fr" },
  { userId: "bob", name: "Bob Smith", phone: "+447700900123", language: "en" },
  { userId: "chloe", name: "Chloé Petit", phone: "+33622222222", language: "fr" },
  { userId: "dan", name: "Dan Ghost", phone: "+33633333333", language: "fr" },
];
for (const r of referrals) {
  await directory.upsertReferral({ ...r, referrerId: "referrer-jean", createdAt: signedUp, paid: false, paymentLink: `https://pay.example.com/${r.userId}` });
}
transport.setOnWhatsApp("+33633333333", false); // Dan's number is not on WhatsApp

// Jean links his WhatsApp (the simulated phone scans the QR).
const pending = await engine.connect("referrer-jean", { method: "qr" });
console.log(`Jean sees a QR code (${pending.status}); his phone scans it.`);
transport.link("referrer-jean", "+33600000001");
await engine.idle();

console.log("Enrollment:", await engine.runEnrollment());
for (let day = 1; day <= 8; day++) {
  const result = await engine.runDispatch();
  await engine.idle();
  console.log(`Day ${day}: sent ${result.sent}, failed ${result.failed}, deferred ${result.deferred}, exited ${result.exited}`);
  if (day === 2) {
    transport.inbound("+33622222222", "+33600000001", "Arrêt"); // Chloé opts out
    await engine.idle();
  }
  if (day === 3) await engine.exitUser("bob"); // Bob pays: the platform tells us
  clock.advance(DAY);
}

console.log("\nWhat each referral received:");
for (const r of referrals) {
  const received = transport.outbox().filter((m) => m.to === r.phone);
  console.log(`- ${r.name} (${r.phone}): ${received.length} message(s)`);
  for (const m of received) console.log(`    day ${m.day} ${m.sentAt.toISOString()} ${m.text}${m.media.length ? ` [+${m.media.length} media]` : ""}`);
}

console.log("\nWhy each loop ended:");
for (const target of (await engine.listTargets("referrer-jean")).items) {
  console.log(`- ${target.referralUserId}: ${target.status}${target.exitReason ? ` (${target.exitReason})` : ""}`);
}
console.log("\nStats:", JSON.stringify(await engine.stats("referrer-jean")));
await storage.close();
