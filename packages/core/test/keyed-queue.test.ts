import { describe, expect, it } from "vitest";
import { KeyedQueue } from "../src/engine/keyed-queue.js";

// Issue 23, item 6: the per-referrer lock of link-state writes was module-level state in
// use-cases/status.ts; it is now a KeyedQueue each engine holds on its context (`ctx.linkWrites`).

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("KeyedQueue", () => {
  it("runs one task at a time per key, in order, and keys in parallel", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const first = gate();
    const a1 = queue.run("a", async () => {
      log.push("a1 start");
      await first.promise;
      log.push("a1 end");
      return 1;
    });
    const a2 = queue.run("a", async () => {
      log.push("a2");
      return 2;
    });
    const b1 = queue.run("b", async () => {
      log.push("b1");
      return 3;
    });
    expect(await b1).toBe(3);
    // b ran while a1 was held; a2 waits for a1.
    expect(log).toEqual(["a1 start", "b1"]);
    first.open();
    expect(await Promise.all([a1, a2])).toEqual([1, 2]);
    expect(log).toEqual(["a1 start", "b1", "a1 end", "a2"]);
  });

  it("a failed task rejects its caller only, and the next task of the key still runs", async () => {
    const queue = new KeyedQueue();
    const failure = new Error("storage down");
    const failed = queue.run("a", async () => {
      throw failure;
    });
    const next = queue.run("a", async () => "ran");
    await expect(failed).rejects.toBe(failure);
    expect(await next).toBe("ran");
  });

  it("holds nothing once its queues are empty", async () => {
    const queue = new KeyedQueue();
    await Promise.all([queue.run("a", async () => 1), queue.run("b", async () => 2), queue.run("a", async () => 3)]);
    await Promise.resolve();
    expect(queue.size).toBe(0);
  });

  it("is per instance: a held key in one queue does not hold the same key in another", async () => {
    const held = gate();
    const one = new KeyedQueue();
    const other = new KeyedQueue();
    void one.run("ref-1", () => held.promise);
    expect(await other.run("ref-1", async () => "free")).toBe("free");
    held.open();
  });
});
