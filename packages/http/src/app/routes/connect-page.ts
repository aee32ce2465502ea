import { Hono } from "hono";

/**
 * The page a referrer opens to link WhatsApp: `/connect?token=<their JWT>`. It asks for a QR,
 * then follows the SSE stream: each new QR replaces the old one, and "connected" ends it.
 */
export function connectPage() {
  const app = new Hono();
  app.get("/connect", (c) => {
    c.header("cache-control", "no-store");
    c.header("referrer-policy", "no-referrer");
    return c.html(PAGE);
  });
  return app;
}

const PAGE = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Relier WhatsApp · Relance</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1f2933; background: #f5f7fa; }
  main { max-width: 420px; margin: 48px auto; background: #fff; border-radius: 16px; padding: 32px; box-shadow: 0 8px 24px rgba(0,0,0,.08); text-align: center; }
  h1 { font-size: 1.4rem; margin: 0 0 8px; }
  #qr { width: 280px; height: 280px; margin: 16px auto; display: block; image-rendering: pixelated; }
  [hidden] { display: none !important; }
  #status { font-weight: 600; padding: 8px 12px; border-radius: 8px; background: #eef2f7; display: inline-block; }
  #status[data-status="connected"] { background: #d3f9d8; color: #1b5e20; }
  #status[data-status="error"], #status[data-status="logged_out"], #status[data-status="failed"] { background: #ffe3e3; color: #a61e1e; }
  ol { text-align: left; line-height: 1.6; }
</style>
</head>
<body>
<main>
  <h1>Relier votre WhatsApp</h1>
  <p id="status" data-status="loading" role="status" aria-live="polite">Chargement…</p>
  <img id="qr" alt="QR code à scanner avec WhatsApp" hidden>
  <ol id="help">
    <li>Ouvrez WhatsApp sur votre téléphone.</li>
    <li>Menu › Appareils connectés › Connecter un appareil.</li>
    <li>Scannez ce code : il se renouvelle tout seul.</li>
  </ol>
  <p id="phone" hidden></p>
</main>
<script type="module">
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || sessionStorage.getItem("relance-token");
  if (params.has("token")) {
    sessionStorage.setItem("relance-token", token);
    history.replaceState(null, "", location.pathname);
  }
  const statusEl = document.getElementById("status");
  const qrEl = document.getElementById("qr");
  const phoneEl = document.getElementById("phone");
  const LABELS = {
    disconnected: "Non connecté", connecting: "Connexion…", pending_qr: "En attente du scan",
    pending_pairing: "En attente du code", connected: "Connecté", logged_out: "Déconnecté depuis le téléphone", failed: "Échec de la connexion",
  };
  function showStatus(status, text) {
    statusEl.dataset.status = status;
    statusEl.textContent = text || LABELS[status] || status;
    if (status === "connected") { qrEl.hidden = true; document.getElementById("help").hidden = true; }
  }
  function showQr(qr) {
    if (!qr || !qr.dataUrl || statusEl.dataset.status === "connected") return;
    qrEl.src = qr.dataUrl;
    qrEl.dataset.text = qr.text;
    qrEl.hidden = false;
  }
  function showLink(body) {
    if (body.status === "pending_qr") showQr(body.qr);
    if (body.phone) { phoneEl.textContent = body.phone; phoneEl.hidden = false; }
    showStatus(body.status);
  }
  if (!token) {
    showStatus("error", "Lien invalide : jeton manquant");
  } else {
    const events = new EventSource("/api/relance/status/events?access_token=" + encodeURIComponent(token));
    events.addEventListener("status", (e) => showLink(JSON.parse(e.data)));
    events.addEventListener("qr", (e) => showQr(JSON.parse(e.data)));
    events.onerror = () => { if (statusEl.dataset.status !== "connected") statusEl.textContent = "Reconnexion…"; };
    fetch("/api/relance/connect", {
      method: "POST",
      headers: { authorization: "Bearer " + token, "content-type": "application/json" },
      body: JSON.stringify({ method: "qr" }),
    })
      .then(async (response) => {
        const body = await response.json();
        if (!response.ok) return showStatus("error", body.error ? body.error.message : "Erreur");
        showLink(body);
      })
      .catch(() => showStatus("error", "Service injoignable"));
  }
</script>
</body>
</html>`;
