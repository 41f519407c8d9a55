"""Image proxy tokens: only what the relay signed, only until it expires, only with our key."""

from __future__ import annotations

import base64

import pytest

from parley.core.image_tokens import (
    MAX_PROXIED_PER_MESSAGE,
    BadToken,
    ExpiredToken,
    ProxyLinks,
    cache_name,
    proxied_url,
    sign,
    verify,
)

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
URL_A = "https://cdn.example/a.png?size=600"
URL_B = "https://cdn.example/b.png"
NOW = 1_800_000_000


def test_a_signed_token_names_its_url_until_it_expires() -> None:
    token = sign(URL_A, NOW + 60, KEY)
    assert verify(token, KEY, NOW).url == URL_A
    assert verify(token, KEY, NOW + 59.9).expires == NOW + 60


def test_an_expired_token_is_refused() -> None:
    token = sign(URL_A, NOW + 60, KEY)
    with pytest.raises(ExpiredToken):
        verify(token, KEY, NOW + 60)
    with pytest.raises(ExpiredToken):
        verify(token, KEY, NOW + 86400)


def test_a_token_for_url_a_cannot_be_used_for_url_b() -> None:
    token_a = sign(URL_A, NOW + 60, KEY)
    signature = token_a.split(".")[1]
    payload_b = base64.urlsafe_b64encode(f"{NOW + 60}:{URL_B}".encode()).rstrip(b"=").decode()
    with pytest.raises(BadToken):
        verify(f"{payload_b}.{signature}", KEY, NOW)


def test_a_later_expiry_cannot_be_written_into_a_token() -> None:
    token = sign(URL_A, NOW + 60, KEY)
    signature = token.split(".")[1]
    later = base64.urlsafe_b64encode(f"{NOW + 10**8}:{URL_A}".encode()).rstrip(b"=").decode()
    with pytest.raises(BadToken):
        verify(f"{later}.{signature}", KEY, NOW + 120)


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(BadToken):
        verify(sign(URL_A, NOW + 60, OTHER_KEY), KEY, NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "abc",
        "abc.",
        ".abc",
        "a.b.c",
        "%%%.abc",
        "abc.%%%",
        "YWJj.YWJj",  # "abc": no expiry
        base64.urlsafe_b64encode(b"-5:https://x.example/").decode().rstrip("=") + ".AAAA",
        base64.urlsafe_b64encode(b"\xff\xfe:x").decode().rstrip("=") + ".AAAA",
        "A" * 20000,
    ],
)
def test_malformed_tokens_are_bad(token: str) -> None:
    with pytest.raises(BadToken):
        verify(token, KEY, NOW)


def test_every_changed_character_breaks_the_token() -> None:
    token = sign(URL_A, NOW + 60, KEY)
    for index in range(len(token)):
        if token[index] == ".":
            continue
        changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
        with pytest.raises((BadToken, ExpiredToken)):
            verify(changed, KEY, NOW)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        sign(URL_A, NOW, b"short")


def test_the_proxied_url_is_the_base_and_a_url_safe_token() -> None:
    url = proxied_url("https://images.marketplace.example/", URL_A, NOW + 60, KEY)
    base, _, token = url.rpartition("/")
    assert base == "https://images.marketplace.example"
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert verify(token, KEY, NOW).url == URL_A


def test_cache_names_are_hashes_of_the_url() -> None:
    assert cache_name(URL_A) != cache_name(URL_B)
    assert len(cache_name(URL_A)) == 64 and "cdn" not in cache_name(URL_A)


def _payload(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "stamp",
    [
        f"0{NOW + 60}",  # a leading zero
        str(NOW + 60).translate(ARABIC_INDIC),  # int() reads these as the same number
        f"{NOW + 60}".replace("1", "\uff11"),  # fullwidth digits
    ],
)
def test_o3_only_canonical_ascii_expiry_digits_verify(stamp: str) -> None:
    """Red team 4, O3: these named the same (url, expires) as the signed token."""
    signature = sign(URL_A, NOW + 60, KEY).split(".")[1]
    with pytest.raises(BadToken):
        verify(f"{_payload(f'{stamp}:{URL_A}')}.{signature}", KEY, NOW)


def test_o3_a_non_canonical_last_base64_character_is_refused() -> None:
    """A 32-byte signature is 43 base64url characters; the last one carries 2 unused bits,
    so 4 different characters decoded to the same signature."""
    token = sign(URL_A, NOW + 60, KEY)
    payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    others = [alphabet[(last & ~3) | bits] for bits in range(4) if (last & ~3) | bits != last]
    assert len(others) == 3
    for other in others:
        assert base64.urlsafe_b64decode(signature[:-1] + other + "=") == base64.urlsafe_b64decode(
            signature + "="
        )
        with pytest.raises(BadToken):
            verify(f"{payload}.{signature[:-1]}{other}", KEY, NOW)
    assert verify(token, KEY, NOW).url == URL_A


def test_o2_a_message_signs_at_most_its_cap_of_distinct_urls() -> None:
    """Red team 4, O2: one mail must not mint thousands of proxy tokens. The same URL twice is
    one token; past the cap the signer answers None (the reference is removed)."""
    signer = ProxyLinks("https://img.example/images", NOW + 60, KEY, limit=3)
    first = signer(URL_A)
    assert first is not None and signer(URL_A) == first
    assert verify(first.rsplit("/", 1)[1], KEY, NOW).url == URL_A
    assert signer(URL_B) is not None and signer("https://cdn.example/c.png") is not None
    assert signer("https://cdn.example/d.png") is None
    assert signer(URL_A) == first  # already signed: still served
    assert signer.urls == [first, signer(URL_B), signer("https://cdn.example/c.png")]
    assert MAX_PROXIED_PER_MESSAGE == 50
