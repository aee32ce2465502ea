import type { Dictionary } from "../i18n.js";

type Key =
  | "title" | "heading" | "navMessages" | "navFunnel" | "navTargets" | "logout" | "home"
  | "loginTitle" | "loginLead" | "tokenLabel" | "tokenHint" | "tokenInUrl" | "open"
  | "messagesTitle" | "daysLabel" | "day" | "dayShort" | "active" | "inactive" | "absent" | "activeLabel" | "activeHint"
  | "varsLabel" | "var.name" | "var.firstName" | "var.referrerName" | "var.day" | "var.totalDays" | "var.paymentLink"
  | "textFr" | "textEn" | "textEnHint" | "mediaTitle" | "mediaUrl" | "mediaType" | "mediaLanguage" | "mediaCaption" | "mediaRemove" | "mediaAdd" | "mediaNone"
  | "type.image" | "type.video" | "type.document" | "type.audio" | "lang.both" | "lang.fr" | "lang.en"
  | "save" | "discard" | "saved" | "unsaved" | "saving" | "newDay" | "textRequired"
  | "previewTitle" | "previewLanguage" | "previewName" | "previewNote" | "previewEmpty" | "previewMedia"
  | "funnelTitle" | "funnelLead" | "refresh" | "enrolled" | "converted" | "optedOut" | "failed" | "replied" | "activeNow" | "completed"
  | "funnelChart" | "conversionsTitle" | "conversionsChart" | "conversionsByDay" | "figures" | "stage" | "count" | "sentToday"
  | "variantsTitle" | "variantsLead" | "variant" | "variantSent" | "variantConverted" | "variantRate" | "noVariants"
  | "targetsTitle" | "referrerFilter" | "statusFilter" | "allStatuses" | "search" | "more" | "noTargets"
  | "col.referral" | "col.referrer" | "col.status" | "col.day" | "col.exit" | "col.entered" | "col.next" | "col.sent"
  | "status.active" | "status.completed" | "status.exited" | "status.holdout"
  | "navLift" | "liftTitle" | "liftLead" | "liftChart" | "liftTreated" | "liftHoldout" | "liftGain" | "liftBand" | "liftPoints" | "liftInterval" | "liftRelative"
  | "liftTooFew" | "liftNone" | "liftAxis" | "liftGainAxis" | "liftGainChart" | "liftDays" | "holdoutLabel" | "holdoutHint"
  | "exit.completed_7_days" | "exit.paid" | "exit.opted_out" | "exit.referrer_inactive" | "exit.invalid_number" | "exit.send_failed" | "exit.manual" | "exit.replied"
  | "err.unauthorized" | "err.forbidden" | "err.network" | "err.invalid" | "err.unknown"
  | "sendersTitle" | "sendersLead" | "noSenders" | "col.health" | "col.delivered" | "col.reason" | "col.today" | "col.dayStarts" | "col.newChats"
  | "health.good" | "health.degraded" | "health.at_risk";

