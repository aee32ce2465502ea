import { describe, expect, it } from "vitest";
import { createSessionCipher } from "@relance/adapters";
import { startTestApp } from "../support/test-app.js";

const OLD = "old-session-secret-0123456789abcdef";
const NEW = "new-session-secret-0123456789abcdef";

describe("security 12: the session re-encryption job over HTTP", () => {
  it("POST /internal/jobs/session-keys/run moves old blobs to the current key and says none is left", async () => {
    const t = await startTestApp({ WHATSAPP_SESSION_SECRET: `${NEW},${OLD}` });
    try {
      const old = createSessionCipher({ secrets: [OLD] });
      await t.service.storage.sessions.set("baileys:r1", { creds: old.encrypt("{}", { aad: JSON.stringify(["baileys:r1", "creds"]) }) });
      const run = await t.call("POST", "/api/relance/internal/jobs/session-keys/run", { service: true });
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ blobs: 1, reencrypted: 1, onOldKeys: 0 });
      expect(Object.keys(run.body.byKey)).toEqual([createSessionCipher({ secrets: [NEW] }).currentKeyId]);
    } finally {
      await t.close();
    }
  });
});
