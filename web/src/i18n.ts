// English and German. The browser's languages choose; the switch in the header overrides
// (remembered in localStorage). Every German key must exist: the type says so.
import { signal, useSignal } from "./state";

const en = {
  appName: "Message center",
  skip: "Skip to content",
  language: "Language",
  signIn: "Sign in",
  signOut: "Sign out",
  signedInAs: "Signed in as {name} ({kind})",
  seller: "seller",
  buyer: "buyer",
  loading: "Loading…",
  retry: "Try again",
  save: "Save",
  saved: "Saved.",
  cancel: "Cancel",
  delete: "Delete",
  edit: "Edit",
  send: "Send",
  sent: "Sent. Status: {status}.",
  back: "Back",
  close: "Close",
  required: "required",
  optional: "optional",
  charsLeft: "{n} characters left",
  errorsInForm: "The message was not sent: please check the fields marked below.",
  networkError: "The message center cannot be reached. Check your connection and try again.",
  sessionExpired: "Your session has ended. Please sign in again.",

  // sign-in
  signInTitle: "Sign in to the message center",
  signInDevIntro:
    "Local stack: pick a registered seller or buyer. The local token issuer signs in as that party; nothing here is for production.",
  signInCognito: "Continue to sign in",
  signInCognitoIntro: "You sign in on the marketplace's sign-in page and come back here.",
  sellers: "Sellers",
  buyers: "Buyers",
  noParties: "No parties are registered yet. Register an order first (parley orders add).",
  signInAsParty: "Sign in as {name}",

  // navigation
  navMain: "Main menu",
  navInbox: "Inbox",
  navTemplates: "Templates",
  navSettings: "Settings",
  navOrders: "Your orders",
  navAsk: "Ask a seller",

  // seller inbox
  inboxTitle: "Buyer messages",
  filter: "Show",
  filterNeedsAnswer: "Needs answer",
  filterBlocked: "Blocked",
  filterAll: "All",
  searchOrder: "Search by order id",
  searchButton: "Search",
  searchHint: "e.g. 123-1234567-1234567",
  orderNotFound: "No conversation with that order id.",
  noConversations: "Nothing to show here.",
  loadMore: "Load more",
  order: "Order {id}",
  inquiry: "Question before ordering",
  withBuyer: "Buyer: {name}",
  withSeller: "Seller: {name}",
  needsAnswer: "Needs answer",
  answered: "No answer owed",
  dueIn: "Answer due {when}",
  overdue: "Overdue: due {when}",
  blockedCount: "{n} blocked",
  cancelled: "Cancelled",
  deliveredOn: "Delivered on {date}",
  open: "Open",

  // conversation
  conversationTitle: "Conversation about order {id}",
  inquiryTitle: "Question before ordering ({id})",
  fromMe: "You",
  fromBuyer: "Buyer",
  fromSeller: "Seller",
  noMessages: "No messages yet.",
  attachments: "Attachments",
  download: "Download {name} ({size})",
  removedBy: "{name}: removed by the policy ({rule})",
  blockedBecause: "Not delivered. The policy blocked this message:",
  sanitizedBecause: "Delivered with changes by the policy:",
  rule: "Rule",
  evidence: "Evidence",
  noResponseNeeded: "No response needed",
  noResponseDone: "Marked: no response needed.",
  noResponseNone: "No answer was owed for this conversation.",
  reply: "Reply",
  replyTo: "Reply to “{subject}”",
  text: "Message",
  files: "Files (at most 5)",
  filesHint: "Images, PDF invoices, manuals. Each file up to 10 MB.",
  template: "Template",
  noTemplate: "No template: write the text",
  variables: "Template values",
  variableLabel: "Value for {name}",
  templatePreview: "Preview",
  contactBuyer: "Contact buyer",
  requestReview: "Request a review",
  reviewWindow: "Possible from 5 to 30 days after delivery, once per order.",
  reviewSent: "Review request sent. Status: {status}.",
  notAllowed: "Not possible now: {reason}",
  inProgress: "in progress",

  // statuses
  status_delivered: "Delivered",
  status_delivered_sanitized: "Delivered (sanitized)",
  status_blocked: "Blocked",
  status_rejected: "Rejected",
  status_dead_lettered: "Failed",
  status_in_progress: "In progress",
  status_accepted: "Accepted",

  // contact buyer
  contactBuyerTitle: "Contact the buyer of order {id}",
  contactBuyerIntro:
    "Choose why you are writing. Reasons the marketplace does not allow now are shown greyed out with the reason.",
  reason: "Reason",
  coverageStart: "Coverage from",
  coverageEnd: "Coverage until",
  kind_confirmCustomizationDetails: "Confirm customization details",
  kind_confirmDeliveryDetails: "Schedule the delivery",
  kind_confirmOrderDetails: "Confirm order details",
  kind_confirmServiceDetails: "Schedule a service appointment",
  kind_unexpectedProblem: "An unexpected problem (e.g. the delivery address)",
  kind_legalDisclosure: "Legal disclosure",
  kind_digitalAccessKey: "Digital access key",
  kind_warranty: "Warranty information",
  kind_invoice: "Send an invoice",
  kind_requestReview: "Review request",
  noText: "This message carries no free text, only files.",

  // templates
  templatesTitle: "Reply templates",
  templatesIntro:
    "Placeholders like {{question}} become fields when you use the template; {{order_id}}, {{buyer_name}} and {{seller_name}} are filled in for you.",
  marketplaceTemplates: "The marketplace's templates",
  yourTemplates: "Your templates",
  noOwnTemplates: "You have no templates of your own yet.",
  newTemplate: "New template",
  editTemplate: "Edit template “{name}”",
  copyTemplate: "Copy",
  name: "Name",
  subject: "Subject",
  templateLanguage: "Language",
  deleteConfirm: "Delete the template “{name}”?",
  deleted: "Deleted.",
  readOnly: "read-only",
  lang_en: "English",
  lang_de: "German",

  // settings
  settingsTitle: "Settings",
  messagingEnabled: "Receive buyer messages",
  messagingEnabledHint: "When off, buyers' messages go to the marketplace's customer service.",
  notificationEmail: "Notification address",
  notificationEmailHint: "Where buyer messages and notices reach you. Buyers never see it.",
  pendingAddress: "We mailed a code to {address}. It becomes your notification address once you enter the code here.",
  confirmationCode: "Confirmation code",
  confirmationCodeHint: "From the mail we sent to the new address. It works once.",
  confirm: "Confirm",
  addressConfirmed: "Notification address confirmed.",
  authorizedSenders: "Authorized senders",
  authorizedSendersHint: "Other addresses of yours that may write to buyers, one per line.",
  linkHosts: "Link hosts",
  linkHostsHint: "Hosts your messages may link to, one per line (e.g. shop.example). New hosts wait for the marketplace's approval.",
  approved: "approved",
  awaitingApproval: "awaiting approval",
  fulfillment: "Fulfillment: {value}",
  optedOut: "No unsolicited messages from sellers",
  optedOutHint:
    "Sellers can still answer you and send what an order needs (delivery, customization, invoices).",

  // buyer
  ordersTitle: "Your orders",
  noOrders: "You have no orders with messages yet.",
  contactSeller: "Contact seller",
  viewMessages: "View messages",
  cancelledOrder:
    "This order was cancelled. For questions about the cancellation, please contact customer service instead of the seller.",
  customerService: "Customer service",
  contactSellerTitle: "Contact the seller about order {id}",
  topic: "What is it about?",
  topic_order_status: "Where is my order?",
  topic_shipping: "Shipping",
  topic_return: "Return or refund",
  topic_damaged: "Damaged or defective item",
  topic_invoice: "Invoice",
  topic_product: "Question about the item",
  topic_other: "Other question",
  photosHint: "A photo of the damage helps the seller. Each file up to 10 MB.",
  askTitle: "Ask a seller a question",
  askIntro: "Before ordering: ask about an item. The seller answers within two business days.",
  sellerId: "Seller id",
  sellerIdHint: "Shown on the seller's profile, e.g. S1.",
  askSubjectHint: "Optional; otherwise “Question before buying”.",
  threadTitle: "Messages about order {id}",
  yourAnswer: "Answer the seller",
} as const;