export const ADMIN_STRINGS: Dictionary<Key> = {
  fr: {
    title: "Console · Relance", heading: "Console Relance", navMessages: "Messages", navFunnel: "Entonnoir", navTargets: "Cibles", logout: "Se déconnecter", home: "Accueil",
    loginTitle: "Ouvrir la console", loginLead: "La console demande un jeton administrateur (JWT avec role admin).",
    tokenLabel: "Jeton administrateur", tokenHint: "En développement, npm start imprime un jeton administrateur de démonstration à coller ici. Le jeton est envoyé au serveur, jamais mis dans une adresse.", open: "Ouvrir la console",
    tokenInUrl: "La console ne prend plus de jeton dans l'adresse (les journaux des proxys la conservent) : collez-le dans le formulaire ci-dessous.",
    messagesTitle: "Messages du jour 1 au jour 7", daysLabel: "Jour à modifier", day: "Jour", dayShort: "J",
    active: "actif", inactive: "inactif", absent: "absent", activeLabel: "Actif : envoyé aux filleuls", activeHint: "Un jour inactif est sauté sans envoi.",
    varsLabel: "Insérer une variable dans le texte :",
    "var.name": "nom complet du filleul", "var.firstName": "prénom du filleul", "var.referrerName": "nom du parrain", "var.day": "numéro du jour", "var.totalDays": "nombre de jours", "var.paymentLink": "lien de paiement",
    textFr: "Texte en français", textEn: "Texte en anglais", textEnHint: "Facultatif : sans lui, les filleuls anglophones reçoivent le français.",
    mediaTitle: "Médias", mediaUrl: "Adresse (http ou https)", mediaType: "Type", mediaLanguage: "Langue", mediaCaption: "Légende", mediaRemove: "Retirer", mediaAdd: "Ajouter un média", mediaNone: "Aucun média.",
    "type.image": "Image", "type.video": "Vidéo", "type.document": "Document", "type.audio": "Audio", "lang.both": "Les deux", "lang.fr": "Français", "lang.en": "Anglais",
    save: "Enregistrer", discard: "Abandonner les modifications non enregistrées de ce jour ?", saved: "Enregistré.", unsaved: "Modifications non enregistrées (l'aperçu les montre déjà).", saving: "Enregistrement…", newDay: "nouveau", textRequired: "Le texte en français est obligatoire.",
    previewTitle: "Aperçu", previewLanguage: "Langue de l'aperçu", previewName: "Nom du filleul (exemple)", previewNote: "Rendu par le serveur, comme le recevra le filleul.", previewEmpty: "Pas encore de message enregistré pour ce jour.", previewMedia: "Médias joints :",
    funnelTitle: "Entonnoir et conversions", funnelLead: "Tous parrains confondus.", refresh: "Actualiser",
    enrolled: "Inscrits", converted: "Convertis", optedOut: "STOP", failed: "Échecs", replied: "Réponses", activeNow: "En cours", completed: "Terminés",
    funnelChart: "Entonnoir : inscrits, puis messages envoyés par jour, puis issues", conversionsTitle: "Conversions par jour", conversionsChart: "Conversions par jour du dernier message reçu avant le paiement",
    conversionsByDay: "Conversions", figures: "Voir les chiffres", stage: "Étape", count: "Nombre", sentToday: "Envoyés aujourd'hui",
    variantsTitle: "Variantes", variantsLead: "Envois et conversions par jour et par variante : quelle formulation convertit le mieux.",
    variant: "Variante", variantSent: "Envoyés", variantConverted: "Convertis", variantRate: "Taux", noVariants: "Aucun jour n'a plusieurs variantes.",
    targetsTitle: "Cibles", referrerFilter: "Identifiant du parrain", statusFilter: "Statut", allStatuses: "Tous", search: "Rechercher", more: "Plus de résultats", noTargets: "Aucune cible.",
    "col.referral": "Filleul", "col.referrer": "Parrain", "col.status": "Statut", "col.day": "Jour", "col.exit": "Sortie", "col.entered": "Entrée", "col.next": "Prochain envoi", "col.sent": "Envoyés",
    "status.active": "en cours", "status.completed": "terminé", "status.exited": "sorti", "status.holdout": "groupe témoin",
    navLift: "Gain mesuré", liftTitle: "Gain mesuré des relances", liftLead: "Filleuls inscrits avec un groupe témoin : les relancés contre ceux qui n'ont reçu aucune relance, tous parrains confondus.",
    liftChart: "Conversion cumulée par jour de la séquence : relancés et groupe témoin",
    liftGainChart: "Gain (relancés − témoin) par jour de la séquence, avec son intervalle de confiance à 95 % : au-dessus de zéro, les relances rapportent",
    liftTreated: "Relancés", liftHoldout: "Groupe témoin", liftGain: "Gain", liftBand: "Intervalle à 95 % du gain", liftPoints: "pts",
    liftInterval: "IC 95 %", liftRelative: "relatif", liftTooFew: "intervalle dès 30 filleuls par groupe", liftNone: "Aucun groupe témoin pour l'instant : réglez une part ci-dessous.",
    liftAxis: "Conversion cumulée", liftGainAxis: "Gain (points de conversion)", liftDays: "Jour de la séquence",
    holdoutLabel: "Part du groupe témoin (%)", holdoutHint: "0 à 50 %. Ces filleuls, choisis par leur identifiant, ne reçoivent aucune relance : le prix de la mesure. S'applique aux nouvelles inscriptions ; chacun garde son groupe.",
    sendersTitle: "Santé des comptes", sendersLead: "Comment WhatsApp traite chaque compte lié, d'après ses accusés de réception : « dégradé » divise le plafond du jour par deux, « à risque » suspend les envois jusqu'au rétablissement.",
    noSenders: "Aucun compte lié.", "col.health": "Santé", "col.delivered": "Remis", "col.reason": "Raison", "col.today": "Aujourd'hui", "col.dayStarts": "Début de journée", "col.newChats": "Nouvelles discussions",
    "health.good": "bon", "health.degraded": "dégradé", "health.at_risk": "à risque",
    "exit.completed_7_days": "séquence terminée", "exit.paid": "a payé", "exit.opted_out": "STOP", "exit.referrer_inactive": "parrain inactif", "exit.invalid_number": "pas sur WhatsApp", "exit.send_failed": "échec d'envoi", "exit.manual": "sortie manuelle", "exit.replied": "a répondu",
    "err.unauthorized": "Jeton invalide ou expiré : collez un nouveau jeton.", "err.forbidden": "Ce jeton n'est pas celui d'un administrateur.", "err.network": "Le service est injoignable.", "err.invalid": "Refusé par le serveur :", "err.unknown": "Erreur inattendue.",
  },
  en: {
    title: "Console · Relance", heading: "Relance console", navMessages: "Messages", navFunnel: "Funnel", navTargets: "Targets", logout: "Sign out", home: "Home",
    loginTitle: "Open the console", loginLead: "The console needs an admin token (a JWT with role admin).",
    tokenLabel: "Admin token", tokenHint: "In development, npm start prints a demo admin token to paste here. The token is sent to the server, never put in an address.", open: "Open the console",
    tokenInUrl: "The console no longer takes a token in its address (proxy logs keep addresses): paste it into the form below.",
    messagesTitle: "Day 1 to day 7 messages", daysLabel: "Day to edit", day: "Day", dayShort: "D",
    active: "active", inactive: "inactive", absent: "absent", activeLabel: "Active: sent to referrals", activeHint: "An inactive day is skipped, nothing sent.",
    varsLabel: "Insert a variable in the text:",
    "var.name": "referral's full name", "var.firstName": "referral's first name", "var.referrerName": "referrer's name", "var.day": "day number", "var.totalDays": "number of days", "var.paymentLink": "payment link",
    textFr: "French text", textEn: "English text", textEnHint: "Optional: without it, English-speaking referrals get the French one.",
    mediaTitle: "Media", mediaUrl: "Address (http or https)", mediaType: "Type", mediaLanguage: "Language", mediaCaption: "Caption", mediaRemove: "Remove", mediaAdd: "Add a media", mediaNone: "No media.",
    "type.image": "Image", "type.video": "Video", "type.document": "Document", "type.audio": "Audio", "lang.both": "Both", "lang.fr": "French", "lang.en": "English",
    save: "Save", discard: "Discard this day's unsaved changes?", saved: "Saved.", unsaved: "Unsaved changes (the preview already shows them).", saving: "Saving…", newDay: "new", textRequired: "The French text is required.",
    previewTitle: "Preview", previewLanguage: "Preview language", previewName: "Referral's name (sample)", previewNote: "Rendered by the server, as the referral will receive it.", previewEmpty: "No message saved for this day yet.", previewMedia: "Attached media:",
    funnelTitle: "Funnel and conversions", funnelLead: "All referrers.", refresh: "Refresh",
    enrolled: "Enrolled", converted: "Converted", optedOut: "STOP", failed: "Failed", replied: "Replied", activeNow: "In progress", completed: "Completed",
    funnelChart: "Funnel: enrolled, then messages sent per day, then outcomes", conversionsTitle: "Conversions by day", conversionsChart: "Conversions by day of the last message received before paying",
    conversionsByDay: "Conversions", figures: "Show the figures", stage: "Stage", count: "Count", sentToday: "Sent today",
    variantsTitle: "Variants", variantsLead: "Sends and conversions per day and variant: which wording converts best.",
    variant: "Variant", variantSent: "Sent", variantConverted: "Converted", variantRate: "Rate", noVariants: "No day has several variants.",
    targetsTitle: "Targets", referrerFilter: "Referrer id", statusFilter: "Status", allStatuses: "All", search: "Search", more: "More results", noTargets: "No targets.",
    "col.referral": "Referral", "col.referrer": "Referrer", "col.status": "Status", "col.day": "Day", "col.exit": "Exit", "col.entered": "Entered", "col.next": "Next send", "col.sent": "Sent",
    "status.active": "active", "status.completed": "completed", "status.exited": "exited", "status.holdout": "holdout",
    navLift: "Measured lift", liftTitle: "Measured lift of relances", liftLead: "Referrals enrolled with a holdout: those relanced against those who got no relance at all, all referrers.",
    liftChart: "Cumulative conversion by day of the sequence: relanced and holdout",
    liftGainChart: "Lift (relanced − holdout) by day of the sequence, with its 95 % confidence interval: above zero, relances earn conversions",
    liftTreated: "Relanced", liftHoldout: "Holdout", liftGain: "Lift", liftBand: "95 % interval of the lift", liftPoints: "pts",
    liftInterval: "95 % CI", liftRelative: "relative", liftTooFew: "interval from 30 referrals per group", liftNone: "No holdout yet: set a share below.",
    liftAxis: "Cumulative conversion", liftGainAxis: "Lift (conversion points)", liftDays: "Day of the sequence",
    holdoutLabel: "Holdout share (%)", holdoutHint: "0 to 50 %. These referrals, chosen by their id, get no relance: the price of measuring. Applies to new enrollments; each keeps its group.",
    sendersTitle: "Account health", sendersLead: "How WhatsApp treats each linked account, from its own receipts: degraded halves the day's cap, at risk holds its relances until it recovers.",
    noSenders: "No linked account.", "col.health": "Health", "col.delivered": "Delivered", "col.reason": "Reason", "col.today": "Today", "col.dayStarts": "Day starts", "col.newChats": "New chats left",
    "health.good": "good", "health.degraded": "degraded", "health.at_risk": "at risk",
    "exit.completed_7_days": "sequence completed", "exit.paid": "paid", "exit.opted_out": "STOP", "exit.referrer_inactive": "referrer inactive", "exit.invalid_number": "not on WhatsApp", "exit.send_failed": "send failed", "exit.manual": "manual exit", "exit.replied": "replied",
    "err.unauthorized": "Invalid or expired token: paste a new one.", "err.forbidden": "This token is not an admin's.", "err.network": "The service cannot be reached.", "err.invalid": "Refused by the server:", "err.unknown": "Unexpected error.",
  },
};
