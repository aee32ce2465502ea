/**
 * The connect page's script (`/assets/connect.js`). One `show(view)` draws every element from the
 * current view alone, so nothing from an earlier state (a QR, a phone, instructions) can stay on
 * screen. Credentials go through `/assets/session.js` only.
 */
import { byId, openSession, pageData, type ApiResponse } from "./session.js";
import { words, type ConnectStrings, type LinkReason } from "./connect-words.js";

/** What the page reads of a Status (`GET /status`, the stream's `status` event, a connect answer). */
interface Status extends LinkReason {
  status: string;
  phone?: string | null;
  qr?: Qr | null;
  pairingCode?: string | null;
}

interface Qr {
  text: string;
  dataUrl: string;
}

type Mode = "pairing" | "qr";
type View = "loading" | "fatal" | "pairing-form" | "pairing-busy" | "pairing-code" | "qr-busy" | "qr" | "failed" | "connected";
interface Detail {
  code?: string;
  qr?: Qr;
  message?: string;
  phone?: string | null | undefined;
}

const data = pageData<ConnectStrings>();
const t = data.strings;
const { formatCode, normalizePhone, errorMessage, reasonMessage } = words(t);
const optional = <T extends HTMLElement>(id: string, kind: new () => T) => (document.getElementById(id) ? byId(id, kind) : null);
const el = {
  status: byId("status"), linkedPhone: byId("linked-phone"), methods: byId("methods"), tabPairing: byId("tab-pairing", HTMLButtonElement), tabQr: byId("tab-qr", HTMLButtonElement),
  panelPairing: byId("panel-pairing"), form: byId("pairing-form", HTMLFormElement), phoneInput: byId("phone-input", HTMLInputElement), phoneError: byId("phone-error"), getCode: byId("get-code", HTMLButtonElement),
  pairingResult: byId("pairing-result"), pairingCode: byId("pairing-code"), copy: byId("copy-code", HTMLButtonElement), copyDone: byId("copy-done"), change: byId("change-number", HTMLButtonElement),
  panelQr: byId("panel-qr"), qr: byId("qr", HTMLImageElement), failure: byId("failure"), failureReason: byId("failure-reason"), retry: byId("retry", HTMLButtonElement), done: byId("done"),
  // Only in the sandbox.
  sandbox: optional("sandbox", HTMLElement), sandboxPhone: optional("sandbox-phone", HTMLInputElement), sandboxLink: optional("sandbox-link", HTMLButtonElement),
};
const API = "/api/relance";
// A phone cannot scan its own screen: small screens start with the code to type.
const PHONE_FIRST = window.matchMedia("(max-width: 700px)").matches;

const state = {
  mode: (PHONE_FIRST ? "pairing" : "qr") as Mode,
  view: "loading" as View,
  linking: false,
  inFlight: null as Mode | null,
  started: false,
  streamOpen: false,
  lastStatus: null as string | null,
  ownDisconnects: 0,
  pairingPhone: null as string | null,
  code: null as string | null,
};

const BADGES: Record<View, [string, string]> = {
  loading: ["loading", t.loading], fatal: ["error", t["status.error"]],
  "pairing-form": ["disconnected", t["status.disconnected"]], "pairing-busy": ["connecting", t["status.preparing"]], "pairing-code": ["pending_pairing", t["status.pending_pairing"]],
  "qr-busy": ["connecting", t["status.preparing"]], qr: ["pending_qr", t["status.pending_qr"]],
  failed: ["failed", t["status.failed"]], connected: ["connected", t["status.connected"]],
};

