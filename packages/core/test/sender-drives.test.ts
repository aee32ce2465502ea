import { describe, expect, it } from "vitest";
import { SenderDrives } from "../src/engine/sender-drives.js";

/** A promise and its resolver: work that ends when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

// Overlapping dispatch runs of one process (issue 21, item 1): one drive per sender, and the
// process-wide limit across runs.
describe("SenderDrives", () => {
  it("refuses a second drive of a sender already driven, and takes it again once done", async () => {
    const drives = new SenderDrives(() => 10);
    const first = gate();
    const running = drives.drive("a", () => first.promise);
    expect(drives.isDriving("a")).toBe(true);
    let ran = false;
    expect(await drives.drive("a", async () => void (ran = true))).toBe(false);
    expect(ran).toBe(false);
    first.open();
    expect(await running).toBe(true);
    expect(drives.isDriving("a")).toBe(false);
    expect(await drives.drive("a", async () => void (ran = true))).toBe(true);
    expect(ran).toBe(true);
  });

  it("never drives more senders at once than the limit, whichever run asks; a failed drive frees its slot", async () => {
    const drives = new SenderDrives(() => 2);
    let running = 0;
    let most = 0;
    const gates = new Map(["a", "b", "c", "d"].map((s) => [s, gate()]));
    const work = (sender: string) => async () => {
      running++;
      most = Math.max(most, running);
      try {
        await gates.get(sender)!.promise;
        if (sender === "a") throw new Error("send failed");
      } finally {
        running--;
      }
    };
    const a = drives.drive("a", work("a")).catch((error: Error) => error.message);
    const b = drives.drive("b", work("b"));
    const c = drives.drive("c", work("c"));
    const d = drives.drive("d", work("d"));
    await Promise.resolve();
    expect(running).toBe(2);
    // c and d wait for a slot, yet count as driven: another run skips them.
    expect(drives.isDriving("c")).toBe(true);
    expect(drives.size).toBe(4);
    gates.get("a")!.open();
    expect(await a).toBe("send failed");
    gates.get("c")!.open();
    expect(await c).toBe(true);
    for (const s of ["b", "d"]) gates.get(s)!.open();
    expect(await Promise.all([b, d])).toEqual([true, true]);
    expect(most).toBe(2);
    expect(drives.size).toBe(0);
  });
});
