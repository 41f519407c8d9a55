"""Plain words for every rule and rejection reason, for the people who get a notice."""

from __future__ import annotations

from parley.core.i18n import language

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
    "order-id-foreign": {
        "en": (
            "The message names an order that is not this buyer's.",
            "Mention only this buyer's order ids.",
        ),
        "de": (
            "Die Nachricht nennt eine Bestellung, die nicht zu diesem Käufer gehört.",
            "Nennen Sie nur Bestellnummern dieses Käufers.",
        ),
    },
    "proactive-window": {
        "en": (
            "Messages you start are allowed only up to 30 days after delivery.",
            "Answer the buyer's questions instead, or mark urgent order matters [Important].",
        ),
        "de": (
            "Selbst begonnene Nachrichten sind nur bis 30 Tage nach der Zustellung erlaubt.",
            "Beantworten Sie stattdessen Fragen des Käufers oder markieren Sie dringende "
            "Bestellangelegenheiten mit [Important].",
        ),
    },
    "buyer-opted-out": {
        "en": (
            "The buyer does not want unsolicited messages.",
            "Write only to answer the buyer, or about what the order needs ([Important]).",
        ),
        "de": (
            "Der Käufer möchte keine unaufgeforderten Nachrichten.",
            "Schreiben Sie nur als Antwort oder wenn die Bestellung es erfordert ([Important]).",
        ),
    },
    "review-request-limit": {
        "en": (
            "You may ask for a review only once per order, from 5 to 30 days after delivery.",
            "Remove the request for a review or feedback.",
        ),
        "de": (
            "Sie dürfen pro Bestellung nur einmal um eine Bewertung bitten, frühestens 5 "
            "und spätestens 30 Tage nach der Lieferung.",
            "Entfernen Sie die Bitte um eine Bewertung.",
        ),
    },
    "review-manipulation": {
        "en": (
            "Asking for a positive review, offering anything for one, or asking to change or "
            "remove a review is not allowed.",
            "Ask neutrally, once, or not at all; never offer anything in return.",
        ),
        "de": (
            "Die Bitte um eine positive Bewertung, eine Gegenleistung dafür oder die Bitte, "
            "eine Bewertung zu ändern oder zu löschen, ist nicht erlaubt.",
            "Bitten Sie neutral und nur einmal, und bieten Sie nie etwas dafür an.",
        ),
    },
    "promotion": {
        "en": (
            "Coupons, discounts, marketing and links to other products are not allowed.",
            "Remove the offer; write only about this order.",
        ),
        "de": (
            "Gutscheine, Rabatte, Werbung und Links zu anderen Produkten sind nicht erlaubt.",
            "Entfernen Sie das Angebot; schreiben Sie nur über diese Bestellung.",
        ),
    },
    "confirmation-only": {
        "en": (
            "A message that only confirms the order or its shipping is not needed: the "
            "marketplace already sends it.",
            "Send it only with information the buyer needs and does not have yet.",
        ),
        "de": (
            "Eine reine Bestell- oder Versandbestätigung ist unnötig: der Marktplatz "
            "verschickt sie bereits.",
            "Senden Sie nur Informationen, die der Käufer braucht und noch nicht hat.",
        ),
    },
    "thank-you-only": {
        "en": (
            "A message that only says thank you is not allowed.",
            "Write when there is something the order needs.",
        ),
        "de": (
            "Eine Nachricht, die nur Danke sagt, ist nicht erlaubt.",
            "Schreiben Sie, wenn die Bestellung etwas erfordert.",
        ),
    },
    "help-offer-only": {
        "en": (
            "A message that only offers help if there is a problem is not allowed.",
            "The buyer can always write to you; no need to announce it.",
        ),
        "de": (
            "Eine Nachricht, die nur Hilfe bei Problemen anbietet, ist nicht erlaubt.",
            "Der Käufer kann Ihnen jederzeit schreiben; das muss nicht angekündigt werden.",
        ),
    },
    "contact-info": {
        "en": (
            "Email addresses, phone numbers, messenger or social media contacts, or asking "
            "for the buyer's, are not allowed.",
            "Keep the conversation here; remove the contact details.",
        ),
        "de": (
            "E-Mail-Adressen, Telefonnummern, Messenger- oder Social-Media-Kontakte oder die "
            "Frage nach denen des Käufers sind nicht erlaubt.",
            "Führen Sie die Unterhaltung hier; entfernen Sie die Kontaktdaten.",
        ),
    },
    "external-link": {
        "en": (
            "Links are allowed only to the marketplace, carriers' tracking pages and the "
            "hosts you registered for instructions or warranty.",
            "Remove the link, or register the host for instructions or warranty.",
        ),
        "de": (
            "Links sind nur zum Marktplatz, zu Sendungsverfolgungen der Versanddienste und zu "
            "Ihren registrierten Seiten für Anleitungen oder Garantie erlaubt.",
            "Entfernen Sie den Link oder registrieren Sie die Seite für Anleitung/Garantie.",
        ),
    },
    "opt-out-request": {
        "en": (
            "Asking the buyer to unsubscribe or opt out, or unsubscribe links, are not allowed.",
            "Remove the unsubscribe text or link (and any List-Unsubscribe header).",
        ),
        "de": (
            "Aufforderungen zum Abmelden und Abmeldelinks sind nicht erlaubt.",
            "Entfernen Sie den Abmeldetext oder -link.",
        ),
    },
    "logo-link": {
        "en": (
            "Images that link off the marketplace (such as a linked logo) are not allowed.",
            "Remove the link around the image.",
        ),
        "de": (
            "Bilder, die aus dem Marktplatz hinaus verlinken (etwa ein verlinktes Logo), sind "
            "nicht erlaubt.",
            "Entfernen Sie den Link um das Bild.",
        ),
    },
    "sensitive-content": {
        "en": (
            "Profanity, insults, threats and adult content are not allowed.",
            "Rewrite the message in a neutral tone.",
        ),
        "de": (
            "Schimpfwörter, Beleidigungen, Drohungen und Inhalte für Erwachsene sind nicht "
            "erlaubt.",
            "Formulieren Sie die Nachricht sachlich.",
        ),
    },
    "attachment-type": {
        "en": (
            "Only invoices, manuals or instructions, warranty documents and customization "
            "proofs are allowed, as PDF, PNG, JPEG, GIF or plain text.",
            "Attach only such documents, and say in the text or file name what they are.",
        ),
        "de": (
            "Erlaubt sind nur Rechnungen, Anleitungen, Garantieunterlagen und Entwürfe zur "
            "Personalisierung, als PDF, PNG, JPEG, GIF oder Text.",
            "Hängen Sie nur solche Dokumente an und nennen Sie im Text oder Dateinamen, was "
            "sie sind.",
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
    "message-too-large": {
        "en": (
            "The message is larger than the limit (10 MB).",
            "Send fewer or smaller attachments.",
        ),
        "de": (
            "Die Nachricht ist größer als erlaubt (10 MB).",
            "Senden Sie weniger oder kleinere Anhänge.",
        ),
    },
    "critical-claim": {
        "en": (
            "[Important] is for what the order needs: customization questions, delivery "
            "scheduling or a problem with the delivery address. This message is about "
            "something else, so it was treated as an ordinary message.",
            "Use [Important] only for those three reasons.",
        ),
        "de": (
            "[Important] ist für das gedacht, was die Bestellung erfordert: Fragen zur "
            "Personalisierung, Terminabsprachen zur Lieferung oder ein Problem mit der "
            "Lieferadresse. Diese Nachricht betrifft etwas anderes und wurde daher wie eine "
            "gewöhnliche Nachricht behandelt.",
            "Verwenden Sie [Important] nur aus diesen drei Gründen.",
        ),
    },
    "policy-timeout": {
        "en": (
            "The message could not be checked in time.",
            "Send a shorter message in plain text.",
        ),
        "de": (
            "Die Nachricht konnte nicht rechtzeitig geprüft werden.",
            "Senden Sie eine kürzere Nachricht als reinen Text.",
        ),
    },
    "unprocessable": {
        "en": (
            "The message could not be processed as sent; it was delivered as plain text only.",
            "Send the message again as plain text, with attachments as PDF or images.",
        ),
        "de": (
            "Die Nachricht konnte so nicht verarbeitet werden; sie wurde nur als Text zugestellt.",
            "Senden Sie die Nachricht erneut als reinen Text, Anhänge als PDF oder Bilder.",
        ),
    },
    "language-mismatch": {
        "en": (
            "The message is not in the buyer's language.",
            "Write in the language of the buyer's marketplace.",
        ),
        "de": (
            "Die Nachricht ist nicht in der Sprache des Käufers.",
            "Schreiben Sie in der Sprache des Marktplatzes des Käufers.",
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
    "unprocessable": {
        "en": "The message could not be processed (its structure or encoding is broken). "
        "Please send it again as plain text.",
        "de": "Die Nachricht konnte nicht verarbeitet werden (Aufbau oder Kodierung sind "
        "fehlerhaft). Bitte senden Sie sie erneut als reinen Text.",
    },
    "recipient-bounced": {
        "en": "The recipient's mail server refused the message permanently.",
        "de": "Der Mailserver des Empfängers hat die Nachricht dauerhaft abgelehnt.",
    },
    "send-rejected": {
        "en": "The mail service refused to deliver the message.",
        "de": "Der Mail-Dienst hat die Zustellung der Nachricht abgelehnt.",
    },
    "order-cancelled": {
        "en": "This order was cancelled, so the seller cannot be contacted about it here. "
        "Please contact the marketplace's customer service.",
        "de": "Diese Bestellung wurde storniert, daher kann der Verkäufer hierzu nicht mehr "
        "kontaktiert werden. Bitte wenden Sie sich an den Kundenservice des Marktplatzes.",
    },
    "seller-messaging-disabled": {
        "en": "This seller does not receive messages. Please contact the marketplace's "
        "customer service.",
        "de": "Dieser Verkäufer empfängt keine Nachrichten. Bitte wenden Sie sich an den "
        "Kundenservice des Marktplatzes.",
    },
    "rate-limited": {
        "en": "You sent more messages through this address than allowed in a short time. "
        "Please wait and send your message again later.",
        "de": "Sie haben in kurzer Zeit mehr Nachrichten über diese Adresse gesendet als "
        "erlaubt. Bitte warten Sie und senden Sie Ihre Nachricht später erneut.",
    },
}


def rule_text(rule: str, locale: str | None) -> tuple[str, str]:
    texts = RULE_TEXT.get(rule)
    if texts is None:
        return (rule, "")
    return texts[language(locale)]


def reason_text(reason: str, locale: str | None) -> str:
    texts = REASON_TEXT.get(reason)
    return texts[language(locale)] if texts else reason