type Key = keyof typeof en;

const de: Record<Key, string> = {
  appName: "Nachrichtencenter",
  skip: "Zum Inhalt springen",
  language: "Sprache",
  signIn: "Anmelden",
  signOut: "Abmelden",
  signedInAs: "Angemeldet als {name} ({kind})",
  seller: "Verkäufer",
  buyer: "Käufer",
  loading: "Wird geladen …",
  retry: "Erneut versuchen",
  save: "Speichern",
  saved: "Gespeichert.",
  cancel: "Abbrechen",
  delete: "Löschen",
  edit: "Bearbeiten",
  send: "Senden",
  sent: "Gesendet. Status: {status}.",
  back: "Zurück",
  close: "Schließen",
  required: "Pflichtfeld",
  optional: "optional",
  charsLeft: "noch {n} Zeichen",
  errorsInForm: "Die Nachricht wurde nicht gesendet: Bitte prüfen Sie die markierten Felder.",
  networkError: "Das Nachrichtencenter ist nicht erreichbar. Prüfen Sie die Verbindung und versuchen Sie es erneut.",
  sessionExpired: "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",

  signInTitle: "Beim Nachrichtencenter anmelden",
  signInDevIntro:
    "Lokale Umgebung: Wählen Sie einen registrierten Verkäufer oder Käufer. Der lokale Token-Aussteller meldet Sie als diese Partei an; nichts hiervon ist für den Produktivbetrieb.",
  signInCognito: "Weiter zur Anmeldung",
  signInCognitoIntro: "Sie melden sich auf der Anmeldeseite des Marktplatzes an und kehren hierher zurück.",
  sellers: "Verkäufer",
  buyers: "Käufer",
  noParties: "Noch keine Parteien registriert. Registrieren Sie zuerst eine Bestellung (parley orders add).",
  signInAsParty: "Als {name} anmelden",

  navMain: "Hauptmenü",
  navInbox: "Posteingang",
  navTemplates: "Vorlagen",
  navSettings: "Einstellungen",
  navOrders: "Meine Bestellungen",
  navAsk: "Verkäufer fragen",

  inboxTitle: "Käufernachrichten",
  filter: "Anzeigen",
  filterNeedsAnswer: "Antwort erforderlich",
  filterBlocked: "Blockiert",
  filterAll: "Alle",
  searchOrder: "Nach Bestellnummer suchen",
  searchButton: "Suchen",
  searchHint: "z. B. 123-1234567-1234567",
  orderNotFound: "Keine Unterhaltung mit dieser Bestellnummer.",
  noConversations: "Hier gibt es nichts anzuzeigen.",
  loadMore: "Mehr laden",
  order: "Bestellung {id}",
  inquiry: "Frage vor der Bestellung",
  withBuyer: "Käufer: {name}",
  withSeller: "Verkäufer: {name}",
  needsAnswer: "Antwort erforderlich",
  answered: "Keine Antwort offen",
  dueIn: "Antwort fällig {when}",
  overdue: "Überfällig: fällig {when}",
  blockedCount: "{n} blockiert",
  cancelled: "Storniert",
  deliveredOn: "Zugestellt am {date}",
  open: "Öffnen",

  conversationTitle: "Unterhaltung zu Bestellung {id}",
  inquiryTitle: "Frage vor der Bestellung ({id})",
  fromMe: "Sie",
  fromBuyer: "Käufer",
  fromSeller: "Verkäufer",
  noMessages: "Noch keine Nachrichten.",
  attachments: "Anhänge",
  download: "{name} herunterladen ({size})",
  removedBy: "{name}: von der Richtlinie entfernt ({rule})",
  blockedBecause: "Nicht zugestellt. Die Richtlinie hat diese Nachricht blockiert:",
  sanitizedBecause: "Mit Änderungen durch die Richtlinie zugestellt:",
  rule: "Regel",
  evidence: "Beleg",
  noResponseNeeded: "Keine Antwort erforderlich",
  noResponseDone: "Markiert: keine Antwort erforderlich.",
  noResponseNone: "Für diese Unterhaltung war keine Antwort offen.",
  reply: "Antworten",
  replyTo: "Antwort auf „{subject}“",
  text: "Nachricht",
  files: "Dateien (höchstens 5)",
  filesHint: "Bilder, PDF-Rechnungen, Anleitungen. Jede Datei bis 10 MB.",
  template: "Vorlage",
  noTemplate: "Keine Vorlage: Text selbst schreiben",
  variables: "Werte für die Vorlage",
  variableLabel: "Wert für {name}",
  templatePreview: "Vorschau",
  contactBuyer: "Käufer kontaktieren",
  requestReview: "Bewertung anfordern",
  reviewWindow: "Möglich 5 bis 30 Tage nach der Zustellung, einmal pro Bestellung.",
  reviewSent: "Bewertungsanfrage gesendet. Status: {status}.",
  notAllowed: "Jetzt nicht möglich: {reason}",
  inProgress: "in Bearbeitung",

  status_delivered: "Zugestellt",
  status_delivered_sanitized: "Zugestellt (bereinigt)",
  status_blocked: "Blockiert",
  status_rejected: "Abgelehnt",
  status_dead_lettered: "Fehlgeschlagen",
  status_in_progress: "In Bearbeitung",
  status_accepted: "Angenommen",

  contactBuyerTitle: "Käufer von Bestellung {id} kontaktieren",
  contactBuyerIntro:
    "Wählen Sie den Grund Ihrer Nachricht. Gründe, die der Marktplatz gerade nicht erlaubt, sind ausgegraut und mit dem Grund versehen.",
  reason: "Grund",
  coverageStart: "Garantie ab",
  coverageEnd: "Garantie bis",
  kind_confirmCustomizationDetails: "Details zur Personalisierung klären",
  kind_confirmDeliveryDetails: "Lieferung planen",
  kind_confirmOrderDetails: "Bestelldetails bestätigen",
  kind_confirmServiceDetails: "Servicetermin planen",
  kind_unexpectedProblem: "Ein unerwartetes Problem (z. B. die Lieferadresse)",
  kind_legalDisclosure: "Rechtliche Informationen",
  kind_digitalAccessKey: "Digitaler Zugangsschlüssel",
  kind_warranty: "Garantieinformationen",
  kind_invoice: "Rechnung senden",
  kind_requestReview: "Bewertungsanfrage",
  noText: "Diese Nachricht enthält keinen freien Text, nur Dateien.",

  templatesTitle: "Antwortvorlagen",
  templatesIntro:
    "Platzhalter wie {{question}} werden beim Verwenden der Vorlage zu Feldern; {{order_id}}, {{buyer_name}} und {{seller_name}} werden automatisch ausgefüllt.",
  marketplaceTemplates: "Vorlagen des Marktplatzes",
  yourTemplates: "Ihre Vorlagen",
  noOwnTemplates: "Sie haben noch keine eigenen Vorlagen.",
  newTemplate: "Neue Vorlage",
  editTemplate: "Vorlage „{name}“ bearbeiten",
  copyTemplate: "Kopieren",
  name: "Name",
  subject: "Betreff",
  templateLanguage: "Sprache",
  deleteConfirm: "Vorlage „{name}“ löschen?",
  deleted: "Gelöscht.",
  readOnly: "schreibgeschützt",
  lang_en: "Englisch",
  lang_de: "Deutsch",

  settingsTitle: "Einstellungen",
  messagingEnabled: "Käufernachrichten empfangen",
  messagingEnabledHint: "Ausgeschaltet gehen Käufernachrichten an den Kundenservice des Marktplatzes.",
  notificationEmail: "Benachrichtigungsadresse",
  notificationEmailHint: "Hier erreichen Sie Käufernachrichten und Hinweise. Käufer sehen sie nie.",
  pendingAddress: "Wir haben einen Code an {address} geschickt. Sobald Sie ihn hier eingeben, wird sie Ihre Benachrichtigungsadresse.",
  confirmationCode: "Bestätigungscode",
  confirmationCodeHint: "Aus der Mail an die neue Adresse. Er gilt einmal.",
  confirm: "Bestätigen",
  addressConfirmed: "Benachrichtigungsadresse bestätigt.",
  authorizedSenders: "Berechtigte Absender",
  authorizedSendersHint: "Weitere eigene Adressen, die Käufern schreiben dürfen, eine pro Zeile.",
  linkHosts: "Link-Hosts",
  linkHostsHint:
    "Hosts, auf die Ihre Nachrichten verlinken dürfen, einer pro Zeile (z. B. shop.example). Neue Hosts warten auf die Freigabe durch den Marktplatz.",
  approved: "freigegeben",
  awaitingApproval: "wartet auf Freigabe",
  fulfillment: "Versand: {value}",
  optedOut: "Keine unaufgeforderten Nachrichten von Verkäufern",
  optedOutHint:
    "Verkäufer können Ihnen weiterhin antworten und senden, was eine Bestellung braucht (Lieferung, Personalisierung, Rechnungen).",

  ordersTitle: "Meine Bestellungen",
  noOrders: "Sie haben noch keine Bestellungen mit Nachrichten.",
  contactSeller: "Verkäufer kontaktieren",
  viewMessages: "Nachrichten ansehen",
  cancelledOrder:
    "Diese Bestellung wurde storniert. Bei Fragen zur Stornierung wenden Sie sich bitte an den Kundenservice statt an den Verkäufer.",
  customerService: "Kundenservice",
  contactSellerTitle: "Verkäufer zu Bestellung {id} kontaktieren",
  topic: "Worum geht es?",
  topic_order_status: "Wo ist meine Bestellung?",
  topic_shipping: "Versand",
  topic_return: "Rückgabe oder Erstattung",
  topic_damaged: "Beschädigter oder defekter Artikel",
  topic_invoice: "Rechnung",
  topic_product: "Frage zum Artikel",
  topic_other: "Andere Frage",
  photosHint: "Ein Foto des Schadens hilft dem Verkäufer. Jede Datei bis 10 MB.",
  askTitle: "Einem Verkäufer eine Frage stellen",
  askIntro: "Vor der Bestellung: Fragen Sie zu einem Artikel. Der Verkäufer antwortet innerhalb von zwei Werktagen.",
  sellerId: "Verkäufer-ID",
  sellerIdHint: "Steht im Profil des Verkäufers, z. B. S1.",
  askSubjectHint: "Optional; sonst „Frage vor dem Kauf“.",
  threadTitle: "Nachrichten zu Bestellung {id}",
  yourAnswer: "Dem Verkäufer antworten",
};

