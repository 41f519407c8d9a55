"""A critical message the composer refuses is still delivered, as its text only; any other
refused message stays refused (no retry either way: composing fails the same way again)."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest

from parley.mail.compose import ComposeError, Envelope
from parley.pipeline import relay

ENVELOPE = Envelope(
    from_name="Shop",
    from_alias="a@marketplace.example",
    to_address="b@example.net",
    message_id="m1@marketplace.example",
)


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "[Important] delivery appointment"
    message.set_content("Would Tuesday suit you for the delivery?")
    message.add_alternative("<p>Would Tuesday suit you for the delivery?</p>", subtype="html")
    return message


@pytest.fixture
def refuses_multipart(monkeypatch: pytest.MonkeyPatch) -> None:
    real = relay.compose_delivery

    def compose(message: EmailMessage, envelope: Envelope) -> Any:
        if message.is_multipart():
            raise ComposeError("cannot write this structure")
        return real(message, envelope)

    monkeypatch.setattr(relay, "compose_delivery", compose)


@pytest.mark.usefixtures("refuses_multipart")
def test_a_critical_message_goes_out_as_text() -> None:
    composed, _copy = relay._compose(_message(), ENVELOPE, "Shop", critical=True)
    out = message_from_bytes(composed.data, policy=default)
    assert out.get_content_type() == "text/plain"
    assert "Would Tuesday suit you" in out.get_content()  # type: ignore[attr-defined]


@pytest.mark.usefixtures("refuses_multipart")
def test_any_other_message_stays_refused() -> None:
    with pytest.raises(ComposeError):
        relay._compose(_message(), ENVELOPE, "Shop", critical=False)
