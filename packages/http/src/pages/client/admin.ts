/**
 * The admin console's script (`/assets/admin.js`): sign-in by token, the day message editor and
 * its server-rendered preview. Charts and targets are in `/assets/admin-stats.js`. Every value
 * from the server is written with textContent, never as HTML.
 */
import { byId, lookup, openSession, pageData, saveSession, type ApiError, type ApiResponse } from "./session.js";
import { initStats } from "./admin-stats.js";
import type { AdminStrings } from "./admin-types.js";

/** A day message as the console reads and writes it (`/admin/messages`). */
interface Media {
  url: string;
  type: string;
  language: string;
  caption?: string;
}

interface DayMessage {
  dayNumber: number;
  messageTemplate: { fr: string; en?: string };
  mediaUrls: Media[];
  active: boolean;
  variants?: unknown[];
  defaultWeight?: number;
}

interface Preview {
  text: string;
  media: Media[];
}

const data = pageData<AdminStrings>();
const t = data.strings;
const API = "/api/relance/admin";
const input = (id: string) => byId(id, HTMLInputElement);
const textArea = (id: string) => byId(id, HTMLTextAreaElement);
const state = {
  messages: new Map<number, DayMessage>(),
  day: 1,
  dirty: false,
  lastText: null as HTMLTextAreaElement | null,
  previewTimer: undefined as ReturnType<typeof setTimeout> | undefined,
  mediaSeq: 0,
};
let session = openSession();

function banner(message: string) {
  byId("banner").textContent = message || "";
  byId("banner").hidden = !message;
}

export function errorText(response: ApiResponse<unknown>): string {
  if (response.status === 0) return t["err.network"];
  if (response.status === 401) return t["err.unauthorized"];
  if (response.status === 403) return t["err.forbidden"];
  const error = (response.body as ApiError | null)?.error;
  if (error && error.code === "invalid_request") {
    const details = Array.isArray(error.details) ? error.details.map((d: { path?: unknown; message?: unknown }) => d.path + " : " + d.message).join(" ; ") : error.message;
    return t["err.invalid"] + " " + details;
  }
  return t["err.unknown"];
}

function showLogin(message: string) {
  byId("console").hidden = true;
  byId("logout").hidden = true;
  byId("login").hidden = false;
  banner(message);
  input("token-input").focus();
}

byId("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = input("token-input").value.trim();
  if (!token) return input("token-input").focus();
  input("token-input").value = "";
  // The page reloads signed in: the server sets the cookie from the posted token.
  saveSession(token);
});
byId("logout").addEventListener("click", () => {
  session?.forget();
  session = null;
  showLogin("");
});

const dayCount = () => Math.max(7, ...state.messages.keys());

function renderDays() {
  const box = byId("days");
  box.replaceChildren();
  const shown = Math.max(dayCount(), state.day);
  // One more day than those shown, to add a day after the last one.
  for (let day = 1; day <= Math.min(shown + 1, 30); day++) {
    const message = state.messages.get(day);
    const extra = day > shown;
    const kind = message ? (message.active ? t.active : t.inactive) : extra ? t.newDay : t.absent;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small" + (message ? (message.active ? "" : " inactive") : " absent");
    button.textContent = (extra ? "+ " : "") + t.dayShort + day;
    button.setAttribute("aria-label", t.day + " " + day + " (" + kind + ")");
    button.dataset.day = String(day);
    if (day === state.day) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => {
      if (day !== state.day && state.dirty && !confirm(t.discard)) return;
      selectDay(day);
    });
    box.append(button);
  }
}

function option(value: string, label: string | undefined, selected: string) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label ?? null;
  element.selected = value === selected;
  return element;
}

function field(labelText: string, control: HTMLElement) {
  const wrap = document.createElement("div");
  const id = "media-" + ++state.mediaSeq;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = labelText;
  control.id = id;
  wrap.append(label, control);
  return wrap;
}

