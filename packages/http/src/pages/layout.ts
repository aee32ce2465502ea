import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Lang } from "./i18n.js";

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageShell {
  lang: Lang;
  title: string;
  body: Markup;
  /** Given to the page's script as JSON (strings, flags); never executed. */
  data?: unknown;
  /** Module scripts under /assets (no inline script: a strict CSP can forbid them). */
  modules?: string[];
  /** Classic scripts under /assets, run before the modules (e.g. the charting library). */
  scripts?: string[];
  wide?: boolean;
  /** The CSP nonce of this response: only scripts carrying it run. */
  nonce: string;
}

/** JSON inside a <script> element: "<" escaped so that no value can close the element. */
const scriptJson = (value: unknown) => raw(JSON.stringify(value ?? {}).replace(/</g, "\\u003c"));

export function page(shell: PageShell): Markup {
  return html`<!doctype html>
<html lang="${shell.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${shell.title}</title>
<link rel="stylesheet" href="/assets/pages.css">
<script type="application/json" id="page-data">${scriptJson(shell.data)}</script>
${(shell.scripts ?? []).map((src) => html`<script src="/assets/${src}" nonce="${shell.nonce}" defer></script>`)}
${(shell.modules ?? []).map((src) => html`<script type="module" src="/assets/${src}" nonce="${shell.nonce}"></script>`)}
</head>
<body class="${shell.wide ? "wide" : "narrow"}">
${shell.body}
</body>
</html>`;
}
