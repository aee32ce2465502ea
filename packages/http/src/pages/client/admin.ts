/**
 * The admin console's script (`/assets/admin.js`): sign-in by token, the day message editor and
 * its server-rendered preview. Charts and targets are in `/assets/admin-stats.js`. Every value
 * from the server is written with textContent, never as HTML.
 */
export const ADMIN_SCRIPT = String.raw`
import { openSession, saveSession } from "/assets/session.js";
import { initStats } from "/assets/admin-stats.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
const t = data.strings;
const API = "/api/relance/admin";
const $ = (id) => document.getElementById(id);
const state = { messages: new Map(), day: 1, dirty: false, lastText: null, previewTimer: null, mediaSeq: 0 };
let session = openSession("admin");

function banner(message) {
  $("banner").textContent = message || "";
  $("banner").hidden = !message;
}

export function errorText(response) {
  if (response.status === 0) return t["err.network"];
  if (response.status === 401) return t["err.unauthorized"];
  if (response.status === 403) return t["err.forbidden"];
  const error = response.body && response.body.error;
  if (error && error.code === "invalid_request") {
    const details = Array.isArray(error.details) ? error.details.map((d) => d.path + " : " + d.message).join(" ; ") : error.message;
    return t["err.invalid"] + " " + details;
  }
  return t["err.unknown"];
}

function showLogin(message) {
  $("console").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  banner(message);
  $("token-input").focus();
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token-input").value.trim();
  if (!token) return $("token-input").focus();
  $("token-input").value = "";
  // The page reloads signed in: the server sets the cookie from the posted token.
  saveSession("admin", token);
});
$("logout").addEventListener("click", () => {
  session.forget();
  session = null;
  showLogin("");
});

const dayCount = () => Math.max(7, ...state.messages.keys());

function renderDays() {
  const box = $("days");
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

function option(value, label, selected) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label;
  element.selected = value === selected;
  return element;
}

function field(labelText, control) {
  const wrap = document.createElement("div");
  const id = "media-" + ++state.mediaSeq;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = labelText;
  control.id = id;
  wrap.append(label, control);
  return wrap;
}

function addMediaRow(media = { url: "", type: "image", language: "both", caption: "" }) {
  const row = document.createElement("div");
  row.className = "media-row";
  const url = document.createElement("input");
  url.type = "url";
  url.value = media.url;
  url.dataset.field = "url";
  url.placeholder = "https://";
  const type = document.createElement("select");
  type.dataset.field = "type";
  for (const value of ["image", "video", "document", "audio"]) type.append(option(value, t["type." + value], media.type));
  const language = document.createElement("select");
  language.dataset.field = "language";
  for (const value of ["both", "fr", "en"]) language.append(option(value, t["lang." + value], media.language));
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
    $("media-none").hidden = $("media-list").children.length > 0;
  });
  const urlField = field(t.mediaUrl, url);
  urlField.className = "media-url";
  row.append(urlField, field(t.mediaType, type), field(t.mediaLanguage, language), field(t.mediaCaption, caption), remove);
  $("media-list").append(row);
  $("media-none").hidden = true;
  return row;
}

function selectDay(day) {
  state.day = day;
  const message = state.messages.get(day);
  $("editor-title").textContent = t.day + " " + day + (message ? "" : " (" + t.newDay + ")");
  $("active").checked = message ? message.active !== false : true;
  $("text-fr").value = message ? message.messageTemplate.fr || "" : "";
  $("text-en").value = message ? message.messageTemplate.en || "" : "";
  $("text-error").hidden = true;
  $("text-fr").removeAttribute("aria-invalid");
  $("media-list").replaceChildren();
  for (const media of (message && message.mediaUrls) || []) addMediaRow(media);
  $("media-none").hidden = $("media-list").children.length > 0;
  state.dirty = false;
  $("save").textContent = t.save + " (" + t.day.toLowerCase() + " " + day + ")";
  $("save-state").textContent = "";
  renderDays();
  preview();
}

function markDirty() {
  state.dirty = true;
  $("save-state").textContent = t.unsaved;
  // The preview follows the typing: the draft is rendered by the server, nothing is stored.
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(preview, 300);
}

function collect() {
  const messageTemplate = { fr: $("text-fr").value.trim() };
  const en = $("text-en").value.trim();
  if (en) messageTemplate.en = en;
  const mediaUrls = [...$("media-list").children]
    .map((row) => {
      const value = (name) => row.querySelector('[data-field="' + name + '"]').value.trim();
      const media = { url: value("url"), type: value("type"), language: value("language") };
      if (value("caption")) media.caption = value("caption");
      return media;
    })
    .filter((media) => media.url);
  // The console edits the default wording; the day's other variants (set through the API) are kept.
  const stored = state.messages.get(state.day);
  const variants = stored && stored.variants ? { variants: stored.variants, defaultWeight: stored.defaultWeight } : {};
  return { dayNumber: state.day, messageTemplate, mediaUrls, active: $("active").checked, ...variants };
}

async function save(event) {
  event.preventDefault();
  const message = collect();
  if (!message.messageTemplate.fr) {
    $("text-error").hidden = false;
    $("text-fr").setAttribute("aria-invalid", "true");
    return $("text-fr").focus();
  }
  $("text-error").hidden = true;
  $("text-fr").removeAttribute("aria-invalid");
  $("save-state").textContent = t.saving;
  const response = await session.api(API + "/messages", { method: "POST", body: message });
  if (!response.ok) {
    $("save-state").textContent = errorText(response);
    return;
  }
  banner("");
  state.messages.set(response.body.dayNumber, response.body);
  state.dirty = false;
  $("save-state").textContent = t.saved;
  $("editor-title").textContent = t.day + " " + state.day;
  renderDays();
  preview();
}

async function preview() {
  const day = state.day;
  const box = $("preview");
  const mediaBox = $("preview-media");
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
  const name = $("preview-name").value.trim();
  const response = await session.api(API + "/messages/preview", {
    method: "POST",
    body: {
      dayNumber: day,
      language: $("preview-lang").value,
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
      item.textContent = t["type." + media.type] + " : " + media.url + (media.caption ? " — " + media.caption : "");
      list.append(item);
    }
    mediaBox.append(title, list);
  }
}

function insertVariable(name) {
  const area = state.lastText || $("text-fr");
  const token = "{{" + name + "}}";
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? area.value.length;
  area.value = area.value.slice(0, start) + token + area.value.slice(end);
  area.focus();
  area.setSelectionRange(start + token.length, start + token.length);
  markDirty();
}

async function boot() {
  if (!session) return showLogin("");
  const response = await session.api(API + "/messages");
  if (!response.ok) {
    // The server already refused (and cleared) the page's cookie: only the message is left to say.
    if (response.status === 401 || response.status === 403) session = null;
    return showLogin(errorText(response));
  }
  banner("");
  $("login").hidden = true;
  $("console").hidden = false;
  $("logout").hidden = false;
  state.messages = new Map(response.body.items.map((message) => [message.dayNumber, message]));
  selectDay(state.day);
  stats.refresh();
  stats.searchTargets(false);
}

for (const id of ["text-fr", "text-en"]) {
  $(id).addEventListener("focus", () => (state.lastText = $(id)));
  $(id).addEventListener("input", markDirty);
}
$("active").addEventListener("change", markDirty);
$("media-list").addEventListener("input", markDirty);
$("media-add").addEventListener("click", () => {
  addMediaRow().querySelector("input").focus();
  markDirty();
});
for (const button of document.querySelectorAll("[data-var]")) button.addEventListener("click", () => insertVariable(button.dataset.var));
$("editor").addEventListener("submit", save);
$("preview-lang").addEventListener("change", preview);
$("preview-name").addEventListener("input", () => {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(preview, 250);
});

const stats = initStats({ api: (path, options) => session.api(path, options), t, lang: data.lang, dayCount, banner, errorText });
boot();
`;
