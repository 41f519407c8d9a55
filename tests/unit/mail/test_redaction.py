"""Taking one person out of a stored mail: their name and addresses, in every encoding the
parser decodes; files dropped; the other party's words kept."""

from __future__ import annotations

from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

from parley.mail.redaction import ERASED, FILE_REMOVED, Identity, redact_message, redact_text

BOB = Identity.of("Bob Example", ["Bob@Example.net", "bob.work@example.com"])


def test_names_as_whole_words_and_addresses_in_any_case() -> None:
    text, changed = redact_text("Hi Bob, BOB@EXAMPLE.NET and Bobby. Example shop. I will.", BOB)
    assert text == f"Hi {ERASED}, {ERASED} and Bobby. {ERASED} shop. I will."
    assert changed == 3


def test_a_common_word_as_a_name_is_replaced_only_as_written() -> None:
    will = Identity.of("Will Smith", [])
    assert redact_text("Dear Will, we will ship. WILL SMITH", will)[0] == (
        f"Dear {ERASED}, we will ship. {ERASED}"
    )


def test_a_mail_loses_the_person_in_headers_encoded_text_and_html_and_its_files() -> None:
    mail = EmailMessage()
    mail["From"] = "Shop <seller@example.org>"
    mail["To"] = "Bob Example <bob@example.net>"
    mail["Subject"] = "Ihre Bestellung, Bob Example ✓"  # RFC 2047 encoded on the wire
    mail.set_content("Hallo Bob, wir senden an bob.work@example.com. Grüße " * 20, cte="base64")
    mail.add_alternative(
        "<p>Hallo <b>Bob</b> &ndash; bob@example.net</p>", subtype="html", cte="quoted-printable"
    )
    mail.add_attachment(
        b"%PDF-1.4 Bob Example invoice",
        maintype="application",
        subtype="pdf",
        filename="rechnung-bob.pdf",
    )
    raw = mail.as_bytes()
    assert b"Bob" in raw
    out = redact_message(raw, BOB)
    parsed = message_from_bytes(out, policy=email_policy.default)
    decoded = "\n".join(
        str(part.get_content()) for part in parsed.walk() if not part.is_multipart()
    ) + "\n".join(f"{k}: {v}" for k, v in parsed.items())
    assert "Bob" not in decoded and "bob" not in decoded.lower()
    assert "Grüße" in decoded and "Shop <seller@example.org>" in decoded
    assert FILE_REMOVED in decoded and "rechnung" not in decoded
    assert b"Bob" not in out and b"bob" not in out.lower()


def test_a_mail_without_the_person_is_returned_as_it_was() -> None:
    mail = EmailMessage()
    mail["From"] = "seller@example.org"
    mail["Subject"] = "Hello"
    mail.set_content("Nothing personal.")
    raw = mail.as_bytes()
    assert redact_message(raw, BOB) is not None
    assert redact_text("Nothing personal.", BOB) == ("Nothing personal.", 0)
