"""Property: whatever the names, addresses and bodies, the other party's address never leaks."""

from __future__ import annotations

from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.mail.compose import Envelope, compose_relay
from parley.mail.parsing import parse_message

local_parts = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20
).filter(lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s)
domains = st.sampled_from(
    ["example.net", "mail.example.org", "xn--bcher-kva.example", "shop.example"]
)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)
names = st.text(min_size=0, max_size=40)
bodies = st.text(min_size=0, max_size=400)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sender=addresses,
    recipient=addresses,
    name=names,
    body=bodies,
    subject=names,
    html=st.booleans(),
    case=st.sampled_from([str.lower, str.upper, str.title]),
)
def test_no_relayed_byte_contains_the_senders_real_address(
    sender, recipient, name, body, subject, html, case
) -> None:
    if sender == recipient:
        return
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "alias@marketplace.example"
    message["Subject"] = " ".join(f"{subject} {case(sender)}".split())
    text = f"{body}\n-- \n{name} <{case(sender)}>\nmailto:{sender}"
    message.set_content(text)
    if html:
        message.add_alternative(
            f"<p>{body}</p><a href='mailto:{sender}'>{case(sender)}</a>", subtype="html"
        )
    raw = message.as_bytes()
    sender_alias, recipient_alias = (
        "aaaaaaaaaaaaaaa@marketplace.example",
        "bbbbbbbbbbbbbbb@marketplace.example",
    )
    envelope = Envelope(
        from_name=name,
        from_alias=sender_alias,
        to_address=recipient,
        message_id="m@marketplace.example",
        replacements={sender: sender_alias, recipient: recipient_alias},
        scrub={sender: sender_alias},
    )
    out = compose_relay(parse_message(raw, 10**7), envelope)
    assert sender.encode() not in out.lower()
    assert out.isascii()
