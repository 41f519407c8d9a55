"""Plain words for every rule and rejection reason, for the people who get a notice."""

from __future__ import annotations

# id -> {locale language: (what happened, how to fix it)}
RULE_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "order-id-missing": {
        "en": (
            "A message you start must name the order it is about.",
            "Put the 17-digit order id (like 123-1234567-1234567) of this buyer's order "
            "in the subject or the text.",
        ),
        "de": (
            "Eine Nachricht, die Sie beginnen, muss die betreffende Bestellung nennen.",
            "Geben Sie die 17-stellige Bestellnummer (z. B. 123-1234567-1234567) dieser "
            "Bestellung im Betreff oder im Text an.",
        ),
    },
    "unsafe-attachment": {
        "en": (
            "Programs, scripts, macro documents and archives are never delivered.",
            "Send documents as PDF, images as PNG, JPEG or GIF, or plain text.",
        ),
        "de": (
            "Programme, Skripte, Dokumente mit Makros und Archive werden nie zugestellt.",
            "Senden Sie Dokumente als PDF, Bilder als PNG, JPEG oder GIF oder als Text.",
        ),
    },
    "tracking-pixel": {
        "en": (
            "Invisible images that report when a message is read are removed.",
            "Send the message without tracking images (check your mail tool's tracking settings).",
        ),
        "de": (
            "Unsichtbare Bilder, die das Lesen einer Nachricht melden, werden entfernt.",
            "Senden Sie die Nachricht ohne Tracking-Bilder (prüfen Sie die "
            "Tracking-Einstellungen Ihres Mailprogramms).",
        ),
    },
}

REASON_TEXT: dict[str, dict[str, str]] = {
    "unknown-alias": {
        "en": "The address you wrote to does not exist.",
        "de": "Die Adresse, an die Sie geschrieben haben, existiert nicht.",
    },
    "unauthorized-sender": {
        "en": "Your address is not registered to write to this conversation. Write from the "
        "address registered with the marketplace.",
        "de": "Ihre Adresse ist für diese Unterhaltung nicht registriert. Schreiben Sie von der "
        "beim Marktplatz hinterlegten Adresse.",
    },
    "virus": {
        "en": "The message contained a virus and was not delivered.",
        "de": "Die Nachricht enthielt einen Virus und wurde nicht zugestellt.",
    },
    "message-too-large": {
        "en": "The message is larger than the limit. Send large files as fewer, smaller ones.",
        "de": "Die Nachricht ist größer als erlaubt. Senden Sie weniger oder kleinere Dateien.",
    },
    "too-deep": {
        "en": "The message structure is nested too deeply to be processed.",
        "de": "Die Nachricht ist zu tief verschachtelt, um verarbeitet zu werden.",
    },
    "too-many-parts": {
        "en": "The message has too many parts to be processed.",
        "de": "Die Nachricht hat zu viele Teile, um verarbeitet zu werden.",
    },
    "unparseable": {
        "en": "The message could not be read (malformed MIME).",
        "de": "Die Nachricht konnte nicht gelesen werden (fehlerhaftes MIME).",
    },
    "unencodable": {
        "en": "The message could not be converted for delivery.",
        "de": "Die Nachricht konnte nicht für die Zustellung umgewandelt werden.",
    },
    "send-rejected": {
        "en": "The mail service refused to deliver the message.",
        "de": "Der Mail-Dienst hat die Zustellung der Nachricht abgelehnt.",
    },
}


def language(locale: str | None) -> str:
    lang = (locale or "en").split("-")[0].lower()
    return lang if lang in {"en", "de"} else "en"


def rule_text(rule: str, locale: str | None) -> tuple[str, str]:
    texts = RULE_TEXT.get(rule)
    if texts is None:
        return (rule, "")
    return texts[language(locale)]


def reason_text(reason: str, locale: str | None) -> str:
    texts = REASON_TEXT.get(reason)
    return texts[language(locale)] if texts else reason
