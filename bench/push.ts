/**
 * The push scenario of `npm run bench`: `POST /internal/referrals` on the real service (SQLite,
 * in process, through `app.request`), one referrer's referrals pushed 16 at a time. Reports the
 * median latency of the 480 pushes before the 1,000th and before the 10,000th referral (a push must
 * cost the same whatever the referrer's history), and a feed of 2,000 and 20,000 referrals in
 * batches of 1,000 (the bulk form).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startService, type RunningService } from "@relance/http";

const SECRET = "bench-service-secret-0123456789ab";
const CONCURRENCY = 16;
const WINDOW = 480;
const BATCH = 1_000;

export interface PushFigures {
  /** Median ms of the WINDOW pushes ending at each size, by size. */
  medianMsAt: Record<number, number>;
  /** Seconds to feed this many referrals in batches of BATCH, by count. */
  feedSeconds: Record<number, number>;
}

async function startBenchService(dataDir: string): Promise<RunningService> {
  const config = loadConfig({
    NODE_ENV: "test",
    RELANCE_STORAGE: "sqlite",
    RELANCE_DATA_DIR: dataDir,
    RELANCE_TRANSPORT: "sandbox",
    RELANCE_JOBS: "off",
    RELANCE_JWT_SECRET: "bench-jwt-secret-0123456789abcdef",
    RELANCE_SERVICE_SECRET: SECRET,
    WHATSAPP_SESSION_SECRET: "bench-session-secret-0123456789a",
    LOG_LEVEL: "silent",
  });
  return startService(config, { listen: false });
}

const referral = (referrerId: string, index: number) => ({
  referrerId,
  referral: { userId: `${referrerId}-u${index}`, phone: `+336${String(10_000_000 + index).slice(-8)}`, name: `Referral ${index}` },
});

async function push(service: RunningService, body: unknown): Promise<void> {
  const response = await service.app.request("/api/relance/internal/referrals", {
    method: "POST",
    headers: { authorization: `Bearer ${SECRET}`, "x-service-name": "bench", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`push answered ${response.status}: ${await response.text()}`);
}

export async function measurePushes(sizes: readonly number[], feeds: readonly number[], log: (text: string) => void): Promise<PushFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), "relance-bench-push-"));
  const service = await startBenchService(dataDir);
  try {
    const largest = Math.max(...sizes);
    const latencies: number[] = [];
    for (let start = 0; start < largest; start += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, largest - start) }, async (_, offset) => {
          const began = performance.now();
          await push(service, referral("bench-pusher", start + offset));
          latencies[start + offset] = performance.now() - began;
        }),
      );
    }
    const medianMsAt: Record<number, number> = {};
    for (const size of sizes) {
      // The median: on a shared machine a few pushes stalled by other processes would move a mean.
      const window = latencies.slice(Math.max(0, size - WINDOW), size).sort((a, b) => a - b);
      medianMsAt[size] = Math.round(window[Math.floor(window.length / 2)]! * 1000) / 1000;
    }
    log(`  push: ${sizes.map((size) => `${medianMsAt[size]} ms at ${size}`).join(", ")}`);
    const feedSeconds: Record<number, number> = {};
    for (const count of feeds) {
      const began = performance.now();
      for (let start = 0; start < count; start += BATCH) {
        await push(service, Array.from({ length: Math.min(BATCH, count - start) }, (_, offset) => referral(`bench-feed-${count}`, start + offset)));
      }
      feedSeconds[count] = Math.round((performance.now() - began) / 10) / 100;
    }
    log(`  feed: ${feeds.map((count) => `${count} in ${feedSeconds[count]} s`).join(", ")}`);
    return { medianMsAt, feedSeconds };
  } finally {
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