export type Lang = "en" | "de";
const STORE = "parley.lang";

function initial(): Lang {
  const saved = localStorage.getItem(STORE);
  if (saved === "en" || saved === "de") return saved;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.toLowerCase().split("-")[0];
    if (base === "de" || base === "en") return base;
  }
  return "en";
}

export const lang = signal<Lang>(initial());
document.documentElement.lang = lang.value;

export function setLang(l: Lang): void {
  localStorage.setItem(STORE, l);
  document.documentElement.lang = l;
  lang.value = l;
}

export type T = (key: Key, vars?: Record<string, string | number>) => string;

export function translate(l: Lang): T {
  const table = l === "de" ? de : en;
  return (key, vars) => {
    let s: string = table[key] ?? en[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  };
}

export function useT(): [T, Lang] {
  const l = useSignal(lang);
  return [translate(l), l];
}

export function has(key: string): key is Key {
  return key in en;
}

/** The API's reasons are English; known ones are shown in German too. */
const REASONS_DE: [RegExp, string][] = [
  [/^not an order$/, "keine Bestellung"],
  [/^the order was cancelled$/, "die Bestellung wurde storniert"],
  [/^already sent for this order$/, "für diese Bestellung bereits gesendet"],
  [/^only after delivery$/, "erst nach der Zustellung"],
  [/^the order was delivered$/, "die Bestellung wurde bereits zugestellt"],
  [/^more than (\d+) days after delivery$/, "mehr als $1 Tage nach der Zustellung"],
  [/^the buyer opted out of unsolicited messages$/, "der Käufer möchte keine unaufgeforderten Nachrichten"],
  [/^a review was already requested for this order$/, "für diese Bestellung wurde bereits eine Bewertung angefragt"],
  [/^only from (\d+) days after delivery$/, "erst ab $1 Tagen nach der Zustellung"],
  [/^only up to (\d+) days after delivery$/, "nur bis $1 Tage nach der Zustellung"],
];

export function reasonText(reason: string, l: Lang): string {
  if (l !== "de") return reason;
  for (const [re, out] of REASONS_DE) if (re.test(reason)) return reason.replace(re, out);
  return reason;
}

export function dateTime(iso: string | null | undefined, l: Lang): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : new Intl.DateTimeFormat(l === "de" ? "de-DE" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(d);
}

export function day(iso: string | null | undefined, l: Lang): string {
  if (!iso) return "";
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  return new Intl.DateTimeFormat(l === "de" ? "de-DE" : "en-GB", { dateStyle: "medium" }).format(d);
}

/** "in 5 hours", "vor 2 Tagen": the time to (or since) a deadline in words. */
export function relative(iso: string, l: Lang, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(l, { numeric: "auto" });
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 48 * 3600) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86400), "day");
}

export function size(bytes: number, l: Lang): string {
  const nf = new Intl.NumberFormat(l === "de" ? "de-DE" : "en-GB", { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${nf.format(bytes / 1024)} KB`;
  return `${nf.format(bytes / 1024 / 1024)} MB`;
}
