import { defineConfig } from "vitest/config";

// Tests, `npm start` and the examples run the TypeScript sources: each package's `exports` map
// sends this condition to `src/*.ts`, everyone else (plain Node, published tarballs) to `dist/*.js`.
const SOURCE_CONDITION = "@relance/source";
// Child processes started by tests (server, examples, crash tests) inherit it.
if (!process.env.NODE_OPTIONS?.includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=${SOURCE_CONDITION}`.trim();
}

export default defineConfig({
  // Vite's server defaults ("module", "node", "development|production") with ours first.
  ssr: { resolve: { conditions: [SOURCE_CONDITION, "module", "node", "development|production"], externalConditions: [SOURCE_CONDITION] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
