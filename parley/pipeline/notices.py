"""Notices to senders: why a message was rejected, blocked or changed. Never relayed onward."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parley.core.i18n import language, text
from parley.mail.addresses import formatted
from parley.mail.outbound import AUTO_REPLIED, Outbound, build
from parley.policy.catalogue import reason_text, rule_text
from parley.policy.model import Violation


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

    def label(name: str) -> str:
        return text(f"notice.label.{name}", lang)

    lines = [text(f"notice.intro.{facts.kind}", lang), ""]
    if facts.reason:
        lines += [reason_text(facts.reason, facts.locale), ""]
    for violation in facts.violations:
        what, fix = rule_text(violation.rule, facts.locale)
        lines.append(f"- {label('rule')} {violation.rule}: {what}")
        lines.append(f"  {label('found')}: {violation.evidence}")
        if fix and facts.kind == "blocked":
            lines.append(f"  {label('fix')}: {fix}")
        lines.append("")
    lines.append(f"{label('subject')}: {facts.subject or '-'}")
    if facts.order_id:
        lines.append(f"{label('order')}: {facts.order_id}")
    lines.append(f"{label('received')}: {facts.received_at}")
    lines += ["", "-- ", label("footer")]
    return "\n".join(lines) + "\n"


def compose_notice(facts: NoticeFacts, *, sender: str, sender_name: str, to: str) -> bytes:
    lang = language(facts.locale)
    subject = " ".join((facts.subject or "-").split())[:150]
    notice = Outbound(
        from_header=formatted(sender_name, sender),
        to=to,
        subject=text(f"notice.subject.{facts.kind}", lang, subject=subject),
        text=render_text(facts),
        message_id_domain=sender.rpartition("@")[2],
        auto_submitted=AUTO_REPLIED,
        language=lang,
    )
    return build(notice).as_bytes()