function addMediaRow(media: Media = { url: "", type: "image", language: "both", caption: "" }) {
  const row = document.createElement("div");
  row.className = "media-row";
  const url = document.createElement("input");
  url.type = "url";
  url.value = media.url;
  url.dataset.field = "url";
  url.placeholder = "https://";
  const type = document.createElement("select");
  type.dataset.field = "type";
  for (const value of ["image", "video", "document", "audio"]) type.append(option(value, lookup(t, "type." + value), media.type));
  const language = document.createElement("select");
  language.dataset.field = "language";
  for (const value of ["both", "fr", "en"]) language.append(option(value, lookup(t, "lang." + value), media.language));
  const caption = document.createElement("input");
  caption.value = media.caption || "";
  caption.dataset.field = "caption";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "small";
  remove.textContent = t.mediaRemove;
  remove.addEventListener("click", () => {
    row.remove();
    markDirty();
    byId("media-none").hidden = byId("media-list").children.length > 0;
  });
  const urlField = field(t.mediaUrl, url);
  urlField.className = "media-url";
  row.append(urlField, field(t.mediaType, type), field(t.mediaLanguage, language), field(t.mediaCaption, caption), remove);
  byId("media-list").append(row);
  byId("media-none").hidden = true;
  return row;
}

function selectDay(day: number) {
  state.day = day;
  const message = state.messages.get(day);
  byId("editor-title").textContent = t.day + " " + day + (message ? "" : " (" + t.newDay + ")");
  input("active").checked = message ? message.active !== false : true;
  textArea("text-fr").value = message ? message.messageTemplate.fr || "" : "";
  textArea("text-en").value = message ? message.messageTemplate.en || "" : "";
  byId("text-error").hidden = true;
  textArea("text-fr").removeAttribute("aria-invalid");
  byId("media-list").replaceChildren();
  for (const media of (message && message.mediaUrls) || []) addMediaRow(media);
  byId("media-none").hidden = byId("media-list").children.length > 0;
  state.dirty = false;
  byId("save").textContent = t.save + " (" + t.day.toLowerCase() + " " + day + ")";
  byId("save-state").textContent = "";
  renderDays();
  preview();
}

function markDirty() {
  state.dirty = true;
  byId("save-state").textContent = t.unsaved;
  // The preview follows the typing: the draft is rendered by the server, nothing is stored.
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(preview, 300);
}

function collect(): DayMessage {
  const messageTemplate: DayMessage["messageTemplate"] = { fr: textArea("text-fr").value.trim() };
  const en = textArea("text-en").value.trim();
  if (en) messageTemplate.en = en;
  const mediaUrls = [...byId("media-list").children]
    .map((row) => {
      const value = (name: string) => row.querySelector<HTMLInputElement | HTMLSelectElement>('[data-field="' + name + '"]')!.value.trim();
      const media: Media = { url: value("url"), type: value("type"), language: value("language") };
      if (value("caption")) media.caption = value("caption");
      return media;
    })
    .filter((media) => media.url);
  // The console edits the default wording; the day's other variants (set through the API) are kept.
  const stored = state.messages.get(state.day);
  const variants = stored && stored.variants ? { variants: stored.variants, defaultWeight: stored.defaultWeight } : {};
  return { dayNumber: state.day, messageTemplate, mediaUrls, active: input("active").checked, ...variants };
}

async function save(event: Event) {
  event.preventDefault();
  const message = collect();
  if (!message.messageTemplate.fr) {
    byId("text-error").hidden = false;
    textArea("text-fr").setAttribute("aria-invalid", "true");
    return textArea("text-fr").focus();
  }
  byId("text-error").hidden = true;
  textArea("text-fr").removeAttribute("aria-invalid");
  byId("save-state").textContent = t.saving;
  const response = await session!.api<DayMessage>(API + "/messages", { method: "POST", body: message });
  if (!response.ok) {
    byId("save-state").textContent = errorText(response);
    return;
  }
  banner("");
  state.messages.set(response.body.dayNumber, response.body);
  state.dirty = false;
  byId("save-state").textContent = t.saved;
  byId("editor-title").textContent = t.day + " " + state.day;
  renderDays();
  preview();
}

