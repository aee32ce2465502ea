import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { wwebjsDataPath } from "../../src/composition/transport.js";

// Security review 2, L11: whatsapp-web.js worked in `$TMPDIR/relance-wwebjs`, which a local user
// could create first and fill with the WhatsApp Web page every session runs.
describe("security L11: whatsapp-web.js works in a private directory", () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
  });

  it("is under the data directory, mode 0700, also when it existed with a wider mode", async () => {
    const root = await mkdtemp(join(tmpdir(), "relance-wwebjs-path-"));
    roots.push(root);
    const path = wwebjsDataPath(join(root, "data"));
    expect(path).toBe(join(root, "data", "wwebjs"));
    expect((await stat(path)).mode & 0o777).toBe(0o700);
    const { chmod } = await import("node:fs/promises");
    await chmod(path, 0o777);
    wwebjsDataPath(join(root, "data"));
    expect((await stat(path)).mode & 0o777).toBe(0o700);
  });
});
