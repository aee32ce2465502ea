import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, startService, type RunningService } from "../src/index.js";
import { createLogger, logFormatOf } from "../src/observability/logger.js";
import { SERVICE_SECRET } from "./support/test-app.js";

function sink() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(...String(chunk).split("\n").filter(Boolean)), done()) });
  return { stream, lines };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/;

describe("log format", () => {
  it("is pretty on a terminal in development, JSON when piped, in production, in tests, or when asked", () => {
    expect(logFormatOf({ LOG_FORMAT: "auto", NODE_ENV: "development" }, true)).toBe("pretty");
    expect(logFormatOf({ LOG_FORMAT: "auto", NODE_ENV: "development" }, false)).toBe("json");
    expect(logFormatOf({ LOG_FORMAT: "auto", NODE_ENV: "production" }, true)).toBe("json");
    expect(logFormatOf({ LOG_FORMAT: "auto", NODE_ENV: "test" }, true)).toBe("json");
    expect(logFormatOf({ LOG_FORMAT: "json", NODE_ENV: "development" }, true)).toBe("json");
    expect(logFormatOf({ LOG_FORMAT: "pretty", NODE_ENV: "production" }, false)).toBe("pretty");
  });

  it("LOG_FORMAT defaults to auto and takes only auto, json or pretty", () => {
    expect(loadConfig({}).LOG_FORMAT).toBe("auto");
    expect(() => loadConfig({ LOG_FORMAT: "yaml" })).toThrow(/LOG_FORMAT/);
  });

  it("pretty lines are coloured, one line each, and keep secrets redacted and numbers masked", () => {
    const { stream, lines } = sink();
    const logger = createLogger("info", stream, { format: "pretty", colorize: true });
    logger.info({ token: "eyJ.secret.token", headers: { authorization: "Bearer abc" }, to: "+33612345678", referrerUserId: "r1" }, "relance sent to +33612345678");
    logger.warn({ job: "dispatch" }, "careful");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(ANSI);
    expect(lines[0]).toContain("relance sent to ph:");
    expect(lines[0]).toContain("r1");
    expect(lines.join("\n")).not.toMatch(/eyJ\.secret|Bearer abc|33612345678|noiseKey/);
    expect(lines[1]).toMatch(/WARN/);
    expect(() => JSON.parse(lines[0]!.replace(ANSI, ""))).toThrow();
  });

  it("JSON lines stay JSON", () => {
    const { stream, lines } = sink();
    createLogger("info", stream, { format: "json" }).info({ a: 1 }, "hello");
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "hello", a: 1, level: 30 });
  });
});

describe("one line per job run, with its counts", () => {
  let service: RunningService | null = null;
  afterEach(async () => {
    await service?.close();
    service = null;
  });

  it("says what each job run did, with counts and duration, for runs called over HTTP", async () => {
    const { stream, lines } = sink();
    const config = loadConfig({ NODE_ENV: "test", RELANCE_STORAGE: "memory", RELANCE_TRANSPORT: "sandbox", RELANCE_JOBS: "off", RELANCE_SERVICE_SECRET: SERVICE_SECRET, LOG_LEVEL: "info" });
    service = await startService(config, { listen: false, logger: createLogger("info", stream, { format: "json" }) });
    const call = (path: string) => service!.app.request(`/api/relance/internal/jobs/${path}/run`, { method: "POST", headers: { authorization: `Bearer ${SERVICE_SECRET}`, "x-service-name": "ops" } });
    for (const job of ["enrollment", "dispatch", "listen", "retention"]) expect((await call(job)).status).toBe(200);

    const runs = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg && String(entry.msg).includes(" run:"));
    expect(runs.map((entry) => entry.job)).toEqual(["enrollment", "dispatch", "listen", "retention"]);
    const dispatch = runs[1]!;
    expect(dispatch).toMatchObject({ job: "dispatch", sent: 0, failed: 0, deferred: 0, held: 0, exited: 0, durationMs: expect.any(Number) });
    expect(dispatch.msg).toMatch(/^dispatch run: sent 0, failed 0, deferred 0, held 0, exited 0 \(\d+ ms\)$/);
    expect(runs[0]).toMatchObject({ job: "enrollment", enrolled: 0, skipped: 0 });
    // No second summary line from the core for the same run.
    expect(lines.filter((line) => /run finished/.test(line))).toEqual([]);
  });
});
