// Type-checked by `npm run test:consumer` in a fresh project against the published declarations,
// with `module`/`moduleResolution` NodeNext, `strict` and no `skipLibCheck`.
import { createRelanceEngine, RelanceError, type Clock, type RelanceEngine, type Transport } from "@relance/core";
import type { StorageBackend } from "@relance/adapters";
import { LogNotifier, ManualClock, SandboxTransport, StoredDirectory, createMemoryStorage, type OutboxItem } from "@relance/adapters";

export async function firstDay(): Promise<OutboxItem[]> {
  const clock: ManualClock = new ManualClock("2026-01-05T08:00:00.000Z");
  const asPort: Clock = clock;
  const storage: StorageBackend = createMemoryStorage();
  const transport = new SandboxTransport({ clock, renderQr: false });
  const asTransport: Transport = transport;
  const directory = new StoredDirectory(storage.directory, asPort);
  await storage.init();
  const engine: RelanceEngine = createRelanceEngine({ storage, directory, transport: asTransport, clock: asPort, notifier: new LogNotifier() });
  await engine.messages.upsert({ dayNumber: 1, messageTemplate: { fr: "Bonjour {{firstName}} !" } });
  await directory.setSubscription({ userId: "referrer-1", active: true, name: "Jean", phone: "+33600000001" });
  await directory.upsertReferral({
    userId: "referral-1",
    referrerId: "referrer-1",
    name: "Alice",
    phone: "+33611111111",
    language: "fr",
    createdAt: new Date(clock.now().getTime() - 7_200_000),
    paid: false,
    paymentLink: null,
  });
  try {
    await engine.connect("referrer-1", { method: "qr" });
  } catch (error) {
    if (error instanceof RelanceError) console.error(error.code, error.message);
    throw error;
  }
  transport.link("referrer-1", "+33600000001");
  const enrolled: number = (await engine.runEnrollment()).enrolled;
  const sent: number = (await engine.runDispatch()).sent;
  console.log(enrolled, sent);
  return transport.outbox();
}
