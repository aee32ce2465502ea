import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, startService, type RunningService } from "../src/index.js";
import { JWT_SECRET, SERVICE_SECRET, SESSION_SECRET } from "./support/test-app.js";

let service: RunningService;
beforeAll(async () => {
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    RELANCE_STORAGE: "memory",
    RELANCE_TRANSPORT: "sandbox",
    RELANCE_JOBS: "off",
    RELANCE_JWT_SECRET: JWT_SECRET,
    RELANCE_SERVICE_SECRET: SERVICE_SECRET,
    WHATSAPP_SESSION_SECRET: SESSION_SECRET,
    LOG_LEVEL: "silent",
  });
  service = await startService(config);
});
afterAll(async () => {
  await service.close();
});

describe("1. oversized bodies", () => {
  it("a keep-alive client's next request still works after a 413", async () => {
    const big = JSON.stringify({ userId: "x".repeat(2 * 1024 * 1024) });
    const response = await fetch(`${service.url}/api/relance/internal/exit-user`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SERVICE_SECRET}`, "x-service-name": "t" },
      body: big,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: "payload_too_large", message: expect.any(String) } });
    for (let i = 0; i < 3; i++) {
      const next = await fetch(`${service.url}/health`);
      expect(next.status).toBe(200);
      await next.text();
    }
  });
});

/** Sends `request` as raw bytes and returns status, headers and parsed body of the answer. */
function rawRequest(request: string): Promise<{ status: number; headers: string; body: any }> {
  const { hostname, port } = new URL(service.url!);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("utf8")));
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = received.split("\r\n\r\n");
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // left as text: the assertion shows it
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: parsed });
    });
  });
}

describe("2. errors raised before the app (Node's parser, the adapter) use the contract's shape", () => {
  const shaped = (code: string) => ({ error: { code, message: expect.any(String) } });

  it("431 for headers over Node's limit", async () => {
    const answer = await rawRequest(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.headers).toContain("content-type: application/json");
    expect(answer.body).toEqual(shaped("headers_too_large"));
  });

  it("431 for thousands of headers", async () => {
    const headers = Array.from({ length: 3000 }, (_, i) => `h${i}: v\r\n`).join("");
    const answer = await rawRequest(`GET /health HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.body).toEqual(shaped("headers_too_large"));
  });

  it("400 for a malformed request line, header or length", async () => {
    for (const request of [
      "GARBAGE\r\n\r\n",
      "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
      "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    ]) {
      const answer = await rawRequest(request);
      expect(answer.status, request).toBe(400);
      expect(answer.body).toEqual(shaped("invalid_request"));
    }
  });

  it("400 for what the adapter refuses: a bad Host header, a backslash in the path", async () => {
    for (const request of ["GET /health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n", "GET /a\\b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"]) {
      const answer = await rawRequest(request);
      expect(answer.status, request).toBe(400);
      expect(answer.body).toEqual(shaped("invalid_request"));
    }
  });
});
