import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");

async function example(path: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", join(ROOT, path)], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
  return stdout;
}

describe("examples run", () => {
  it("embedded: a week of relances, and why each loop ended", async () => {
    const out = await example("examples/embedded/week.ts");
    expect(out).toContain("- alice: completed (completed_7_days)");
    expect(out).toContain("- bob: exited (paid)");
    expect(out).toContain("- chloe: exited (opted_out)");
    expect(out).toContain("- dan: exited (invalid_number)");
    expect(out).toMatch(/Alice Durand \(\+33611111111\): 7 message\(s\)/);
  }, 60_000);

  it("transport by configuration: the sandbox links without code changes", async () => {
    const out = await example("examples/transport-by-config/main.ts", { RELANCE_TRANSPORT: "sandbox" });
    expect(out).toContain("transport: sandbox");
    expect(out).toContain("link state: pending_qr");
    expect(out).toContain("the simulated phone scanned it: connected");
  }, 60_000);
});
