/**
 * The same code, any transport: `RELANCE_TRANSPORT=sandbox|baileys|wwebjs` picks it, nothing else
 * changes. With the sandbox the simulated phone scans the QR; with a real transport the QR is
 * printed in the terminal for your phone to scan.
 *
 *   npm run example:transport                         # sandbox
 *   RELANCE_TRANSPORT=baileys npm run example:transport
 */
import { loadConfig, startService } from "@relance/http";
import { qrTerminal, type SandboxTransport } from "@relance/adapters";

const config = loadConfig({ ...process.env, RELANCE_TRANSPORT: process.env.RELANCE_TRANSPORT ?? "sandbox", RELANCE_STORAGE: "memory", RELANCE_JOBS: "off", LOG_LEVEL: "warn" });
const service = await startService(config, { listen: false });
console.log(`transport: ${service.transport.name} (capabilities: ${JSON.stringify(service.transport.capabilities)})`);

const feed = await service.app.request("/api/relance/internal/subscriptions", {
  method: "POST",
  headers: { authorization: `Bearer ${config.secrets.service}`, "x-service-name": "example", "content-type": "application/json" },
  body: JSON.stringify({ userId: "demo-referrer", active: true, name: "Demo" }),
});
if (!feed.ok) throw new Error(`subscription push failed: ${feed.status}`);

const state = await service.engine.connect("demo-referrer", { method: "qr" });
console.log(`link state: ${state.status}${state.reason ? ` (${state.reason})` : ""}`);
if (state.qr) console.log(await qrTerminal(state.qr.text));

if (service.transport.name === "sandbox") {
  (service.transport as SandboxTransport).link("demo-referrer", "+33600000001");
  await service.engine.idle();
  console.log("the simulated phone scanned it:", (await service.engine.status("demo-referrer")).status);
} else {
  console.log("scan the QR with WhatsApp › Linked devices (waiting 60 s)...");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  console.log("status:", (await service.engine.status("demo-referrer")).status);
}
await service.close();