function show(view: View, detail: Detail = {}) {
  state.view = view;
  const pairing = state.mode === "pairing";
  el.methods.hidden = !["pairing-form", "pairing-busy", "pairing-code", "qr-busy", "qr", "failed"].includes(view);
  el.tabPairing.setAttribute("aria-pressed", String(pairing));
  el.tabQr.setAttribute("aria-pressed", String(!pairing));
  el.panelPairing.hidden = !view.startsWith("pairing");
  el.form.hidden = !(view === "pairing-form" || view === "pairing-busy");
  el.getCode.disabled = view === "pairing-busy";
  el.pairingResult.hidden = view !== "pairing-code";
  state.code = view === "pairing-code" ? (detail.code ?? null) : null;
  el.pairingCode.textContent = state.code ? formatCode(state.code) : "";
  el.pairingCode.dataset.code = state.code || "";
  el.copyDone.hidden = true;
  el.panelQr.hidden = !view.startsWith("qr");
  el.qr.hidden = view !== "qr";
  if (view === "qr" && detail.qr) {
    el.qr.src = detail.qr.dataUrl;
    el.qr.dataset.text = detail.qr.text;
  } else {
    el.qr.removeAttribute("src");
    delete el.qr.dataset.text;
  }
  el.failure.hidden = !(view === "failed" || view === "fatal");
  el.failureReason.textContent = view === "failed" || view === "fatal" ? (detail.message ?? "") : "";
  el.retry.hidden = view !== "failed";
  el.done.hidden = view !== "connected";
  const phone = view === "connected" ? detail.phone : null;
  el.linkedPhone.hidden = !phone;
  el.linkedPhone.textContent = phone ? t.linkedAs + " " + phone : "";
  if (el.sandbox) el.sandbox.hidden = !(view === "qr" || view === "pairing-code");
  const [status, label] = BADGES[view];
  el.status.dataset.status = status;
  el.status.textContent = label;
}

function fail(message: string) {
  state.linking = false;
  show("failed", { message });
  el.retry.focus();
}

const session = openSession();

async function ownDisconnect() {
  state.ownDisconnects++;
  state.linking = false;
  await session!.api(API + "/disconnect", { method: "POST", body: {} });
  state.lastStatus = "disconnected";
}

const pending = () => state.lastStatus === "pending_qr" || state.lastStatus === "pending_pairing" || state.lastStatus === "connecting";

function handleConnectAnswer(response: ApiResponse<Status>, mode: Mode) {
  if (state.mode !== mode || state.view === "connected") return;
  if (!response.ok) {
    const error = (response.body && response.body.error) || {};
    // The link attempt itself failed (502 link_failed): its reason is in the details.
    if (error.code === "link_failed") return fail(reasonMessage((error.details as LinkReason | undefined) || {}));
    const unsupported = errorMessage(response) === t["err.pairing_unsupported"];
    if (mode === "pairing" && response.status === 400 && !unsupported) {
      show("pairing-form");
      return fieldError(errorMessage(response));
    }
    return fail(errorMessage(response));
  }
  const body = response.body;
  state.lastStatus = body.status;
  if (body.status === "connected") {
    state.linking = false;
    return show("connected", { phone: body.phone });
  }
  if (body.status === "pending_qr" && body.qr && mode === "qr") return show("qr", { qr: body.qr });
  if (body.status === "pending_pairing" && body.pairingCode && mode === "pairing") {
    show("pairing-code", { code: body.pairingCode });
    if (el.sandboxPhone && state.pairingPhone) el.sandboxPhone.value = state.pairingPhone;
    return;
  }
  // Still on its way (a 202 with the Status): the stream tells what comes next.
  if (body.status === "connecting" || body.status === "pending_qr" || body.status === "pending_pairing") {
    el.status.textContent = t["status.connecting"];
    return;
  }
  fail(reasonMessage(body));
}

/** connect() with at most one call in flight per method: the stream may ask again for the QR or the code. */
async function requestLink(mode: Mode) {
  if (state.inFlight === mode) return;
  state.inFlight = mode;
  const body = mode === "qr" ? { method: "qr" } : { method: "pairing_code", phone: state.pairingPhone };
  const connect = () => session!.api<Status>(API + "/connect", { method: "POST", body });
  let response = await connect();
  if (response.status === 409) {
    await ownDisconnect();
    state.linking = true;
    response = await connect();
  }
  if (state.inFlight === mode) state.inFlight = null;
  handleConnectAnswer(response, mode);
}

async function startQr() {
  state.linking = true;
  show("qr-busy");
  if (state.lastStatus === "pending_pairing") await ownDisconnect();
  state.linking = true;
  await requestLink("qr");
}

async function startPairing(phone: string) {
  state.pairingPhone = phone;
  show("pairing-busy");
  // A code in progress may be for another number: start afresh.
  if (pending()) await ownDisconnect();
  state.linking = true;
  await requestLink("pairing");
}

