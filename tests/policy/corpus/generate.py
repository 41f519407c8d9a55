# ruff: noqa: E501  (the templates are sentences, one per line)
"""Writes new.jsonl: labeled messages from hand-written paraphrases and fillers (EN and DE).

Run once (`python -m tests.policy.corpus.generate`); split.py then divides the result, once,
by a fixed seed. Every template below is a sentence a seller (or buyer) could really write;
the fillers vary names, numbers, hosts and obfuscations. Labels follow the catalogue.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

OUT = Path(__file__).with_name("new.jsonl")
# After the split, only labels may change: `python -m tests.policy.corpus.generate --relabel`
# rewrites the expected rules of existing ids in dev.jsonl and test.jsonl, texts untouched.
ORDER = "123-1234567-1234567"
FOREIGN = ["402-7788123-5566778", "305-1112223-3334445", "028-9090901-2323234"]
rng = random.Random(20261127)
rows: list[dict[str, object]] = []


def add(kind: str, lang: str, category: str, subject: str, text: str, expect: list[str],
        legit: bool, **extra: object) -> None:  # fmt: skip
    row: dict[str, object] = {
        "id": f"gen-{lang}-{kind}-{len(rows):03d}",
        "lang": lang,
        "category": category,
        "subject": subject,
        "text": text,
        "expect": sorted(expect),
        "legitimate": legit,
    }
    row.update(extra)
    rows.append(row)


PHONES = [
    "0151 23456789",
    "+49 151 23456789",
    "0176-98765432",
    "030 12345678",
    "+44 20 7946 0958",
    "(212) 555-0142",
    "0151/2345 6789",
    "+49 (0)30 1234567",
]
SPELLED = {
    "en": [
        "zero one five one two three four five six seven eight",
        "oh one seven six, nine eight seven six five four three",
        "0151 two three four five six seven eight",
    ],
    "de": [
        "null eins fünf eins zwei drei vier fünf sechs sieben acht",
        "null eins sieben sechs neun acht sieben sechs fünf vier drei",
        "0151 zwei drei vier fünf sechs sieben acht",
    ],
}
EMAILS = [
    "shop.team@gmail.com",
    "info@shop-s1.example",
    "anna.k@web.de",
    "service@myshop.de",
    "anna (at) shopmail (dot) de",
    "team [at] shop-s1 [dot] com",
    "shop ät gmx punkt de",
]
MESSENGER = {
    "en": [
        "message us on WhatsApp",
        "add me on Telegram",
        "find us on Instagram",
        "write to us on Facebook",
        "ping me on Signal messenger",
        "add us on WeChat",
        "DM us on insta",
        "contact me via Viber",
    ],
    "de": [
        "schreiben Sie uns per WhatsApp",
        "kontaktieren Sie mich über Telegram",
        "folgen Sie uns auf Instagram",
        "schreiben Sie uns auf Facebook",
        "melden Sie sich per Threema",
        "erreichen Sie mich über Skype",
    ],
}
CONTACT_EN = [
    "Just call me on {p} and we sort it out.",
    "Text me at {p}, that is quicker.",
    "You can reach me directly: {p}.",
    "My mobile is {p} if anything comes up.",
    "Drop me an email at {e} instead.",
    "Better write to {e}, I check it daily.",
    "For a faster answer {m}.",
    "Easier if you {m}.",
    "Ring us: {s}.",
    "Please send me your phone number so we can talk.",
    "What is your email address? I will send the details there.",
]
CONTACT_DE = [
    "Rufen Sie mich einfach unter {p} an.",
    "Schreiben Sie mir eine SMS an {p}.",
    "Sie erreichen mich direkt unter {p}.",
    "Meine Handynummer ist {p}.",
    "Schreiben Sie lieber an {e}.",
    "Am besten per Mail an {e}.",
    "Für eine schnellere Antwort {m}.",
    "Einfacher ist es, wenn Sie {m}.",
    "Meine Nummer: {s}.",
    "Bitte senden Sie mir Ihre Telefonnummer.",
    "Wie lautet Ihre E-Mail-Adresse? Dann schicke ich Ihnen alles.",
]
OPENERS = {
    "en": ["Hi,", "Hello,", "Dear customer,", "Good morning,", ""],
    "de": ["Hallo,", "Guten Tag,", "Sehr geehrte Kundin, sehr geehrter Kunde,", ""],
}
REPLY_SUBJ = {
    "en": ["Re: question", "Re: your order", "Re: size", "Re: colour"],
    "de": ["Re: Frage", "Re: Ihre Bestellung", "Re: Größe", "Re: Farbe"],
}


def opener(lang: str) -> str:
    text = rng.choice(OPENERS[lang])
    return text + " " if text else ""


def reply_subject(lang: str) -> str:
    return rng.choice(REPLY_SUBJ[lang])


# -- contact-info: 60 ------------------------------------------------------------------------
for lang, templates in (("en", CONTACT_EN), ("de", CONTACT_DE)):
    for i in range(30):
        template = templates[i % len(templates)]
        text = template.format(
            p=rng.choice(PHONES),
            e=rng.choice(EMAILS),
            m=rng.choice(MESSENGER[lang]),
            s=rng.choice(SPELLED[lang]),
        )
        add("ci", lang, "reply", reply_subject(lang), opener(lang) + text, ["contact-info"], False)

# -- external-link: 30 -----------------------------------------------------------------------
HOSTS = [
    "shop-s1.example",
    "www.my-shop.example",
    "bit.ly/3abcd",
    "myshop.example.de/sale",
    "https://shop-s1.example/faq",
    "http://198.51.100.7/catalog",
    "www.videohost.example/v/123",
    "https://manuals.shop-s1.example/x.pdf",
    "//shop-s1.example/setup",
]
LINK_EN = [
    "The setup guide is at {h}.",
    "See {h} for the details.",
    "More photos: {h}",
    "Everything is explained on {h}.",
    "Have a look here: {h}",
]
LINK_DE = [
    "Die Anleitung finden Sie unter {h}.",
    "Details gibt es auf {h}.",
    "Mehr Fotos: {h}",
    "Alles erklärt auf {h}.",
    "Schauen Sie hier: {h}",
]
for lang, templates in (("en", LINK_EN), ("de", LINK_DE)):
    for _ in range(15):
        text = rng.choice(templates).format(h=rng.choice(HOSTS))
        add("el", lang, "reply", reply_subject(lang), opener(lang) + text, ["external-link"], False)

# -- promotion: 30 ---------------------------------------------------------------------------
PROMO_EN = [
    "Use code SAVE{n} for {n}% off your next order.",
    "Here is a coupon for your next purchase: WELCOME{n}.",
    "Our new collection just arrived, you might love it.",
    "Check out our other products in the shop.",
    "As a returning customer you get {n} percent off everything this week.",
    "Black Friday: everything {n}% off!",
    "Sign up to our newsletter for exclusive deals.",
    "Limited time offer: buy two, get one free.",
    "You may also like our matching pillow covers.",
    "Take {n}% off with the voucher code THANKS{n}.",
]
PROMO_DE = [
    "Mit dem Code SPAR{n} erhalten Sie {n}% Rabatt.",
    "Hier ein Gutschein für Ihren nächsten Einkauf: DANKE{n}.",
    "Unsere neue Kollektion ist da.",
    "Schauen Sie sich unsere anderen Produkte an.",
    "Als Stammkunde erhalten Sie {n} Prozent Rabatt auf alles.",
    "Nur diese Woche: Sonderangebot auf alle Kissen.",
    "Abonnieren Sie unseren Newsletter für exklusive Angebote.",
    "Das könnte Ihnen auch gefallen: die passende Decke.",
    "Ihr Rabattcode für die nächste Bestellung: TREUE{n}.",
    "Besuchen Sie unseren Shop für weitere Angebote.",
]
for lang, templates in (("en", PROMO_EN), ("de", PROMO_DE)):
    for i in range(15):
        text = templates[i % len(templates)].format(n=rng.choice([5, 10, 15, 20, 25]))
        add("pr", lang, "reply", reply_subject(lang), opener(lang) + text, ["promotion"], False)

# -- review-manipulation: 30 -----------------------------------------------------------------
RM_EN = [
    "We would be grateful for a positive review.",
    "A 5-star rating would mean the world to us.",
    "If you leave five stars we refund the shipping.",
    "Could you change your review now that it is fixed?",
    "Please remove your negative feedback, we sent a replacement.",
    "We give a free gift for every good review.",
    "Please update your review to reflect the refund.",
    "Would you consider deleting the one-star review?",
    "Leave a great review and get 10% back.",
    "We will refund you in exchange for a review.",
]
RM_DE = [
    "Über eine positive Bewertung würden wir uns sehr freuen.",
    "Für 5 Sterne erstatten wir Ihnen die Versandkosten.",
    "Könnten Sie Ihre Bewertung ändern, jetzt wo alles geklärt ist?",
    "Bitte löschen Sie die negative Bewertung.",
    "Für eine gute Bewertung schenken wir Ihnen einen Gutschein.",
    "Bitte passen Sie Ihre Bewertung an.",
    "Würden Sie die Ein-Stern-Bewertung entfernen?",
    "Fünf Sterne wären toll, dafür gibt es ein Geschenk.",
    "Ziehen Sie die Bewertung bitte zurück, wir erstatten alles.",
    "Gegen eine Bewertung erhalten Sie 10 Euro zurück.",
]
for lang, templates in (("en", RM_EN), ("de", RM_DE)):
    for i in range(15):
        text = templates[i % len(templates)]
        expect = ["review-manipulation"]
        if any(w in text.lower() for w in ("coupon", "voucher", "gutschein", "rabatt")):
            expect = ["promotion", "review-manipulation"]  # a voucher offered is promotion too
        add("rm", lang, "reply", reply_subject(lang), opener(lang) + text, expect, False)

# -- review-request-limit (second request): 14 ------------------------------------------------
RRL = {
    "en": [
        "Would you leave a review of the lamp?",
        "Please write a review when you have time.",
        "How would you rate your purchase?",
        "We would appreciate it if you could leave feedback.",
        "Could you share your feedback on the marketplace?",
        "Please rate your purchase.",
        "Do you have a minute to review your purchase?",
    ],
    "de": [
        "Würden Sie eine Bewertung abgeben?",
        "Bitte schreiben Sie eine Rezension, wenn Sie Zeit haben.",
        "Wir freuen uns, wenn Sie Feedback hinterlassen.",
        "Bewerten Sie bitte Ihren Einkauf.",
        "Hätten Sie Zeit für eine Bewertung?",
        "Bitte hinterlassen Sie eine Bewertung.",
        "Mögen Sie eine Rezension hinterlassen?",
    ],
}
for lang, templates in RRL.items():
    for text in templates:
        add("rrl", lang, "reply", reply_subject(lang), opener(lang) + text,
            ["review-request-limit"], False, context={"review_requests_sent": 1})  # fmt: skip

# -- opt-out-request: 16 ---------------------------------------------------------------------
OPT = {
    "en": [
        "Reply STOP to unsubscribe from our messages.",
        "If you no longer wish to receive messages, opt out here.",
        "Click unsubscribe at the bottom to stop receiving these.",
        "You can opt-out of future messages any time.",
        "Unsubscribe: reply with the word NO.",
        "Tell us if you no longer want to receive updates.",
        "To stop receiving our notes, just reply unsubscribe.",
        "Opt out of messages by replying STOP.",
    ],
    "de": [
        "Antworten Sie STOP, um sich abzumelden.",
        "Wenn Sie keine weiteren Nachrichten möchten, melden Sie sich hier ab.",
        "Sie können diese Nachrichten jederzeit abbestellen.",
        "Zum Abmelden einfach mit NEIN antworten.",
        "Möchten Sie diese Hinweise nicht mehr erhalten? Abmeldung per Antwort.",
        "Hier können Sie sich abmelden.",
        "Keine weiteren Nachrichten? Einfach abbestellen.",
        "Abmelden: antworten Sie mit STOP.",
    ],
}
for lang, templates in OPT.items():
    for text in templates:
        add(
            "oo",
            lang,
            "reply",
            reply_subject(lang),
            opener(lang) + text,
            ["opt-out-request"],
            False,
        )

# -- sensitive-content: 16 -------------------------------------------------------------------
SC = {
    "en": [
        "Stop whining, you idiot.",
        "This is bullshit, you got what you paid for.",
        "We know where you live, think about it.",
        "You will regret this complaint.",
        "What a stupid fucking question.",
        "Don't be such an asshole about a late parcel.",
        "Get lost, you moron idiot.",
        "Shit happens, deal with it.",
    ],
    "de": [
        "Hören Sie auf zu jammern, Sie Idiot.",
        "Das ist doch Scheiße, was Sie da schreiben.",
        "Wir wissen wo Sie wohnen.",
        "Das werden Sie bereuen.",
        "So ein Arschloch.",
        "Was für eine Scheisse, ehrlich.",
        "Sie Vollidiot, lesen Sie die Beschreibung.",
        "Ich bringe Sie um, wenn das so weitergeht.",
    ],
}
for lang, templates in SC.items():
    for text in templates:
        add("sc", lang, "reply", reply_subject(lang), text, ["sensitive-content"], False)

# -- only-messages (proactive, with the order id): 36 ------------------------------------------
ONLY = {
    "thank-you-only": {
        "en": [
            "Thank you for your order {o}!",
            "Many thanks for shopping with us ({o}).",
            "Thanks a lot for your purchase, order {o}.",
            "We appreciate your order {o}. Thank you!",
            "Thank you so much for order {o}.",
            "Thanks for choosing us! Order {o}",
        ],
        "de": [
            "Vielen Dank für Ihre Bestellung {o}!",
            "Herzlichen Dank für Ihren Einkauf ({o}).",
            "Danke für Ihre Bestellung {o}.",
            "Wir bedanken uns für Ihre Bestellung {o}.",
            "Besten Dank für die Bestellung {o}!",
            "Vielen herzlichen Dank, Bestellung {o}.",
        ],
    },
    "confirmation-only": {
        "en": [
            "Your order {o} has shipped.",
            "Order {o}: your parcel is on its way.",
            "We received your order {o}.",
            "Your order {o} has been dispatched.",
            "Good news, order {o} was delivered.",
            "Your order {o} is confirmed.",
        ],
        "de": [
            "Ihre Bestellung {o} wurde versandt.",
            "Bestellung {o}: Ihr Paket ist unterwegs.",
            "Wir haben Ihre Bestellung {o} erhalten.",
            "Ihre Bestellung {o} wurde verschickt.",
            "Ihre Bestellung {o} wurde zugestellt.",
            "Ihre Bestellung {o} wurde bestätigt.",
        ],
    },
    "help-offer-only": {
        "en": [
            "Order {o}: if you have any questions, let us know.",
            "Order {o}: do not hesitate to contact us if there is any problem.",
            "About {o}: feel free to reach out if anything is wrong.",
            "Order {o}: we are here to help.",
            "Regarding {o}: contact us if you need anything.",
            "Order {o}: any questions? Just reply.",
        ],
        "de": [
            "Bestellung {o}: bei Fragen melden Sie sich gerne.",
            "Bestellung {o}: zögern Sie nicht, uns zu kontaktieren.",
            "Zu {o}: falls es Probleme gibt, helfen wir Ihnen gerne.",
            "Bestellung {o}: wir helfen Ihnen gerne.",
            "Zu {o}: bei Problemen sind wir für Sie da.",
            "Bestellung {o}: melden Sie sich gerne bei Fragen.",
        ],
    },
}
for rule, by_lang in ONLY.items():
    for lang, templates in by_lang.items():
        for text in templates:
            add(rule.split("-")[0], lang, "proactive", f"{'Order' if lang == 'en' else 'Bestellung'} {ORDER}",
                opener(lang) + text.format(o=ORDER), [rule], False)  # fmt: skip

# -- order ids: 20 ---------------------------------------------------------------------------
for i in range(10):
    lang = "en" if i % 2 == 0 else "de"
    other = rng.choice(FOREIGN)
    text = (
        f"The same lamp went out with order {other} yesterday."
        if lang == "en"
        else f"Die gleiche Lampe ging gestern mit Bestellung {other} raus."
    )
    add("oif", lang, "reply", reply_subject(lang), text, ["order-id-foreign"], False)
MISSING = {
    "en": [
        "Hello, the engraving you chose: is 'Anna' spelled right?",
        "Your lamp needs an E27 bulb, not included.",
        "Please note the sofa legs are in a separate box.",
        "The colour you picked is back in stock next week.",
        "The table top needs oil once a year.",
    ],
    "de": [
        "Hallo, die gewünschte Gravur: ist 'Anna' richtig geschrieben?",
        "Ihre Lampe braucht eine E27-Birne.",
        "Die Sofafüße liegen in einem separaten Karton.",
        "Die gewählte Farbe ist nächste Woche wieder da.",
        "Die Tischplatte sollte einmal im Jahr geölt werden.",
    ],
}
for lang, templates in MISSING.items():
    for text in templates:
        add("oim", lang, "proactive", "Your order" if lang == "en" else "Ihre Bestellung", text,
            ["order-id-missing"], False)  # fmt: skip

# -- context rules: 20 -----------------------------------------------------------------------
INFO = {
    "en": [
        f"Order {ORDER}: the replacement part ships on Monday.",
        f"Order {ORDER}: the care instructions are below: wash at 30 degrees.",
        f"About {ORDER}: the second chair follows in a separate parcel.",
        f"Order {ORDER}: the warranty card is in the box.",
        f"Order {ORDER}: please keep the original packaging for returns.",
    ],
    "de": [
        f"Bestellung {ORDER}: das Ersatzteil wird am Montag verschickt.",
        f"Bestellung {ORDER}: bitte bei 30 Grad waschen.",
        f"Zu {ORDER}: der zweite Stuhl kommt in einem separaten Paket.",
        f"Bestellung {ORDER}: die Garantiekarte liegt im Karton.",
        f"Bestellung {ORDER}: bitte bewahren Sie die Originalverpackung auf.",
    ],
}
for lang, templates in INFO.items():
    for text in templates:
        add(
            "win",
            lang,
            "proactive",
            f"{ORDER}",
            text,
            ["proactive-window"],
            False,
            context={"delivered_days_ago": rng.choice([35, 45, 90])},
        )
        add(
            "opt",
            lang,
            "proactive",
            f"{ORDER}",
            text,
            ["buyer-opted-out"],
            False,
            context={"opted_out": True},
        )

# -- language mismatch: 10 -------------------------------------------------------------------
for text in INFO["en"]:
    add("lm", "en", "proactive", ORDER, text + " We are sorry for the delay and we will keep you posted.",
        ["language-mismatch"], False, context={"buyer_locale": "de-DE"})  # fmt: skip
for text in INFO["de"]:
    add("lm", "de", "proactive", ORDER, text + " Wir bitten die Verzögerung zu entschuldigen und halten Sie auf dem Laufenden.",
        ["language-mismatch"], False, context={"buyer_locale": "en-US"})  # fmt: skip

# -- attachments and HTML: 32 ----------------------------------------------------------------
for i in range(6):
    lang = "en" if i % 2 == 0 else "de"
    kind, name = rng.choice(
        [("xlsx", "price-list.xlsx"), ("docx", "notes.docx"), ("xlsx", "sizes.xlsx")]
    )
    add("at", lang, "reply", reply_subject(lang), "See the attached file." if lang == "en" else "Siehe Anhang.",
        ["attachment-type"], False, attachments=[{"name": name, "kind": kind}])  # fmt: skip
for i in range(6):
    lang = "en" if i % 2 == 0 else "de"
    kind, name = rng.choice(
        [("exe", "setup.exe"), ("zip", "photos.zip"), ("docm", "invoice.docm"), ("sh", "fix.sh")]
    )
    add("ua", lang, "reply", reply_subject(lang), "The invoice is attached." if lang == "en" else "Die Rechnung ist angehängt.",
        ["unsafe-attachment"], False, attachments=[{"name": name, "kind": kind}])  # fmt: skip
for i in range(6):
    lang = "en" if i % 2 == 0 else "de"
    text = "Your parcel is with DHL." if lang == "en" else "Ihr Paket ist bei DHL."
    host = rng.choice(["mailtrack.io", "t.yesware.com", "ct.sendgrid.net", "pixel.example.org"])
    html = f'<p>{text}</p><img src="https://{host}/o.gif?id={i}" width="1" height="1">'
    add("tp", lang, "reply", reply_subject(lang), text, ["tracking-pixel"], False, html=html)
for i in range(6):
    lang = "en" if i % 2 == 0 else "de"
    text = "Thanks for the question, it fits." if lang == "en" else "Danke für die Frage, es passt."
    html = f'<p>{text}</p><a href="https://shop-s1.example/?r={i}"><img src="cid:logo" width="120" alt="Shop"></a>'
    add("ll", lang, "reply", reply_subject(lang), text, ["logo-link"], False, html=html)
for i in range(4):
    lang = "en" if i % 2 == 0 else "de"
    add("big", lang, "reply", reply_subject(lang), "Photos attached." if lang == "en" else "Fotos anbei.",
        ["message-too-large"], False, context={"raw_size": 11_000_000 + i})  # fmt: skip
for i in range(4):
    lang = "en" if i % 2 == 0 else "de"
    text = "Tracking above." if lang == "en" else "Sendungsverfolgung oben."
    html = f'<p>{text}</p><p style="display:none">WhatsApp {rng.choice(PHONES)}</p>'
    add("cih", lang, "reply", reply_subject(lang), text, ["contact-info"], False, html=html)

# -- critical claims: 12 ---------------------------------------------------------------------
CLAIM = {
    "en": [
        f"Order {ORDER}: our summer range is live.",
        f"Order {ORDER}: we hope you enjoy the lamp.",
        f"Order {ORDER}: we updated our shop design.",
        f"Order {ORDER}: just checking in.",
        f"Order {ORDER}: a short note from the team.",
        f"Order {ORDER}: we moved to a new warehouse.",
    ],
    "de": [
        f"Bestellung {ORDER}: unser Sommersortiment ist online.",
        f"Bestellung {ORDER}: viel Freude mit der Lampe.",
        f"Bestellung {ORDER}: unser Shop hat ein neues Design.",
        f"Bestellung {ORDER}: wir wollten uns kurz melden.",
        f"Bestellung {ORDER}: ein kurzer Gruß vom Team.",
        f"Bestellung {ORDER}: wir sind in ein neues Lager umgezogen.",
    ],
}
for lang, templates in CLAIM.items():
    for text in templates:
        add("cc", lang, "proactive", f"[Important] {ORDER}", text, ["critical-claim"], True)

# -- legitimate near-misses: 180 ---------------------------------------------------------------
LEGIT_REPLY = {
    "en": [
        "The table is 140 cm long, 80 cm wide and 75 cm high.",
        "It costs 49.99 EUR including VAT.",
        "Delivery takes 3-5 working days within Germany.",
        "The parcel left our warehouse in 10115 Berlin today.",
        "We will review your return request and answer by Friday.",
        "Yes, the cover is washable at 30 degrees.",
        "The EAN is 4006381333931 if you need it for the warranty.",
        "Your tracking number is 00340434161234567890.",
        "You can follow it at https://www.dhl.de/de/privatkunden.html?piececode=00340434161234567890.",
        "The model number is LX-2040, size M.",
        "We can offer a partial refund of 15 EUR for the scratch.",
        "No discount code is needed, the price already includes the sale.",
        "The call button on the remote switches it on.",
        "The battery lasts about 12 hours.",
        "Our opening hours do not matter, you can write here any time.",
        "Thanks for asking! The jacket runs small, so take one size up.",
        "The star pattern is printed, not embroidered.",
        "Five pieces are in each pack.",
        "The manual on page 4 shows how to fix the shelf.",
        "Return it within 30 days via the marketplace's return page.",
        "Item 2 of 3 ships next week.",
        "We checked: order 123-1234567-1234567 contains two cushions.",
        "The delivery driver rings twice.",
        "You can see the status under https://marketplace.example/orders/123-1234567-1234567.",
        "Sorry, the blue one is sold out; the grey one is identical otherwise.",
        "The warranty covers 2 years from delivery.",
        "Please describe the defect, a photo helps too.",
        "It weighs 4.5 kg without the box.",
        "Yes, it works with 110-240 V.",
        "Reviewing your photos, the frame looks bent in transit.",
    ],
    "de": [
        "Der Tisch ist 140 cm lang, 80 cm breit und 75 cm hoch.",
        "Er kostet 49,99 EUR inklusive MwSt.",
        "Die Lieferung dauert 3-5 Werktage innerhalb Deutschlands.",
        "Das Paket hat heute unser Lager in 10115 Berlin verlassen.",
        "Wir prüfen Ihre Rücksendung und antworten bis Freitag.",
        "Ja, der Bezug ist bei 30 Grad waschbar.",
        "Die EAN lautet 4006381333931, falls Sie sie für die Garantie brauchen.",
        "Ihre Sendungsnummer ist 00340434161234567890.",
        "Verfolgen Sie das Paket unter https://www.dhl.de/de/privatkunden.html?piececode=00340434161234567890.",
        "Die Modellnummer ist LX-2040, Größe M.",
        "Wir bieten eine Teilerstattung von 15 EUR für den Kratzer an.",
        "Ein Rabattcode ist nicht nötig, der Preis ist bereits reduziert.",
        "Die Taste auf der Fernbedienung schaltet es ein.",
        "Der Akku hält etwa 12 Stunden.",
        "Sie können uns hier jederzeit schreiben.",
        "Danke für die Frage! Die Jacke fällt klein aus, nehmen Sie eine Größe größer.",
        "Das Sternmuster ist gedruckt, nicht gestickt.",
        "In jeder Packung sind fünf Stück.",
        "Die Anleitung zeigt auf Seite 4, wie das Regal befestigt wird.",
        "Sie können es innerhalb von 30 Tagen über die Rücksendeseite des Marktplatzes zurückgeben.",
        "Artikel 2 von 3 kommt nächste Woche.",
        "Wir haben nachgesehen: Bestellung 123-1234567-1234567 enthält zwei Kissen.",
        "Der Fahrer klingelt zweimal.",
        "Den Status sehen Sie unter https://marketplace.example/orders/123-1234567-1234567.",
        "Leider ist Blau ausverkauft; Grau ist sonst identisch.",
        "Die Garantie gilt 2 Jahre ab Lieferung.",
        "Bitte beschreiben Sie den Mangel, ein Foto hilft auch.",
        "Es wiegt 4,5 kg ohne Karton.",
        "Ja, es funktioniert mit 110-240 V.",
        "Auf Ihren Fotos sieht der Rahmen verbogen aus.",
    ],
}
for lang, templates in LEGIT_REPLY.items():
    for text in templates:
        add("ok", lang, "reply", reply_subject(lang), opener(lang) + text, [], True)
        add("ok", lang, "reply", reply_subject(lang), text + rng.choice(
            [" Kind regards", " Best regards, the team", ""] if lang == "en" else [" Viele Grüße", " Mit freundlichen Grüßen", ""]),
            [], True)  # fmt: skip
CRITICAL_OK = {
    "en": [
        "The house number is missing in your delivery address, could you tell us?",
        "When would you be home for the delivery appointment: Tuesday or Thursday?",
        "Please confirm the spelling of the name for the engraving.",
        "The carrier returned the parcel as undeliverable: the postcode is wrong.",
        "We need your approval of the design proof before we print.",
        "The freight forwarder will call to schedule the delivery slot.",
        "Which time slot suits you for the installation?",
        "The street name is missing in the address, please update it in your account.",
    ],
    "de": [
        "In Ihrer Lieferadresse fehlt die Hausnummer, können Sie sie nennen?",
        "Wann sind Sie für den Liefertermin zu Hause: Dienstag oder Donnerstag?",
        "Bitte bestätigen Sie die Schreibweise des Namens für die Gravur.",
        "Das Paket kam als unzustellbar zurück: die Postleitzahl ist falsch.",
        "Bitte geben Sie den Entwurf für die Personalisierung frei.",
        "Die Spedition ruft an, um den Liefertermin abzustimmen.",
        "Welcher Termin passt Ihnen für die Montage?",
        "Die Adresse ist unvollständig, bitte ergänzen Sie die Straße.",
    ],
}
for lang, templates in CRITICAL_OK.items():
    for text in templates:
        add("crit", lang, "critical", f"[Important] {ORDER}", text, [], True)
PROACTIVE_OK = {
    "en": [
        "the replacement part ships on Monday, you will get the usual tracking email.",
        "the second chair follows in a separate parcel tomorrow.",
        "the invoice you asked for is attached.",
    ],
    "de": [
        "das Ersatzteil geht am Montag raus, Sie bekommen die übliche Versandmail.",
        "der zweite Stuhl folgt morgen in einem separaten Paket.",
        "die gewünschte Rechnung ist angehängt.",
    ],
}
for lang, templates in PROACTIVE_OK.items():
    for i, text in enumerate(templates):
        prefix = f"Order {ORDER}: " if lang == "en" else f"Bestellung {ORDER}: "
        extra = (
            {"attachments": [{"name": "invoice-2026-0042.pdf", "kind": "pdf"}]} if i == 2 else {}
        )
        add("pok", lang, "proactive", ORDER, prefix + text, [], True, **extra)
BUYER_OK = {
    "en": [
        "Can you call me on 0151 23456789? The parcel is damaged.",
        "My email is bob@example.net, send the invoice.",
        "See the photo here: https://photos.example/abc",
        "Is there a discount code for a second order?",
        "I left a 5 star review already!",
        "Please unsubscribe me from the newsletter.",
    ],
    "de": [
        "Rufen Sie mich an: 0151 23456789, das Paket ist beschädigt.",
        "Meine E-Mail ist bob@example.net.",
        "Foto hier: https://photos.example/abc",
        "Gibt es einen Rabattcode?",
        "Ich habe schon 5 Sterne gegeben!",
        "Bitte melden Sie mich vom Newsletter ab.",
    ],
}
for lang, templates in BUYER_OK.items():
    for text in templates:
        add("buy", lang, "buyer", "Question", text, [], True)


def relabel() -> None:
    by_id = {str(r["id"]): r for r in rows}
    for name in ("dev.jsonl", "test.jsonl"):
        path = OUT.with_name(name)
        out = []
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            new = by_id.get(row["id"])
            if new is not None:
                assert new["text"] == row["text"], row["id"]  # same generator, same rows
                row["expect"] = new["expect"]
            out.append(json.dumps(row, ensure_ascii=False))
        path.write_text("\n".join(out) + "\n", "utf-8")


if __name__ == "__main__" and sys.argv[1:] == ["--relabel"]:
    relabel()
elif __name__ == "__main__":
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    print(len(rows), "rows,", sum(bool(r["legitimate"]) for r in rows), "legitimate")
