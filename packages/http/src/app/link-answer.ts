import { qrDataUrl } from "@relance/adapters";
import type { LinkState, RelanceEngine } from "@relance/core";
import { ApiError } from "./errors.js";

/** Default for `RELANCE_CONNECT_WAIT_MS`: how long `POST /connect` waits before answering 202. */
export const DEFAULT_CONNECT_WAIT_MS = 2000;

export type ConnectAnswer = { status: 200 | 202; body: object };

/**
 * `POST /connect`'s answer within `waitMs`: the contract's three shapes (QR, pairing code,
 * connected); 202 with the `Status` while the transport is still getting there (the QR then
 * comes on `/status/events`); 502 `link_failed` with the reason when the link attempt failed.
 * Never a bare `{"status": "disconnected"}`, and never a client left waiting for 30 s.
 */
export async function answerConnect(
  engine: RelanceEngine,
  referrerUserId: string,
  linking: Promise<LinkState>,
  waitMs: number,
  onLateFailure: (error: unknown) => void,
): Promise<ConnectAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
  });
  let state: LinkState | null;
  try {
    state = await Promise.race([linking, timedOut]);
  } finally {
    clearTimeout(timer);
  }
  if (state === null) {
    // The attempt goes on; its outcome reaches the stored status and the event stream.
    linking.catch(onLateFailure);
    return { status: 202, body: await stillConnecting(engine, referrerUserId) };
  }
  switch (state.status) {
    case "pending_qr":
      if (state.qr) return { status: 200, body: { status: state.status, qr: { text: state.qr.text, dataUrl: state.qr.dataUrl ?? (await qrDataUrl(state.qr.text)) } } };
      return { status: 202, body: await stillConnecting(engine, referrerUserId) };
    case "pending_pairing":
      return { status: 200, body: { status: state.status, pairingCode: state.pairingCode ?? null } };
    case "connected":
      return { status: 200, body: { status: state.status, phone: state.phone } };
    case "connecting":
      return { status: 202, body: await stillConnecting(engine, referrerUserId) };
    default:
      throw new ApiError(502, "link_failed", `WhatsApp link failed${state.reason ? `: ${state.reason}` : ""}`, { status: state.status, reason: state.reason ?? null });
  }
}

async function stillConnecting(engine: RelanceEngine, referrerUserId: string) {
  const status = await engine.status(referrerUserId);
  const settled = status.status === "pending_qr" || status.status === "pending_pairing" || status.status === "connected";
  return settled ? status : { ...status, status: "connecting" as const };
}
