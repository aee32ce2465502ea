/**
 * The pages' one stylesheet. Colours are chosen for WCAG AA contrast (4.5:1 for text) on their
 * backgrounds; focus is always visible; layouts start from a 360 px phone.
 */
export const PAGES_CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #f2f4f7; line-height: 1.5; }
* { box-sizing: border-box; }
body { margin: 0; }
[hidden] { display: none !important; }
a { color: #0b57a4; }
:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 1.25rem 0 .5rem; }
.card { background: #fff; border-radius: 16px; padding: 24px; box-shadow: 0 6px 20px rgba(15, 23, 42, .08); }
body.narrow main { max-width: 480px; margin: 24px auto; }
body.wide main { max-width: 1180px; margin: 0 auto; padding: 16px; }
@media (max-width: 520px) { body.narrow main { margin: 0; border-radius: 0; min-height: 100vh; padding: 20px 16px; } }
.lead { color: #3e4c59; margin: 0 0 1rem; }
.hint { color: #52606d; font-size: .9rem; margin: .25rem 0 .75rem; }
label { font-weight: 600; display: block; margin: .75rem 0 .25rem; }
input, select, textarea { font: inherit; color: inherit; border: 1px solid #7b8794; border-radius: 8px; padding: 10px 12px; width: 100%; background: #fff; }
textarea { min-height: 110px; resize: vertical; }
input[type="checkbox"] { width: auto; transform: scale(1.3); margin-right: .5rem; }
button { font: inherit; cursor: pointer; border-radius: 10px; padding: 10px 16px; border: 1px solid #0b57a4; background: #fff; color: #0b57a4; min-height: 44px; }
button.primary { background: #0b57a4; color: #fff; font-weight: 600; }
button.primary:hover { background: #094a8c; }
button.small { min-height: 36px; padding: 6px 10px; font-size: .9rem; }
button.link { border: none; background: none; text-decoration: underline; padding: 6px 0; min-height: 0; }
button:disabled { opacity: .6; cursor: default; }
.badge { font-weight: 600; padding: 6px 12px; border-radius: 999px; background: #e4e7eb; color: #323f4b; display: inline-block; }
.badge[data-status="connected"] { background: #d3f9d8; color: #14532d; }
.badge[data-status="failed"], .badge[data-status="logged_out"], .badge[data-status="error"] { background: #ffe3e3; color: #8a1c1c; }
.badge[data-status="pending_qr"], .badge[data-status="pending_pairing"] { background: #fff3bf; color: #5c4300; }
.segmented { display: flex; gap: 0; margin: 1rem 0; border: 1px solid #0b57a4; border-radius: 10px; overflow: hidden; }
.segmented button { flex: 1; border: none; border-radius: 0; }
.segmented button[aria-pressed="true"] { background: #0b57a4; color: #fff; font-weight: 600; }
.code { font: 700 2rem/1.2 ui-monospace, "SFMono-Regular", Menlo, monospace; letter-spacing: .15em; text-align: center; background: #f0f4f8; border-radius: 12px; padding: 14px 8px; margin: .5rem 0; word-break: break-all; }
#qr { width: 264px; height: 264px; margin: 8px auto; display: block; image-rendering: pixelated; }
ol.steps { padding-left: 1.25rem; }
ol.steps li { margin: .35rem 0; }
.alert { border-left: 4px solid #c92a2a; background: #fff5f5; padding: 12px 16px; border-radius: 8px; margin: 1rem 0; }
.alert h2 { margin-top: 0; color: #8a1c1c; }
.success { border-left: 4px solid #2b8a3e; background: #ebfbee; padding: 12px 16px; border-radius: 8px; margin: 1rem 0; }
.success h2 { margin-top: 0; color: #14532d; }
.sandbox { border: 2px dashed #7b8794; border-radius: 12px; padding: 12px 16px; margin-top: 1.5rem; background: #fafbfc; }
.sandbox h2 { margin-top: 0; }
.row { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.row > * { flex: 0 0 auto; }
.grow { flex: 1 1 200px !important; }
.muted { color: #52606d; }
.field-error { color: #8a1c1c; font-weight: 600; margin: .25rem 0; }
header.top { background: #102a43; color: #fff; padding: 12px 16px; }
header.top .inner { max-width: 1180px; margin: 0 auto; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; justify-content: space-between; }
header.top h1 { font-size: 1.25rem; margin: 0; }
header.top a, header.top button.link { color: #fff; }
nav.sections { display: flex; gap: 16px; flex-wrap: wrap; }
.grid { display: grid; gap: 16px; grid-template-columns: 1fr; }
@media (min-width: 900px) { .grid.two { grid-template-columns: 3fr 2fr; } .grid.charts { grid-template-columns: 1fr 1fr; } }
section.card { margin-top: 16px; }
.days { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 12px; }
.days button[aria-current="true"] { background: #0b57a4; color: #fff; }
.days button.inactive { border-style: dashed; color: #52606d; }
.days button.absent { border-style: dotted; color: #52606d; }
.vars { display: flex; flex-wrap: wrap; gap: 6px; margin: .5rem 0; }
.preview { white-space: pre-wrap; background: #e7f5e9; border-radius: 12px 12px 12px 2px; padding: 12px; min-height: 3rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #d9e2ec; vertical-align: top; }
th { background: #f0f4f8; }
.table-wrap { overflow-x: auto; }
.chart-box { position: relative; height: 300px; }
.media-row { display: grid; grid-template-columns: 1fr; gap: 6px; border: 1px solid #d9e2ec; border-radius: 8px; padding: 8px; margin: 6px 0; }
@media (min-width: 700px) { .media-row { grid-template-columns: 1fr 1fr 2fr auto; align-items: end; } .media-row .media-url { grid-column: 1 / -1; } .media-row label { margin-top: 0; } }
figure { margin: 0; min-width: 0; }
.grid > * { min-width: 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.links { list-style: none; padding: 0; }
.links li { margin: .75rem 0; }
.links a { font-weight: 600; font-size: 1.1rem; }
`;
