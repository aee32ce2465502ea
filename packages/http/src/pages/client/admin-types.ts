/**
 * Types the admin console's scripts share (imported as types only: never served, nothing to run).
 */
import type { ADMIN_STRINGS } from "../strings/admin.js";
import type { Api, ApiResponse } from "./session.js";

export type AdminStrings = (typeof ADMIN_STRINGS)["fr"];

/** What the console hands its parts: the API with the page's cookie, its words, where to say errors. */
export interface Console {
  api: Api;
  t: AdminStrings;
  lang: string;
  dayCount(): number;
  banner(message: string): void;
  errorText(response: ApiResponse<unknown>): string;
}
