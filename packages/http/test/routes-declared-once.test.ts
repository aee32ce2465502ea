import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { uniqueSymbol } from "hono-openapi";
import { findTargetHandler } from "hono/utils/handler";
import { describe, expect, it } from "vitest";
import { useTestApp } from "./support/test-app.js";

// Issue 23 item 3: each route is declared once, next to its handler, with hono-openapi's own
// middlewares: its parts (`query`, `param`, `body`: the library's `validator`) then its
// description (`referrer({...})`, `admin({...})`...: a `describeRoute` spec), which also answers
// what the parts refused. The handler reads `c.req.valid(...)`, typed by the same declaration.
const t = useTestApp();
const SRC = join(import.meta.dirname, "../src");

type Described = { spec?: { summary?: string }; target?: string };
const describedBy = (handler: unknown): Described | undefined => (findTargetHandler(handler as never) as unknown as Record<symbol, Described | undefined>)[uniqueSymbol];

describe("each route is declared once, next to its handler", () => {
  it("every served route has its description after its parts (so what they refused is answered before the handler)", () => {
    const chains = new Map<string, unknown[]>();
    for (const route of t.service.app.routes) {
      if (route.method === "ALL") continue;
      const key = `${route.method} ${route.path}`;
      chains.set(key, [...(chains.get(key) ?? []), route.handler]);
    }
    const wrong: string[] = [];
    for (const [route, handlers] of chains) {
      if (!handlers.slice(0, -1).some((handler) => describedBy(handler)?.spec?.summary)) wrong.push(route);
      // The request's parts come before the description, never after it.
      const parts = handlers.map((handler) => describedBy(handler)).map((described) => (described?.target ? "part" : described?.spec ? "description" : "other"));
      if (parts.indexOf("part") !== -1 && parts.lastIndexOf("part") > parts.lastIndexOf("description")) wrong.push(`${route}: a part after its description`);
    }
    expect(wrong).toEqual([]);
    expect(chains.size).toBeGreaterThan(40);
  });

  it("keeps no second declaration of the routes and no casts in them", () => {
    const routes = readdirSync(join(SRC, "app/routes")).map((name) => join(SRC, "app/routes", name));
    for (const file of [...routes, join(SRC, "pages/routes.ts")]) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/as never/);
      expect(text, file).not.toMatch(/openapi\/(operations|describe)\.js/);
    }
  });
});