function begin() {
  if (state.mode === "qr") return startQr();
  state.linking = false;
  show("pairing-form");
  if (state.pairingPhone) el.phoneInput.value = state.pairingPhone;
  return undefined;
}

function fieldError(message: string) {
  el.phoneError.textContent = message;
  el.phoneError.hidden = false;
  el.phoneInput.setAttribute("aria-invalid", "true");
  el.phoneInput.focus();
}

function onStatus(status: Status) {
  state.lastStatus = status.status;
  if (status.status === "connected") {
    state.linking = false;
    return show("connected", { phone: status.phone });
  }
  if (status.status === "pending_qr" || status.status === "pending_pairing") {
    state.ownDisconnects = 0;
    // The link answered "still connecting" before: the code (or a QR missed) is asked again.
    if (state.linking && status.status === "pending_pairing" && state.view === "pairing-busy") requestLink("pairing");
    if (state.linking && status.status === "pending_qr" && state.view === "qr-busy") requestLink("qr");
    return;
  }
  if (status.status === "connecting") {
    if (state.linking) el.status.textContent = t["status.connecting"];
    return;
  }
  // disconnected, logged_out, failed: the end of a link in progress, or of the connection.
  if (status.status === "disconnected" && state.ownDisconnects > 0) {
    state.ownDisconnects--;
    return;
  }
  if (state.linking || state.view === "connected") fail(reasonMessage(status));
}

function openStream() {
  const events = session!.events(API + "/status/events");
  let first = true;
  events.addEventListener("open", () => (first = true));
  events.addEventListener("status", (event) => {
    const status: Status = JSON.parse(event.data);
    const isFirst = first;
    first = false;
    if (!state.started) {
      // The stream's first status is where the page starts from (it cannot be stale).
      state.started = true;
      state.lastStatus = status.status;
      if (status.status === "connected") return show("connected", { phone: status.phone });
      return begin();
    }
    // After a reconnection the stream repeats the current status: only a change counts.
    if (isFirst && status.status === state.lastStatus) return;
    onStatus(status);
  });
  events.addEventListener("qr", (event) => {
    if (state.mode === "qr" && state.linking && (state.view === "qr" || state.view === "qr-busy")) show("qr", { qr: JSON.parse(event.data) });
  });
}

async function start() {
  show("loading");
  // The stream cannot tell why it fails: one plain call first tells an expired link apart.
  const first = await session!.api<Status>(API + "/status");
  if (first.status === 401 || first.status === 403) return show("fatal", { message: errorMessage(first) });
  if (!first.ok) return fail(errorMessage(first));
  if (!state.streamOpen) {
    state.streamOpen = true;
    openStream();
  } else {
    state.lastStatus = first.body.status;
    if (first.body.status === "connected") return show("connected", { phone: first.body.phone });
    begin();
  }
}

if (!session) {
  show("fatal", { message: t["err.missing_token"] });
} else {
  el.tabPairing.addEventListener("click", () => switchTo("pairing"));
  el.tabQr.addEventListener("click", () => switchTo("qr"));
  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const phone = normalizePhone(el.phoneInput.value);
    if (!phone) return fieldError(t.phoneInvalid);
    el.phoneError.hidden = true;
    el.phoneInput.removeAttribute("aria-invalid");
    startPairing(phone);
  });
  el.copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(state.code || "");
      el.copyDone.hidden = false;
    } catch {
      // Clipboard refused (permissions): the code stays on screen to be typed.
    }
  });
  el.change.addEventListener("click", async () => {
    await ownDisconnect();
    begin();
    el.phoneInput.focus();
  });
  el.retry.addEventListener("click", () => (state.started ? begin() : start()));
  const sandboxLink = el.sandboxLink;
  if (sandboxLink) {
    sandboxLink.addEventListener("click", async () => {
      const phone = normalizePhone(el.sandboxPhone?.value) || state.pairingPhone || "+33600000001";
      await fetch(API + "/sandbox/link", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: session.subject(), phone }) });
    });
  }
  start();
}

async function switchTo(mode: Mode) {
  if (state.mode === mode && state.view !== "failed") return;
  state.mode = mode;
  if (pending()) await ownDisconnect();
  state.linking = false;
  begin();
}
