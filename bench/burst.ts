/**
 * The burst scenario of `npm run bench`: the real service on SQLite (sandbox transport, no
 * pacing, listening on a port), 1,000 senders with 5 referrals due each, one dispatch run; while it
 * runs, `/health` and `/ready` are probed over HTTP every 10 ms. Reports sends per second and the
 * probes' median, p99 and worst latency: a burst must not starve the event loop. The storage the
 * service is composed with is counted (`counting-storage.ts`): the storage calls per send, all
 * included (the service's status listener, the health counts), by method.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session } from "node:inspector/promises";
import { writeFile } from "node:fs/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { sign } from "hono/jwt";
import { createSqliteStorage } from "@relance/adapters/sqlite";
import { loadConfig, startService, type RunningService } from "@relance/http";
import { countingStorage } from "./counting-storage.js";

const SECRET = "bench-service-secret-0123456789ab";
const JWT = "bench-jwt-secret-0123456789abcdef";
const PROBE_EVERY_MS = 10;

export interface BurstFigures {
  senders: number;
  sent: number;
  seconds: number;
  sendsPerSecond: number;
  /** CPU time of this process during the run (user + system): the machine is shared, wall time is not ours alone. */
  cpuSeconds: number;
  /** Sends per second of this process's CPU time: what the run costs, whatever the load from other processes. */
  sendsPerCpuSecond: number;
  probes: number;
  /** The event loop's own delay during the run (perf_hooks, 5 ms resolution): how long a ready callback waited. */
  loopDelayMs: { p50: number; p99: number; max: number };
  healthMs: { p50: number; p99: number; max: number };
  readyMs: { p50: number; p99: number; max: number };
  /** The service's storage calls during the run per message sent (everything it did, probes included). */
  callsPerSend: number;
  /** The same, by `repository.method`, per message sent. */
  callsPerSendByMethod: Record<string, number>;
}

async function call(service: RunningService, method: string, path: string, body?: unknown, token = SECRET): Promise<unknown> {
  const response = await service.app.request(`/api/relance${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "x-service-name": "bench", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const ms = (nanoseconds: number) => Math.round(nanoseconds / 1e5) / 10;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { p50: r(quantile(sorted, 0.5)), p99: r(quantile(sorted, 0.99)), max: r(sorted[sorted.length - 1] ?? 0) };
};

export async function measureBurst(senders: number, duePerSender: number, log: (text: string) => void): Promise<BurstFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), "relance-bench-burst-"));
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    RELANCE_STORAGE: "sqlite",
    RELANCE_DATA_DIR: dataDir,
    RELANCE_TRANSPORT: "sandbox",
    RELANCE_JOBS: "off",
    RELANCE_JWT_SECRET: JWT,
    RELANCE_SERVICE_SECRET: SECRET,
    WHATSAPP_SESSION_SECRET: "bench-session-secret-0123456789a",
    LOG_LEVEL: "silent",
    RELANCE_MESSAGE_DELAY_MS: "0",
    RELANCE_MESSAGE_JITTER_MS: "0",
    RELANCE_TYPING_MS: "0-0",
    RELANCE_MAX_CONCURRENT_SESSIONS: String(senders),
    RELANCE_DAILY_CAP_RAMP_UP: "off",
    RELANCE_CONNECT_RATE_LIMIT: "off",
  });
  // The storage the service would build (RELANCE_STORAGE=sqlite), counted.
  const counted = countingStorage(createSqliteStorage({ dataDir }));
  const service = await startService(config, { listen: true, overrides: { storage: counted.storage } });
  try {
    await call(service, "POST", "/sandbox/clock", { now: "2026-01-05T10:00:00Z" });
    const admin = await sign({ sub: "bench-admin", role: "admin", exp: Math.floor(Date.now() / 1000) + 3600 }, JWT, "HS256");
    for (let day = 1; day <= 7; day++) {
      await call(service, "POST", "/admin/messages", { dayNumber: day, messageTemplate: { fr: `J{{day}} Bonjour {{firstName}}`, en: `D{{day}} Hi {{firstName}}` } }, admin);
    }
    const referrers = Array.from({ length: senders }, (_, i) => `burst-r${i}`);
    const phone = (n: number) => `+336${String(10_000_000 + n).slice(-8)}`;
    for (const referrerId of referrers) await call(service, "POST", "/internal/subscriptions", { userId: referrerId, active: true });
    const referrals = referrers.flatMap((referrerId, i) =>
      Array.from({ length: duePerSender }, (_, k) => ({
        referrerId,
        referral: { userId: `${referrerId}-u${k}`, phone: phone(senders + i * duePerSender + k), name: "X", createdAt: "2026-01-01T00:00:00Z" },
      })),
    );
    for (let start = 0; start < referrals.length; start += 1_000) await call(service, "POST", "/internal/referrals", referrals.slice(start, start + 1_000));
    for (const [i, referrerId] of referrers.entries()) {
      const token = await sign({ sub: referrerId, exp: Math.floor(Date.now() / 1000) + 3600 }, JWT, "HS256");
      await call(service, "POST", "/connect", {}, token);
      await call(service, "POST", "/sandbox/link", { userId: referrerId, phone: phone(i) });
    }
    const enrolled = (await call(service, "POST", "/internal/jobs/enrollment/run")) as { enrolled: number };
    log(`  burst: ${senders} senders, ${enrolled.enrolled} targets enrolled; dispatching`);

    const health: number[] = [];
    const ready: number[] = [];
    let running = true;
    const probe = async (path: string, into: number[]) => {
      while (running) {
        const began = performance.now();
        await fetch(`${service.url}${path}`).then((r) => r.arrayBuffer());
        into.push(performance.now() - began);
        await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
      }
    };
    const probes = [probe("/health", health), probe("/ready", ready)];
    const profile = process.env.BENCH_BURST_PROFILE ? new Session() : null;
    if (profile) {
      profile.connect();
      await profile.post("Profiler.enable");
      await profile.post("Profiler.start");
    }
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const began = performance.now();
    const cpuBefore = process.cpuUsage();
    counted.reset();
    const result = (await call(service, "POST", "/internal/jobs/dispatch/run")) as { sent: number };
    const seconds = (performance.now() - began) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const calls = counted.reset();
    loopDelay.disable();
    if (profile) {
      const { profile: taken } = await profile.post("Profiler.stop");
      await writeFile(process.env.BENCH_BURST_PROFILE!, JSON.stringify(taken));
      profile.disconnect();
      log(`  burst: CPU profile of the run written to ${process.env.BENCH_BURST_PROFILE}`);
    }
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    running = false;
    await Promise.all(probes);
    const perSend = (n: number) => Math.round((n / Math.max(1, result.sent)) * 100) / 100;
    const byMethod = Object.fromEntries(
      Object.entries(calls.byMethod)
        .sort(([, a], [, b]) => b - a)
        .map(([method, n]) => [method, perSend(n)]),
    );
    log(`  burst: ${perSend(calls.calls)} storage calls per send (${Object.entries(byMethod).map(([method, n]) => `${method} ${n}`).join(", ")})`);
    return {
      senders,
      sent: result.sent,
      seconds: Math.round(seconds * 100) / 100,
      sendsPerSecond: Math.round(result.sent / seconds),
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      sendsPerCpuSecond: Math.round(result.sent / cpuSeconds),
      probes: health.length + ready.length,
      loopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
      healthMs: summary(health),
      readyMs: summary(ready),
      callsPerSend: perSend(calls.calls),
      callsPerSendByMethod: byMethod,
    };
  } finally {
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
