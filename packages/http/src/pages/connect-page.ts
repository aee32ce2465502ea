import type { PageSession } from "./page-session.js";
import { html } from "hono/html";
import type { Lang } from "./i18n.js";
import { page } from "./layout.js";
import { CONNECT_STRINGS } from "./strings/connect.js";

/**
 * `/connect?token=<connect link>`: the referrer links their WhatsApp. Phones get the pairing code
 * first (a phone cannot scan its own screen), large screens the QR; both are one tap away. The
 * script (`/assets/connect.js`) follows the status stream and keeps only the current state on
 * screen.
 */
export function connectPage(lang: Lang, options: { sandbox: boolean; nonce: string; session: PageSession | null; account?: string | null }) {
  const t = CONNECT_STRINGS[lang];
  // Security review 2, L2: the page says which account a link belongs to, so a link someone else
  // sent cannot make a referrer link their WhatsApp to that other account unawares.
  const body = html`<main class="card">
  <h1>${t.heading}</h1>
  ${options.account ? html`<p id="account" class="lead">${t.account} <strong>${options.account}</strong></p>` : ""}
  <p class="lead">${t.lead}</p>
  <p><span id="status" class="badge" role="status" aria-live="polite" data-status="loading">${t.loading}</span></p>
  <p id="linked-phone" hidden></p>

  <div id="methods" class="segmented" role="group" aria-label="${t.methods}" hidden>
    <button type="button" id="tab-pairing" aria-pressed="false" aria-controls="panel-pairing">${t.tabPairing}</button>
    <button type="button" id="tab-qr" aria-pressed="false" aria-controls="panel-qr">${t.tabQr}</button>
  </div>

  <section id="panel-pairing" aria-labelledby="tab-pairing" hidden>
    <form id="pairing-form" novalidate>
      <label for="phone-input">${t.phoneLabel}</label>
      <input id="phone-input" name="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder="+33 6 12 34 56 78" aria-describedby="phone-hint phone-error" required>
      <p id="phone-hint" class="hint">${t.phoneHint}</p>
      <p id="phone-error" class="field-error" hidden></p>
      <button type="submit" class="primary" id="get-code">${t.getCode}</button>
    </form>
    <div id="pairing-result" hidden>
      <p>${t.codeIntro}</p>
      <p id="pairing-code" class="code" aria-label="${t.codeLabel}"></p>
      <p class="row"><button type="button" id="copy-code" class="small">${t.copy}</button> <span id="copy-done" class="muted" role="status" hidden>${t.copied}</span></p>
      <ol class="steps">
        <li>${t.pairStep1}</li>
        <li>${t.pairStep2}</li>
        <li>${t.pairStep3}</li>
        <li>${t.pairStep4}</li>
      </ol>
      <p class="hint">${t.pairNotification}</p>
      <button type="button" id="change-number" class="link">${t.changeNumber}</button>
    </div>
  </section>

  <section id="panel-qr" aria-labelledby="tab-qr" hidden>
    <img id="qr" alt="${t.qrAlt}" width="264" height="264" hidden>
    <ol class="steps">
      <li>${t.qrStep1}</li>
      <li>${t.qrStep2}</li>
      <li>${t.qrStep3}</li>
    </ol>
    <p class="hint">${t.qrOnPhone}</p>
  </section>

  <section id="failure" class="alert" hidden>
    <h2 id="failure-title">${t.failedTitle}</h2>
    <p id="failure-reason"></p>
    <button type="button" id="retry" class="primary">${t.retry}</button>
  </section>

  <section id="done" class="success" hidden>
    <h2>${t.connectedTitle}</h2>
    <p>${t.connectedText}</p>
  </section>

  ${options.sandbox
    ? html`<section id="sandbox" class="sandbox" hidden>
    <h2>${t.sandboxTitle}</h2>
    <p class="hint">${t.sandboxText}</p>
    <label for="sandbox-phone">${t.sandboxPhone}</label>
    <div class="row"><input id="sandbox-phone" class="grow" type="tel" value="+33600000001"> <button type="button" id="sandbox-link">${t.sandboxLink}</button></div>
  </section>`
    : ""}
</main>`;
  return page({ lang, title: t.title, body, nonce: options.nonce, data: { lang, sandbox: options.sandbox, strings: t, session: options.session }, modules: ["connect.js"] });
}
