import type { PageSession } from "./page-session.js";
import { html } from "hono/html";
import { TEMPLATE_VARIABLES } from "@relance/core";
import type { Lang } from "./i18n.js";
import { page } from "./layout.js";
import { ADMIN_STRINGS } from "./strings/admin.js";

/**
 * `/admin`, signed in by pasting an admin JWT into its form (posted, never in a URL): the day
 * messages, the funnel and conversions as charts (Chart.js, served from /assets), and the targets.
 * `notice`: why the form is shown (a token that came in the address and was not taken).
 */
export function adminPage(lang: Lang, options: { nonce: string; session: PageSession | null; notice?: string | null }) {
  const t = ADMIN_STRINGS[lang];
  const body = html`<header class="top"><div class="inner">
  <h1>${t.heading}</h1>
  <nav class="sections" aria-label="${t.heading}">
    <a href="/">${t.home}</a><a href="#messages">${t.navMessages}</a><a href="#funnel">${t.navFunnel}</a><a href="#lift">${t.navLift}</a><a href="#targets">${t.navTargets}</a>
    <button type="button" id="logout" class="link" hidden>${t.logout}</button>
  </nav>
</div></header>
<main>
  <p id="banner" class="alert" role="alert" hidden></p>

  <section id="login" class="card" hidden>
    <h2>${t.loginTitle}</h2>
    <p class="lead">${t.loginLead}</p>
    <form id="login-form">
      <label for="token-input">${t.tokenLabel}</label>
      <input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" aria-describedby="token-hint" required>
      <p id="token-hint" class="hint">${t.tokenHint}</p>
      <button type="submit" class="primary">${t.open}</button>
    </form>
  </section>

  <div id="console" hidden>
  <section id="messages" class="card" aria-labelledby="messages-title">
    <h2 id="messages-title">${t.messagesTitle}</h2>
    <div id="days" class="days" role="group" aria-label="${t.daysLabel}"></div>
    <div class="grid two">
      <form id="editor" novalidate>
        <h3 id="editor-title"></h3>
        <p><label class="row" style="font-weight:600"><input type="checkbox" id="active"> ${t.activeLabel}</label><span class="hint">${t.activeHint}</span></p>
        <p id="vars-label" class="hint">${t.varsLabel}</p>
        <div class="vars" role="group" aria-labelledby="vars-label">
          ${TEMPLATE_VARIABLES.map((name) => html`<button type="button" class="small" data-var="${name}" title="${t[`var.${name}` as keyof typeof t]}">{{${name}}}</button>`)}
        </div>
        <label for="text-fr">${t.textFr}</label>
        <textarea id="text-fr" required aria-describedby="text-error"></textarea>
        <p id="text-error" class="field-error" hidden>${t.textRequired}</p>
        <label for="text-en">${t.textEn}</label>
        <textarea id="text-en" aria-describedby="text-en-hint"></textarea>
        <p id="text-en-hint" class="hint">${t.textEnHint}</p>
        <h3>${t.mediaTitle}</h3>
        <div id="media-list"></div>
        <p id="media-none" class="muted">${t.mediaNone}</p>
        <button type="button" id="media-add" class="small">${t.mediaAdd}</button>
        <p class="row" style="margin-top:1rem"><button type="submit" id="save" class="primary">${t.save}</button> <span id="save-state" role="status" class="muted"></span></p>
      </form>
      <aside aria-labelledby="preview-title">
        <h3 id="preview-title">${t.previewTitle}</h3>
        <p class="hint">${t.previewNote}</p>
        <label for="preview-lang">${t.previewLanguage}</label>
        <select id="preview-lang"><option value="fr">${t["lang.fr"]}</option><option value="en">${t["lang.en"]}</option></select>
        <label for="preview-name">${t.previewName}</label>
        <input id="preview-name" value="Marie Dupont">
        <p id="preview" class="preview" aria-live="polite"></p>
        <div id="preview-media"></div>
      </aside>
    </div>
  </section>

  <section id="funnel" class="card" aria-labelledby="funnel-title">
    <div class="row" style="justify-content:space-between"><h2 id="funnel-title">${t.funnelTitle}</h2><button type="button" id="refresh" class="small">${t.refresh}</button></div>
    <p class="muted">${t.funnelLead} <span id="summary"></span></p>
    <div class="grid charts">
      <figure>
        <div class="chart-box"><canvas id="funnel-chart" role="img" aria-label="${t.funnelChart}"></canvas></div>
        <figcaption class="hint">${t.funnelChart}</figcaption>
        <details><summary>${t.figures}</summary><div class="table-wrap"><table id="funnel-table"><thead><tr><th scope="col">${t.stage}</th><th scope="col">${t.count}</th></tr></thead><tbody></tbody></table></div></details>
      </figure>
      <figure>
        <div class="chart-box"><canvas id="conversions-chart" role="img" aria-label="${t.conversionsChart}"></canvas></div>
        <figcaption class="hint">${t.conversionsChart}</figcaption>
        <details><summary>${t.figures}</summary><div class="table-wrap"><table id="conversions-table"><thead><tr><th scope="col">${t.day}</th><th scope="col">${t.conversionsByDay}</th></tr></thead><tbody></tbody></table></div></details>
      </figure>
    </div>
    <h3 id="variants-title">${t.variantsTitle}</h3>
    <p class="muted">${t.variantsLead}</p>
    <div class="table-wrap"><table id="variants-table" aria-labelledby="variants-title"><thead><tr><th scope="col">${t.day}</th><th scope="col">${t.variant}</th><th scope="col">${t.variantSent}</th><th scope="col">${t.variantConverted}</th><th scope="col">${t.variantRate}</th></tr></thead><tbody></tbody></table></div>
  </section>

  <section id="lift" class="card" aria-labelledby="lift-title">
    <h2 id="lift-title">${t.liftTitle}</h2>
    <p class="muted">${t.liftLead}</p>
    <p id="lift-summary" role="status"></p>
    <div class="grid charts">
      <figure>
        <div class="chart-box"><canvas id="lift-chart" role="img" aria-label="${t.liftChart}"></canvas></div>
        <figcaption class="hint">${t.liftChart}</figcaption>
      </figure>
      <figure>
        <div class="chart-box"><canvas id="lift-gain-chart" role="img" aria-label="${t.liftGainChart}"></canvas></div>
        <figcaption class="hint">${t.liftGainChart}</figcaption>
      </figure>
    </div>
    <details><summary>${t.figures}</summary><div class="table-wrap"><table id="lift-table"><thead><tr><th scope="col">${t.day}</th><th scope="col">${t.liftTreated}</th><th scope="col">${t.liftHoldout}</th><th scope="col">${t.liftGain}</th><th scope="col">${t.liftBand}</th></tr></thead><tbody></tbody></table></div></details>
    <form id="settings-form" class="row">
      <div><label for="holdout-percent">${t.holdoutLabel}</label><input id="holdout-percent" name="holdoutPercent" type="number" min="0" max="50" step="1" inputmode="numeric" aria-describedby="holdout-hint"></div>
      <div style="align-self:flex-end"><button type="submit" class="primary">${t.save}</button> <span id="settings-state" role="status" class="muted"></span></div>
    </form>
    <p id="holdout-hint" class="hint">${t.holdoutHint}</p>
  </section>

  <section id="targets" class="card" aria-labelledby="targets-title">
    <h2 id="targets-title">${t.targetsTitle}</h2>
    <form id="targets-form" class="row">
      <div class="grow"><label for="filter-referrer">${t.referrerFilter}</label><input id="filter-referrer" name="referrerId" autocomplete="off"></div>
      <div><label for="filter-status">${t.statusFilter}</label>
        <select id="filter-status" name="status"><option value="">${t.allStatuses}</option><option value="active">${t["status.active"]}</option><option value="completed">${t["status.completed"]}</option><option value="exited">${t["status.exited"]}</option><option value="holdout">${t["status.holdout"]}</option></select></div>
      <div style="align-self:flex-end"><button type="submit" class="primary">${t.search}</button></div>
    </form>
    <div class="table-wrap"><table id="targets-table">
      <caption class="sr-only">${t.targetsTitle}</caption>
      <thead><tr><th scope="col">${t["col.referral"]}</th><th scope="col">${t["col.referrer"]}</th><th scope="col">${t["col.status"]}</th><th scope="col">${t["col.day"]}</th><th scope="col">${t["col.sent"]}</th><th scope="col">${t["col.exit"]}</th><th scope="col">${t["col.entered"]}</th><th scope="col">${t["col.next"]}</th></tr></thead>
      <tbody></tbody>
    </table></div>
    <p id="targets-empty" class="muted" hidden>${t.noTargets}</p>
    <button type="button" id="targets-more" hidden>${t.more}</button>
  </section>

  <section id="senders" class="card" aria-labelledby="senders-title">
    <h2 id="senders-title">${t.sendersTitle}</h2>
    <p class="muted">${t.sendersLead}</p>
    <div class="table-wrap"><table id="senders-table">
      <caption class="sr-only">${t.sendersTitle}</caption>
      <thead><tr><th scope="col">${t["col.referrer"]}</th><th scope="col">${t["col.health"]}</th><th scope="col">${t["col.delivered"]}</th><th scope="col">${t["col.reason"]}</th><th scope="col">${t["col.today"]}</th><th scope="col">${t["col.dayStarts"]}</th><th scope="col">${t["col.newChats"]}</th></tr></thead>
      <tbody></tbody>
    </table></div>
    <p id="senders-empty" class="muted" hidden>${t.noSenders}</p>
  </section>
  </div>
</main>`;
  return page({ lang, title: t.title, body, wide: true, nonce: options.nonce, data: { lang, strings: t, variables: TEMPLATE_VARIABLES, session: options.session, notice: options.notice ?? null }, scripts: ["chart.umd.min.js"], modules: ["admin.js"] });
}
