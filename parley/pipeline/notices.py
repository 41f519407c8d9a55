"""Notices to senders: why a message was rejected, blocked or changed. Never relayed onward."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parley.mail.addresses import formatted
from parley.mail.outbound import AUTO_REPLIED, Outbound, build
from parley.policy.catalogue import language, reason_text, rule_text
from parley.policy.model import Violation

_SUBJECTS = {
    "rejected": {"en": "Not delivered: {subject}", "de": "Nicht zugestellt: {subject}"},
    "blocked": {"en": "Not delivered: {subject}", "de": "Nicht zugestellt: {subject}"},
    "sanitized": {
        "en": "Delivered with changes: {subject}",
        "de": "Mit Änderungen zugestellt: {subject}",
    },
    "no_response": {
        "en": "Marked as needing no response: {subject}",
        "de": "Als „keine Antwort nötig“ markiert: {subject}",
    },
    "redirected": {
        "en": "Sent to customer service: {subject}",
        "de": "An den Kundenservice gesendet: {subject}",
    },
    "no_response_none": {
        "en": "Nothing was waiting for an answer: {subject}",
        "de": "Keine offene Käufernachricht: {subject}",
    },
}
_INTRO = {
    "rejected": {
        "en": "Your message was not delivered.",
        "de": "Ihre Nachricht wurde nicht zugestellt.",
    },
    "blocked": {
        "en": "Your message was not delivered because it breaks the marketplace's "
        "communication policy:",
        "de": "Ihre Nachricht wurde nicht zugestellt, weil sie gegen die "
        "Kommunikationsrichtlinie des Marktplatzes verstößt:",
    },
    "sanitized": {
        "en": "Your message was delivered, but parts of it were removed or changed:",
        "de": "Ihre Nachricht wurde zugestellt, aber Teile davon wurden entfernt oder geändert:",
    },
    "no_response": {
        "en": "The buyer's message in this conversation no longer waits for your answer. "
        "Nothing was sent to the buyer, and no more reminders will come for it.",
        "de": "Die Nachricht des Käufers in dieser Unterhaltung wartet nicht mehr auf Ihre "
        "Antwort. An den Käufer wurde nichts gesendet, Erinnerungen dazu entfallen.",
    },
    "redirected": {
        "en": "This seller does not receive messages, so your message went to the marketplace's "
        "customer service, who will answer you.",
        "de": "Dieser Verkäufer empfängt keine Nachrichten, daher ging Ihre Nachricht an den "
        "Kundenservice des Marktplatzes, der Ihnen antworten wird.",
    },
    "no_response_none": {
        "en": "No buyer message in this conversation was waiting for an answer. Nothing was "
        "sent to the buyer.",
        "de": "In dieser Unterhaltung wartete keine Käufernachricht auf eine Antwort. An den "
        "Käufer wurde nichts gesendet.",
    },
}
_LABELS = {
    "en": {
        "subject": "Subject",
        "order": "Order",
        "received": "Received",
        "rule": "Rule",
        "found": "Found",
        "fix": "How to fix",
        "footer": "This is an automatic notice; replies to it are not read.",
    },
    "de": {
        "subject": "Betreff",
        "order": "Bestellung",
        "received": "Eingegangen",
        "rule": "Regel",
        "found": "Gefunden",
        "fix": "So beheben Sie es",
        "footer": "Dies ist eine automatische Nachricht; Antworten darauf werden nicht gelesen.",
    },
}


@dataclass(frozen=True)
class NoticeFacts:
    kind: str  # rejected, blocked, sanitized
    locale: str | None
    subject: str
    received_at: str
    order_id: str | None = None
    reason: str | None = None
    violations: Sequence[Violation] = ()


def render_text(facts: NoticeFacts) -> str:
    lang = language(facts.locale)
    labels = _LABELS[lang]
    lines = [_INTRO[facts.kind][lang], ""]
    if facts.reason:
        lines += [reason_text(facts.reason, facts.locale), ""]
    for violation in facts.violations:
        what, fix = rule_text(violation.rule, facts.locale)
        lines.append(f"- {labels['rule']} {violation.rule}: {what}")
        lines.append(f"  {labels['found']}: {violation.evidence}")
        if fix and facts.kind == "blocked":
            lines.append(f"  {labels['fix']}: {fix}")
        lines.append("")
    lines.append(f"{labels['subject']}: {facts.subject or '-'}")
    if facts.order_id:
        lines.append(f"{labels['order']}: {facts.order_id}")
    lines.append(f"{labels['received']}: {facts.received_at}")
    lines += ["", "-- ", labels["footer"]]
    return "\n".join(lines) + "\n"


def compose_notice(facts: NoticeFacts, *, sender: str, sender_name: str, to: str) -> bytes:
    lang = language(facts.locale)
    subject = " ".join((facts.subject or "-").split())[:150]
    notice = Outbound(
        from_header=formatted(sender_name, sender),
        to=to,
        subject=_SUBJECTS[facts.kind][lang].format(subject=subject),
        text=render_text(facts),
        message_id_domain=sender.rpartition("@")[2],
        auto_submitted=AUTO_REPLIED,
        language=lang,
    )
    return build(notice).as_bytes()
