// `@relance/adapters/testing/baileys`: a fake WhatsApp for the Baileys transport, built on Baileys'
// own event buffer and types (its file:line citations are in fake-baileys-socket.ts). A separate
// entry from `@relance/adapters/testing` so that the storage and transport contracts do not load
// Baileys (an optional peer) for projects that do not use it.
export { FakeBaileysSocket, FakeWhatsApp, fakeMediaBytes, fakeMediaDownloader } from "./fake-baileys-socket.js";
export type { SentMessage } from "./fake-baileys-socket.js";
