import type { EnrollmentCursor, EnrollmentCursorRepository } from "@relance/core";

export function createMemoryEnrollmentCursors(): EnrollmentCursorRepository {
  const cursors = new Map<string, EnrollmentCursor>();
  return {
    async get(referrerUserId) {
      const cursor = cursors.get(referrerUserId);
      return cursor ? structuredClone(cursor) : null;
    },
    async set(cursor) {
      cursors.set(cursor.referrerUserId, structuredClone(cursor));
    },
  };
}
