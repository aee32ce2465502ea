import type { DispatchResult, EnrollmentResult, ErasureResult, ListenResult, ReferrerStatus, RelanceStats, RetentionResult, Settings } from "@relance/core";
import type { JSONParsed } from "hono/utils/types";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { presentMessage, presentTarget } from "../src/app/presenters.js";
import type * as res from "../src/app/response-schemas.js";

// Issue 23 item 3: the response schemas (what /openapi.json documents) checked at compile time
// against what the handlers answer: the core's results as `c.json` serialises them (JSONParsed:
// dates become strings) and the presenters' output. `npm run typecheck` fails on a drift;
// test/openapi.test.ts checks real answers against the same schemas at run time.
type Answers<S extends z.ZodType> = z.input<S>;

describe("response schemas against the core's result types", () => {
  it("are what the handlers answer", () => {
    expectTypeOf<JSONParsed<ReferrerStatus>>().toExtend<Answers<typeof res.StatusResponse>>();
    expectTypeOf<JSONParsed<RelanceStats>>().toExtend<Answers<typeof res.StatsResponse>>();
    expectTypeOf<JSONParsed<ErasureResult>>().toExtend<Answers<typeof res.EraseUserResponse>>();
    expectTypeOf<JSONParsed<ListenResult>>().toExtend<Answers<typeof res.ListenRunResponse>>();
    expectTypeOf<JSONParsed<EnrollmentResult>>().toExtend<Answers<typeof res.EnrollmentRunResponse>>();
    expectTypeOf<JSONParsed<RetentionResult>>().toExtend<Answers<typeof res.RetentionRunResponse>>();
    expectTypeOf<JSONParsed<Settings>>().toExtend<Answers<typeof res.SettingsResponse>>();
    expectTypeOf<Pick<JSONParsed<DispatchResult>, "sent" | "failed" | "deferred" | "held" | "exited">>().toExtend<Answers<typeof res.DispatchRunResponse>>();
    expectTypeOf<ReturnType<typeof presentTarget>>().toExtend<Answers<typeof res.TargetResponse>>();
    expectTypeOf<ReturnType<typeof presentMessage>>().toExtend<Answers<typeof res.MessageResponse>>();
  });
});
