import { loadVendor } from "hono-openapi";
import { z } from "zod";

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of what a client sends (`input`) or receives (`output`). */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

// hono-openapi converts zod schemas through @standard-community/standard-json, whose
// `import("zod/v4/core")` resolves to the root node_modules' zod 3.25 (node_modules/
// @standard-community/standard-json/dist/zod-Bwrt9trS.js), not this package's zod 4: the metadata
// of `.meta()` lives in this zod's registry and would be lost. Its `loadVendor` hook (index.d.ts:17)
// hands the conversion to this package's zod, so constraints, descriptions and examples reach the
// document exactly as they are enforced. Requests are documented as sent (`io: "input"`, the
// default), answers as received: `resolver(schema, ANSWER)`.
type OpenApiSchema = Awaited<ReturnType<NonNullable<Parameters<typeof loadVendor>[1]["toOpenAPISchema"]>>>;
loadVendor("zod", {
  toOpenAPISchema: (schema, context) => jsonSchema(schema as unknown as z.ZodType, context.options?.io === "output" ? "output" : "input") as OpenApiSchema,
});

/** resolver() options documenting a schema as the API answers it. */
export const ANSWER = { options: { io: "output" } };
