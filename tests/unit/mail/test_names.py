"""Names: shown the way the marketplace chooses, the mail client's never."""

from __future__ import annotations

import pytest

from parley.core.settings import SettingsError, settings_from_env
from parley.mail.compose import Envelope, compose_delivery
from parley.mail.names import client_name, name_replacements, shown_name
from parley.mail.parsing import parse_message


@pytest.mark.parametrize(
    ("mode", "buyer", "seller"),
    [
        ("full", "Robert Smithson", "Acme Tools GmbH"),
        ("first-name", "Robert", "Acme Tools GmbH"),
        ("none", "", "Acme Tools GmbH"),
    ],
)
def test_modes(mode: str, buyer: str, seller: str) -> None:
    assert shown_name("Robert  Smithson", "buyer", mode) == buyer
    assert shown_name("Acme Tools GmbH", "seller", mode) == seller


def test_client_name_comes_from_the_from_header() -> None:
    assert client_name('"Bobby S. (home)" <bob@example.net>') == "Bobby S. (home)"
    assert client_name("bob@example.net") == ""


def test_replacements_for_first_name() -> None:
    names = name_replacements("Robert Smithson", "Bobby Smithson", "Robert")
    assert names == {"Bobby Smithson": "Robert", "Robert Smithson": "Robert", "Smithson": ""}
    # one-word client names are too common to replace in running text
    assert name_replacements("Robert Smithson", "Bob", "Robert Smithson") == {}


def test_the_copy_carries_only_the_shown_name() -> None:
    raw = (
        b'From: "Bobby Smithson" <bob@example.net>\r\nTo: a@m.example\r\nSubject: hi\r\n\r\n'
        b"Kind regards,\r\nRobert Smithson\r\n\r\nOn Mon, Shop wrote:\r\n> Dear Mr Smithson\r\n"
    )
    names = name_replacements("Robert Smithson", "Bobby Smithson", "Robert")
    envelope = Envelope(
        from_name="Robert",
        from_alias="q3a3aavrvy3grfp@m.example",
        to_address="seller@example.org",
        message_id="m@m.example",
        names=names,
    )
    out = compose_delivery(parse_message(raw, 10**6), envelope).data
    assert b"Smithson" not in out and b"Bobby" not in out
    assert b"From: Robert <q3a3aavrvy3grfp@m.example>" in out
    assert b"Kind regards,\r\nRobert\r\n" in out


def test_settings_refuse_unknown_modes() -> None:
    env = {
        name: "x"
        for name in (
            "PARLEY_BUCKET",
            "PARLEY_FILTER_QUEUE_URL",
            "PARLEY_RELAY_QUEUE_URL",
            "PARLEY_PARTIES_TABLE",
            "PARLEY_PAIRS_TABLE",
            "PARLEY_ALIASES_TABLE",
            "PARLEY_ORDERS_TABLE",
            "PARLEY_MESSAGES_TABLE",
            "PARLEY_THREAD_IDS_TABLE",
            "PARLEY_CLOCKS_TABLE",
            "PARLEY_TEMPLATES_TABLE",
            "PARLEY_COUNTERS_TABLE",
        )
    }
    env["PARLEY_RELAY_DOMAIN"] = "marketplace.example"
    assert settings_from_env(env).remote_images == "strip"
    assert settings_from_env(env).display_name == "full"
    with pytest.raises(SettingsError, match="PARLEY_REMOTE_IMAGES"):
        settings_from_env({**env, "PARLEY_REMOTE_IMAGES": "proxy"})
    with pytest.raises(SettingsError, match="PARLEY_DISPLAY_NAME"):
        settings_from_env({**env, "PARLEY_DISPLAY_NAME": "nick"})
