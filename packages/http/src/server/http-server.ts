import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { getRequestListener, RequestError } from "@hono/node-server";
import type { Hono } from "hono";
import { errorBody } from "../app/errors.js";

/**
 * The Node HTTP server around the Hono app. Requests that never reach the app — rejected by
 * Node's parser (headers too large, malformed request line or headers, timeouts) or by the
 * adapter (bad Host header, backslash in the path) — still answer with the contract's error
 * body instead of Node's empty one.
 */
export function createHttpServer(app: Hono, hostname: string | undefined): Server {
  const listener = getRequestListener(app.fetch, {
    ...(hostname ? { hostname } : {}),
    errorHandler: (error) =>
      error instanceof RequestError
        ? Response.json(errorBody("invalid_request", `Malformed HTTP request: ${error.message}`), { status: 400 })
        : Response.json(errorBody("internal", "The service could not complete the request"), { status: 500 }),
  });
  const server = createServer(listener);
  server.on("clientError", answerClientError);
  return server;
}

const PARSER_ERRORS: Record<string, [status: number, reason: string, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "headers_too_large", "The request's headers are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "request_timeout", "The request was not received in time"],
  ERR_HTTP_HEADERS_TIMEOUT: [408, "Request Timeout", "request_timeout", "The request's headers were not received in time"],
};
const MALFORMED: [number, string, string, string] = [400, "Bad Request", "invalid_request", "Malformed HTTP request"];

type ClientSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/** Node's own handler, with a JSON body: answer only if no response has started on the socket. */
export function answerClientError(error: NodeJS.ErrnoException, socket: ClientSocket): void {
  if (error.code === "ECONNRESET" || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = PARSER_ERRORS[error.code ?? ""] ?? MALFORMED;
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
