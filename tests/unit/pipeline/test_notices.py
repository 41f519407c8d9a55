from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from parley.pipeline.notices import NoticeFacts, compose_notice
from parley.policy import Action, Violation

BLOCKED = NoticeFacts(
    kind="blocked",
    locale="de-DE",
    subject="Neue Kollektion",
    received_at="2026-11-27T10:00:00.000Z",
    order_id="123-1234567-1234567",
    violations=[Violation("order-id-missing", Action.BLOCK, "no order id")],
)


def test_a_blocked_notice_names_rule_evidence_and_fix_in_the_senders_language() -> None:
    data = compose_notice(
        BLOCKED,
        sender="no-reply@marketplace.example",
        sender_name="Marketplace Messaging",
        to="seller@example.org",
    )
    notice = message_from_bytes(data, policy=default)
    assert notice["Subject"] == "Nicht zugestellt: Neue Kollektion"
    assert notice["Auto-Submitted"] == "auto-replied"
    text = notice.get_content()
    assert "order-id-missing" in text and "no order id" in text
    assert "So beheben Sie es" in text and "123-1234567-1234567" in text
    assert data.isascii()


def test_english_is_the_fallback_language() -> None:
    facts = NoticeFacts(
        kind="rejected", locale="fr-FR", subject="x", received_at="t", reason="unknown-alias"
    )
    data = compose_notice(facts, sender="no-reply@m.example", sender_name="M", to="a@b.example")
    assert (
        "The address you wrote to does not exist."
        in message_from_bytes(data, policy=default).get_content()
    )


def test_every_rule_has_plain_words_in_english_and_german() -> None:
    from parley.core.i18n import LANGUAGES, catalogue
    from parley.pipeline.relay import UNCLEANABLE_RULE
    from parley.policy.model import ENGINE_VIOLATIONS
    from parley.policy.rules import RULE_IDS

    described = {key.split(".")[1] for key in catalogue("en") if key.startswith("rule.")}
    # every policy rule, the engine's own findings, and the relay's (a file it could not clean)
    assert described == {*RULE_IDS, *ENGINE_VIOLATIONS, UNCLEANABLE_RULE}
    for lang in LANGUAGES:
        for rule in described:
            assert catalogue(lang)[f"rule.{rule}.what"] and catalogue(lang)[f"rule.{rule}.fix"]
