/** The message of whatever was thrown, for logs and reasons. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
