import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const file = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), "utf8");

describe("deployment files", () => {
  it(".dockerignore keeps host node_modules (at any depth), secrets and tests out of the image", () => {
    const rules = file(".dockerignore").split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
    expect(rules).toEqual(expect.arrayContaining(["**/node_modules", ".env", "**/test", "**/*.test.ts", "test", "bench", ".git"]));
  });

  it("compose restarts both services, and .env.example names every variable compose reads", () => {
    const compose = file("compose.yaml");
    expect(compose.match(/^\s+restart: unless-stopped$/gm)).toHaveLength(2);
    const example = new Set([...file(".env.example").matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    const read = new Set([...compose.matchAll(/\$\{([A-Z_]+)[:?-]/g)].map((m) => m[1]));
    expect([...read].filter((name) => !example.has(name))).toEqual([]);
  });
});

describe("stop grace", () => {
  it("compose gives the service longer to stop than its own shutdown budget (Docker's default is 10 s)", async () => {
    const { SHUTDOWN_BUDGET_MS } = await import("../packages/http/src/config/shutdown.js");
    const grace = /^  relance:[\s\S]*?^\s+stop_grace_period: (\d+)s$/m.exec(file("compose.yaml"));
    expect(grace, "relance has a stop_grace_period").not.toBeNull();
    expect(Number(grace![1]) * 1000).toBeGreaterThanOrEqual(SHUTDOWN_BUDGET_MS + 5_000);
  });
});

// Security review 2, L8: compose ran MongoDB with --bind_ip_all and no authentication, reachable by
// every container on the network (the directory's names, numbers and payment links in clear).
describe("compose: MongoDB asks for credentials", () => {
  it("runs mongod with access control (a key file for the replica set) and Relance connects with a user", () => {
    const compose = file("compose.yaml");
    const mongo = /^ {2}mongo:\n([\s\S]*?)(?=^ {2}\S)/m.exec(compose)?.[1] ?? "";
    expect(mongo).toMatch(/--keyFile/);
    expect(mongo).toMatch(/MONGO_INITDB_ROOT_USERNAME/);
    expect(mongo).toMatch(/MONGO_INITDB_ROOT_PASSWORD: \$\{MONGO_ROOT_PASSWORD:\?/);
    // The health check (which initiates the set) authenticates too.
    expect(/test: \[.*\]/.exec(mongo)?.[0] ?? "").toMatch(/-u|--username/);
    const uri = /MONGODB_URI: (.*)$/m.exec(compose)?.[1] ?? "";
    expect(uri).toMatch(/^mongodb:\/\/[^:@/]+:\$\{[A-Z_]+:\?[^}]*\}@mongo:27017\//);
    expect(uri).toMatch(/authSource=admin/);
  });
});