async function preview() {
  const day = state.day;
  const box = byId("preview");
  const mediaBox = byId("preview-media");
  const draft = state.dirty ? collect() : null;
  if (draft && !draft.messageTemplate.fr) {
    box.textContent = t.textRequired;
    box.dataset.state = "empty";
    mediaBox.replaceChildren();
    return;
  }
  if (!draft && !state.messages.has(day)) {
    box.textContent = t.previewEmpty;
    box.dataset.state = "empty";
    mediaBox.replaceChildren();
    return;
  }
  const name = input("preview-name").value.trim();
  const response = await session!.api<Preview>(API + "/messages/preview", {
    method: "POST",
    body: {
      dayNumber: day,
      language: byId("preview-lang", HTMLSelectElement).value,
      ...(name ? { variables: { name } } : {}),
      ...(draft ? { draft: { messageTemplate: draft.messageTemplate, mediaUrls: draft.mediaUrls, active: draft.active } } : {}),
    },
  });
  if (day !== state.day) return;
  if (!response.ok) {
    box.textContent = errorText(response);
    box.dataset.state = "error";
    return;
  }
  box.textContent = response.body.text;
  box.dataset.state = "ready";
  mediaBox.replaceChildren();
  if (response.body.media.length > 0) {
    const title = document.createElement("p");
    title.className = "hint";
    title.textContent = t.previewMedia;
    const list = document.createElement("ul");
    for (const media of response.body.media) {
      const item = document.createElement("li");
      item.textContent = lookup(t, "type." + media.type) + " : " + media.url + (media.caption ? " — " + media.caption : "");
      list.append(item);
    }
    mediaBox.append(title, list);
  }
}

function insertVariable(name: string) {
  const area = state.lastText || textArea("text-fr");
  const token = "{{" + name + "}}";
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? area.value.length;
  area.value = area.value.slice(0, start) + token + area.value.slice(end);
  area.focus();
  area.setSelectionRange(start + token.length, start + token.length);
  markDirty();
}

async function boot() {
  // A token in the address is never taken (proxy logs keep addresses): the form says to paste it.
  if (!session) return showLogin(data.notice === "token-in-url" ? t.tokenInUrl : "");
  const response = await session.api<{ items: DayMessage[] }>(API + "/messages");
  if (!response.ok) {
    // The server already refused (and cleared) the page's cookie: only the message is left to say.
    if (response.status === 401 || response.status === 403) session = null;
    return showLogin(errorText(response));
  }
  banner("");
  byId("login").hidden = true;
  byId("console").hidden = false;
  byId("logout").hidden = false;
  state.messages = new Map(response.body.items.map((message) => [message.dayNumber, message]));
  selectDay(state.day);
  stats.refresh();
  stats.searchTargets(false);
  stats.keepFresh();
}

for (const id of ["text-fr", "text-en"]) {
  textArea(id).addEventListener("focus", () => (state.lastText = textArea(id)));
  textArea(id).addEventListener("input", markDirty);
}
input("active").addEventListener("change", markDirty);
byId("media-list").addEventListener("input", markDirty);
byId("media-add").addEventListener("click", () => {
  addMediaRow().querySelector("input")!.focus();
  markDirty();
});
for (const button of document.querySelectorAll<HTMLElement>("[data-var]")) button.addEventListener("click", () => insertVariable(button.dataset.var!));
byId("editor").addEventListener("submit", save);
byId("preview-lang").addEventListener("change", preview);
input("preview-name").addEventListener("input", () => {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(preview, 250);
});

const stats = initStats({ api: (path, options) => session!.api(path, options), t, lang: data.lang, dayCount, banner, errorText });
boot();
