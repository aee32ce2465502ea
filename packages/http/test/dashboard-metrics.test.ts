import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SandboxTransport } from "@relance/adapters";
import { useTestApp, type TestApp } from "./support/test-app.js";

const P = "/api/relance";
const svc = { service: true };
const t = useTestApp();

const scrape = async (app: TestApp) => (await app.call("GET", "/metrics", svc)).body as string;
/** The value of one sample line (`name{labels} value`), or null when absent. */
function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

/** r1 linked on the sandbox, three referrals messaged on day 1, every message delivered and read. */
async function oneDaySent(app: TestApp) {
  await app.call("POST", `${P}/sandbox/clock`, { body: { now: "2026-01-05T08:00:00.000Z" } });
  // Two days, so that the referrals are still in their sequence after day 1.
  for (const dayNumber of [1, 2]) await app.call("POST", `${P}/admin/messages`, { token: await app.adminToken(), body: { dayNumber, messageTemplate: { fr: "Bonjour {{firstName}}" } } });
  await app.call("POST", `${P}/internal/subscriptions`, { ...svc, body: { userId: "r1", active: true, name: "Jean" } });
  for (const [userId, phone] of [["u0", "+33611111100"], ["u1", "+33611111101"], ["u2", "+33611111102"]]) {
    await app.call("POST", `${P}/internal/referrals`, { ...svc, body: { referrerId: "r1", referral: { userId, phone, name: "X", createdAt: "2020-01-01T00:00:00Z" } } });
  }
  await app.call("POST", `${P}/connect`, { token: await app.referrerToken("r1"), body: {} });
  await app.call("POST", `${P}/sandbox/link`, { body: { userId: "r1", phone: "+33600000001" } });
  expect((await app.call("POST", `${P}/internal/jobs/enrollment/run`, svc)).body).toMatchObject({ enrolled: 3 });
  expect((await app.call("POST", `${P}/internal/jobs/dispatch/run`, svc)).body).toMatchObject({ sent: 3 });
  // The recipients' phones acknowledge (the sandbox's receipts, as a transport emits them).
  const sandbox = app.service.transport as SandboxTransport;
  for (const item of sandbox.outbox()) for (const status of ["delivered", "read"] as const) expect(sandbox.receipt(item.messageId, status)).toBe(true);
  await app.service.engine.idle();
}

describe("metrics a dashboard can use", () => {
  it("Node's default metrics under their standard names", async () => {
    const text = await scrape(t);
    for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
    }
    expect(text).not.toMatch(/relance_process_/);
  });

  it("counts replies, opt-outs and receipts by status, times sends, and counts sessions by link status", async () => {
    const before = await scrape(t);
    expect(sample(before, 'relance_sessions{status="connected"}')).toBe(0);
    expect(sample(before, "relance_replies_total")).toBe(0);
    expect(sample(before, "relance_opt_outs_total")).toBe(0);

    await oneDaySent(t);
    await t.call("POST", `${P}/sandbox/inbound`, { body: { from: "+33611111100", to: "+33600000001", text: "ok je paie demain" } });
    await t.call("POST", `${P}/sandbox/inbound`, { body: { from: "+33611111101", to: "+33600000001", text: "STOP" } });

    const after = await scrape(t);
    expect(sample(after, 'relance_send_duration_seconds_count{outcome="sent"}')).toBe(3);
    expect(sample(after, 'relance_send_duration_seconds_bucket{le="+Inf",outcome="sent"}')).toBe(3);
    expect(sample(after, 'relance_receipts_total{status="delivered"}')).toBe(3);
    expect(sample(after, 'relance_receipts_total{status="read"}')).toBe(3);
    expect(sample(after, "relance_replies_total")).toBe(1);
    expect(sample(after, "relance_opt_outs_total")).toBe(1);
    expect(sample(after, 'relance_sessions{status="connected"}')).toBe(1);
    expect(sample(after, 'relance_sessions{status="disconnected"}')).toBe(0);

    await t.call("POST", `${P}/sandbox/drop`, { body: { userId: "r1", loggedOut: true } });
    const dropped = await scrape(t);
    expect(sample(dropped, 'relance_sessions{status="connected"}')).toBe(0);
    expect(sample(dropped, 'relance_sessions{status="logged_out"}')).toBe(1);
  });

  it("the example Grafana dashboard in docs/ queries only metrics the service exposes", async () => {
    const dashboard = JSON.parse(readFileSync(new URL("../../../docs/grafana-dashboard.json", import.meta.url), "utf8")) as {
      title: string;
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    await oneDaySent(t);
    const exposed = new Set([...(await scrape(t)).matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) => (type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])));
    const queried = dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => [...target.expr.matchAll(/\b((?:relance|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!)));
    expect(queried.length).toBeGreaterThan(10);
    expect(queried.filter((name) => !exposed.has(name))).toEqual([]);
    for (const wanted of ["process_cpu_user_seconds_total", "relance_replies_total", "relance_opt_outs_total", "relance_receipts_total", "relance_send_duration_seconds_bucket", "relance_sessions"]) {
      expect(queried, wanted).toContain(wanted);
    }
  });
});
