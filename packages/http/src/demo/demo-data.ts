/**
 * What `npm run demo` seeds: a few referrers, their referrals signing up over the first days, a
 * 7-day sequence with message variants, and how the simulated recipients behave.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DemoReferrer {
  userId: string;
  name: string;
  phone: string;
}

export interface DemoReferral {
  referrerId: string;
  userId: string;
  phone: string;
  name: string;
  language: "fr" | "en";
  /** Offset from the demo's start: referrals keep signing up during the simulated week. */
  signsUpAfterMs: number;
}

/** `demo-referrer` is the account `npm start`'s first run prints tokens and links for. */
export const DEMO_REFERRERS: readonly DemoReferrer[] = [
  { userId: "demo-referrer", name: "Demo Referrer", phone: "+33600000100" },
  { userId: "camille", name: "Camille Durand", phone: "+33600000101" },
  { userId: "karim", name: "Karim Benali", phone: "+33600000102" },
  { userId: "lea", name: "Léa Martin", phone: "+33600000103" },
  { userId: "hugo", name: "Hugo Petit", phone: "+33600000104" },
  { userId: "ines", name: "Inès Moreau", phone: "+33600000105" },
];

const FIRST_NAMES = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gabrielle", "Hugo", "Inès", "Jules", "Karima", "Louis", "Manon", "Nathan", "Océane", "Paul", "Quentin", "Rose", "Sami", "Théo", "Ugo", "Valentine", "William", "Yasmine", "Zoé"];
const LAST_NAMES = ["Bernard", "Dubois", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier"];

/** Per referrer: 20 referrals already signed up, then 2 a day for the first 5 days. */
export function demoReferrals(): DemoReferral[] {
  const referrals: DemoReferral[] = [];
  for (const [r, referrer] of DEMO_REFERRERS.entries()) {
    for (let i = 0; i < 30; i++) {
      const n = r * 30 + i;
      referrals.push({
        referrerId: referrer.userId,
        userId: `${referrer.userId}-filleul-${String(i + 1).padStart(2, "0")}`,
        phone: `+3361${String(r).padStart(2, "0")}${String(i).padStart(5, "0")}`,
        name: `${FIRST_NAMES[n % FIRST_NAMES.length]} ${LAST_NAMES[(n * 7) % LAST_NAMES.length]}`,
        language: n % 5 === 4 ? "en" : "fr",
        signsUpAfterMs: i < 20 ? -2 * HOUR : Math.floor((i - 20) / 2) * DAY + 10 * HOUR + (i % 2) * 3 * HOUR,
      });
    }
  }
  return referrals;
}

const pay = "{{paymentLink}}";

/** Days 1…7; days 1 and 3 hold variants, so the console's variants table has something to compare. */
export const DEMO_MESSAGES: readonly object[] = [
  {
    dayNumber: 1,
    messageTemplate: { fr: `Bonjour {{firstName}}, c'est {{referrerName}} ! Ton inscription est presque terminée : ${pay}`, en: `Hi {{firstName}}, it's {{referrerName}}! Your sign-up is almost done: ${pay}` },
    defaultWeight: 1,
    variants: [
      { key: "court", messageTemplate: { fr: `{{firstName}}, il ne manque que le paiement : ${pay}`, en: `{{firstName}}, only the payment is missing: ${pay}` }, weight: 1 },
      { key: "emoji", messageTemplate: { fr: `👋 {{firstName}} ! Plus qu'une étape ➡️ ${pay}`, en: `👋 {{firstName}}! One step left ➡️ ${pay}` }, weight: 1 },
    ],
  },
  { dayNumber: 2, messageTemplate: { fr: `{{firstName}}, une question sur l'offre ? Réponds-moi ici. ${pay}`, en: `{{firstName}}, any question about the offer? Just reply here. ${pay}` } },
  {
    dayNumber: 3,
    messageTemplate: { fr: `Jour {{day}}/{{totalDays}} : ton accès t'attend, {{firstName}}. ${pay}`, en: `Day {{day}}/{{totalDays}}: your access is waiting, {{firstName}}. ${pay}` },
    variants: [{ key: "preuve-sociale", messageTemplate: { fr: `{{firstName}}, 3 de mes filleuls ont déjà commencé cette semaine ! ${pay}`, en: `{{firstName}}, 3 of my referrals started this week! ${pay}` } }],
  },
  { dayNumber: 4, messageTemplate: { fr: `Petit rappel amical, {{firstName}} 🙂 ${pay}`, en: `A friendly reminder, {{firstName}} 🙂 ${pay}` } },
  { dayNumber: 5, messageTemplate: { fr: `{{firstName}}, tu veux que je t'explique comment ça marche ? ${pay}`, en: `{{firstName}}, shall I explain how it works? ${pay}` } },
  { dayNumber: 6, messageTemplate: { fr: `Avant-dernier rappel, {{firstName}} : ${pay}`, en: `Second-to-last reminder, {{firstName}}: ${pay}` } },
  { dayNumber: 7, messageTemplate: { fr: `Dernier message de ma part, {{firstName}}. Le lien reste valable : ${pay}`, en: `My last message, {{firstName}}. The link stays valid: ${pay}` } },
];

/** How the simulated recipients behave (`POST /sandbox/population`), seeded: every demo run is the same. */
export const DEMO_POPULATION = { delivered: 0.97, read: 0.72, reply: 0.03, pay: { messaged: 0.24, notMessaged: 0.08 }, seed: 2026 } as const;

/** The control group's share, once the holdout setting exists (`PATCH /admin/settings`). */
export const DEMO_HOLDOUT_PERCENT = 20;
