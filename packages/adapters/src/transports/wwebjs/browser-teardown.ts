import type { ChildProcess } from "node:child_process";
import type { Logger } from "@relance/core";
import type { WwebjsClient } from "./client-factory.js";

export interface TeardownOptions {
  /** How long `destroy()` may take before the browser is killed. */
  timeoutMs: number;
  logger: Logger;
  referrerUserId: string;
}

/**
 * Destroys a client so that no Chromium survives it: `destroy()` first (it closes the browser
 * and stops RemoteAuth), then, if that throws, hangs, or the browser process is still alive,
 * SIGKILL to the browser's process group. Never rejects.
 *
 * Resolves with `destroy()` itself, still running when it timed out with the browser gone: it goes
 * on with RemoteAuth's final backup (Client.js:1277-1284), which the caller awaits (bounded) before
 * it gives the lease back. Null when the browser had to be killed: `destroy()` was stuck on it.
 */
export async function destroyClient(client: WwebjsClient, options: TeardownOptions): Promise<{ destroying: Promise<void> | null }> {
  const browserProcess = client.pupBrowser?.process() ?? null;
  let outcome: "destroyed" | "failed" | "timed out";
  let timer: NodeJS.Timeout | undefined;
  const destroying = (async () => client.destroy())();
  const settled = destroying.then(
    () => undefined,
    () => undefined,
  );
  try {
    outcome = await Promise.race([
      destroying.then(() => "destroyed" as const),
      new Promise<"timed out">((resolve) => {
        timer = setTimeout(() => resolve("timed out"), options.timeoutMs);
      }),
    ]);
  } catch (error) {
    outcome = "failed";
    options.logger.warn({ referrerUserId: options.referrerUserId, err: String(error) }, "whatsapp-web.js destroy failed");
  } finally {
    clearTimeout(timer);
  }
  if (browserProcess && isAlive(browserProcess)) {
    options.logger.warn({ referrerUserId: options.referrerUserId, pid: browserProcess.pid, outcome }, "killing the Chromium left by whatsapp-web.js");
    killProcessGroup(browserProcess);
    await untilGroupGone(browserProcess, 5_000);
    return { destroying: null };
  }
  return { destroying: settled };
}

/**
 * SIGKILL is asynchronous: wait (bounded) until the browser and its group are really gone, so
 * "no Chromium left" holds when teardown returns, not a few milliseconds later.
 */
async function untilGroupGone(child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(child) && !groupExists(child)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function groupExists(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Puppeteer starts Chromium detached, as the leader of its own process group (renderers, GPU, zygote). */
function killProcessGroup(child: ChildProcess): void {
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, "SIGKILL");
      return;
    } catch {
      // Not a group leader (or already gone): fall back to the process itself.
    }
  }
  try {
    child.kill("SIGKILL");
  } catch {
    // Already exited.
  }
}
