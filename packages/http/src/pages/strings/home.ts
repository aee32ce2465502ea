import type { Dictionary } from "../i18n.js";

type Key = "title" | "lead" | "connect" | "connectText" | "admin" | "adminText" | "api" | "apiText" | "ops" | "sandbox";

export const HOME_STRINGS: Dictionary<Key> = {
  fr: {
    title: "Relance",
    lead: "Relances WhatsApp pour les filleuls qui n'ont pas encore payé, envoyées depuis le numéro du parrain.",
    connect: "Page de connexion WhatsApp",
    connectText: "Pour les parrains : /connect?token=…, le lien à usage unique que la plateforme leur envoie (POST /api/relance/connect-link).",
    admin: "Console d'administration",
    adminText: "Messages du jour 1 au jour 7, entonnoir, conversions et cibles (jeton administrateur).",
    api: "Document de l'API (OpenAPI)",
    apiText: "Le contrat HTTP, préfixe /api/relance.",
    ops: "Exploitation :",
    sandbox: "Ce serveur tourne avec le transport sandbox : WhatsApp y est simulé.",
  },
  en: {
    title: "Relance",
    lead: "WhatsApp follow-ups for referrals who have not paid yet, sent from the referrer's own number.",
    connect: "WhatsApp connect page",
    connectText: "For referrers: /connect?token=…, the single-use link the platform sends them (POST /api/relance/connect-link).",
    admin: "Admin console",
    adminText: "Day 1 to day 7 messages, funnel, conversions and targets (admin token).",
    api: "API document (OpenAPI)",
    apiText: "The HTTP contract, prefix /api/relance.",
    ops: "Operations:",
    sandbox: "This server runs the sandbox transport: WhatsApp is simulated.",
  },
};
