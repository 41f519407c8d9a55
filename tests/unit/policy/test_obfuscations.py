"""The pieces that read the red team's last obfuscations: spaced-out runs, written-out dots,
an x between digit groups, handles; and what a critical message keeps of them."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from parley.policy import Category, PolicyContext, Verdict, evaluate
from parley.policy.normalize import despaced
from parley.policy.rules.contact import _as_spaces, address_spans
from parley.policy.urls import is_tld, spelled_host

ORDER = "123-1234567-1234567"


def test_a_spaced_out_run_is_joined_and_mapped_back_to_the_text() -> None:
    text = "mail s h o p @ g m a i l . c o m now"
    view = despaced(text)
    assert view is not None
    assert view.text == "mail shop@gmail.com now"
    start = view.text.index("shop")
    end = start + len("shop@gmail.com")
    assert view.touches_run(start, end)
    source = view.source_span(start, end)
    assert text[source[0] : source[1]] == "s h o p @ g m a i l . c o m"
    assert not view.touches_run(0, 4)  # "mail" is not part of a run


def test_the_narrowest_gap_joins_letters_and_a_wider_one_separates_words() -> None:
    view = despaced("S H O P  A T  G M A I L\tx")
    assert view is not None
    assert view.text.startswith("SHOP AT GMAIL")
    assert despaced("no single letters here") is None


def test_spaced_out_and_written_out_addresses_are_found() -> None:
    for text in (
        "s h o p @ g m a i l . c o m",
        "shop at myshop dot xyz",
        "shop -at- gmail -dot- com",
        "shop_at_gmail_dot_com",
        "shop @ myshop.berlin",
    ):
        assert address_spans(text), text
    for text in (
        "Our lamp won at Red Dot Design Award",  # a capitalised word after "dot"
        "we are at home dot prices",  # "prices" is no top-level domain
        "The setup guide is at //shop-s1.example/setup",  # a link, not an address
    ):
        assert address_spans(text) == [], text


def test_top_level_domains_come_from_the_public_suffix_list() -> None:
    assert is_tld("xyz") and is_tld("berlin") and is_tld("com")
    assert not is_tld("prices") and not is_tld("x-y") and not is_tld("")


@pytest.mark.parametrize(
    ("candidate", "after", "url"),
    [
        ("myshop dot com/care", "", "myshop.com/care"),
        ("myshop (dot) com", "", "myshop.com"),
        ("meinladen punkt de", "", "meinladen.de"),
        ("myshop[.]com", "", "myshop.com"),
        ("myshop.com", "", None),  # no written-out dot: TEXT_URL reads it
        ("the dot com", "", None),
        ("polka dot net", "", None),
        ("Red Dot Store", "", None),
        ("nächste Punkt de", " facto ist", None),
    ],
)
def test_a_written_out_host(candidate: str, after: str, url: str | None) -> None:
    assert spelled_host(candidate, after) == url


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("0176x12345678", "0176 12345678"),
        ("+49 x 176 x 12345678", "+49   176   12345678"),
        ("0176×1234×5678", "0176 1234 5678"),
        ("1x1x1x1", "1x1x1x1"),
        ("30 x 40 cm", "30 x 40 cm"),
        ("0176\n1234\r\n\r\n5678", "0176 1234    5678"),
        ("03.12.\n04.12.", "03.12.\n04.12."),  # a list of dates stays a list
        ("Musterstr. 12\nBerlin", "Musterstr. 12\nBerlin"),
    ],
)
def test_an_x_or_a_line_break_between_digit_groups(text: str, read: str) -> None:
    assert _as_spaces(text) == read


def _critical(body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[Important] Delivery address {ORDER}"
    message.set_content(body)
    return message


def test_a_critical_message_is_delivered_with_the_new_findings_removed() -> None:
    body = (
        f"For order {ORDER} the house number is missing. Call 0176x12345678 or write to "
        "s h o p @ g m a i l . c o m, IG @myshop_official."
    )
    message = _critical(body)
    decision = evaluate(
        message, PolicyContext("seller_to_buyer", pair_order_ids=frozenset({ORDER}))
    )
    assert decision.category is Category.CRITICAL
    assert decision.verdict is Verdict.DELIVER_SANITIZED
    part = message.get_body(("plain",))
    assert part is not None
    text = str(part.get_content())
    for leak in ("0176x12345678", "s h o p", "@myshop_official"):
        assert leak not in text, text
    assert "house number is missing" in text
