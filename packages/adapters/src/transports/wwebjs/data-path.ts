import { chmod, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "@relance/core";

/** What RemoteAuth writes in its data path (RemoteAuth.js:58, 72, 166, 208): profiles, temp dirs, zips. */
const LEFTOVER = /^(RemoteAuth-.+|wwebjs_temp_session_.+|.+\.zip)$/;
const OWNER_FILE = ".owner-pid";
const prepared = new Map<string, Promise<void>>();

/**
 * Once per process and data path, before the first client starts: the directory is made 0700
 * (the profiles in it are unencrypted session material), and what a crashed process left there
 * is deleted. RemoteAuth only deletes the profile of the referrer it restores next, so after a
 * crash the others would stay on disk unencrypted, for good. Skipped (with a warning) when
 * another live process claims the directory: its profiles are in use.
 */
export function prepareDataPath(dataPath: string, logger: Logger): Promise<void> {
  let pending = prepared.get(dataPath);
  if (!pending) {
    pending = sweep(dataPath, logger).catch((error: unknown) => {
      logger.warn({ dataPath, err: String(error) }, "could not prepare the whatsapp-web.js data directory");
    });
    prepared.set(dataPath, pending);
  }
  return pending;
}

async function sweep(dataPath: string, logger: Logger): Promise<void> {
  await mkdir(dataPath, { recursive: true, mode: 0o700 });
  await chmod(dataPath, 0o700);
  const ownerFile = join(dataPath, OWNER_FILE);
  const owner = Number.parseInt(await readFile(ownerFile, "utf8").catch(() => ""), 10);
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    logger.warn({ dataPath, pid: owner }, "another live process uses this whatsapp-web.js data directory: its leftovers are not swept (give each process its own)");
    return;
  }
  await writeFile(ownerFile, String(process.pid), { mode: 0o600 });
  const leftovers = (await readdir(dataPath)).filter((name) => LEFTOVER.test(name));
  for (const name of leftovers) await rm(join(dataPath, name), { recursive: true, force: true, maxRetries: 4 });
  if (leftovers.length > 0) logger.info({ dataPath, count: leftovers.length }, "deleted whatsapp-web.js profiles and archives left by an earlier process");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
