import { html } from "hono/html";
import type { Lang } from "./i18n.js";
import { page } from "./layout.js";
import { HOME_STRINGS } from "./strings/home.js";

/** `GET /`: where a newcomer lands; links to the two pages and the API document. */
export function homePage(lang: Lang, options: { sandbox: boolean; nonce: string }) {
  const t = HOME_STRINGS[lang];
  const body = html`<main class="card">
  <h1>${t.title}</h1>
  <p class="lead">${t.lead}</p>
  ${options.sandbox ? html`<p class="sandbox">${t.sandbox}</p>` : ""}
  <ul class="links">
    <li><a href="/connect">${t.connect}</a><br><span class="muted">${t.connectText}</span></li>
    <li><a href="/admin">${t.admin}</a><br><span class="muted">${t.adminText}</span></li>
    <li><a href="/openapi.json">${t.api}</a><br><span class="muted">${t.apiText}</span></li>
  </ul>
  <p class="muted">${t.ops} <a href="/health">/health</a> · <a href="/ready">/ready</a> · <a href="/metrics">/metrics</a></p>
</main>`;
  return page({ lang, title: t.title, body, nonce: options.nonce });
}
