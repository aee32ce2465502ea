// `@relance/adapters/testing/wwebjs`: a fake WhatsApp Web for the whatsapp-web.js transport, handing
// the library's own Message, Chat and ClientInfo classes to the transport (its file:line citations
// are in fake-wwebjs-client.ts). A separate entry from `@relance/adapters/testing` so that the
// contracts do not load whatsapp-web.js and puppeteer (an optional peer) for projects without them.
export { FakeBrowserProcess, FakeWhatsApp, FakeWwebjsClient } from "./fake-wwebjs-client.js";
export type { DestroyBehaviour, FakeChat, InitializeBehaviour, RecordedSend } from "./fake-wwebjs-client.js";
