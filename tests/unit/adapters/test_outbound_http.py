"""Which addresses count as public (webhooks and the image proxy connect to nothing else),
and what the image fetcher refuses before it connects anywhere (no network: fake resolvers)."""

from __future__ import annotations

import ipaddress

import pytest

from parley.adapters.outbound_http import (
    FetchRefused,
    ImageFetcher,
    UnsafeEndpoint,
    _content_length,
    is_public,
    public_web,
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # instance metadata
        "100.64.0.1",  # shared address space
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",  # instance metadata over IPv6
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::127.0.0.1",  # NAT64 of loopback
        "64:ff9b::169.254.169.254",
        "64:ff9b:1::10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45
        "fec0::1",
        "2001:db8::1",
    ],
)
def test_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::808:808"],
)
def test_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_production_check_allows_only_the_web_ports() -> None:
    public = ipaddress.ip_address("93.184.216.34")
    assert public_web(public, 443) and public_web(public, 80)
    assert not public_web(public, 22) and not public_web(public, 8080)
    assert not public_web(ipaddress.ip_address("127.0.0.1"), 443)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "http://[::1]/x.png",
        "http://2130706433/x.png",  # decimal 127.0.0.1, as the system resolver reads it
        "http://0x7f000001/x.png",
        "http://127.1/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://internal.example/x.png",  # resolves to a private address
        "http://mixed.example/x.png",  # one public, one private answer
        "https://cdn.example:8443/x.png",
        "ftp://cdn.example/x.png",
        "file:///etc/passwd",
        "https://user:pw@cdn.example/x.png",
        "https://cdn.example/x .png",
        "https://cdn.example/x.png#f",
        "//cdn.example/x.png",
    ],
)
def test_the_fetcher_refuses_before_connecting(url: str) -> None:
    answers = {
        "internal.example": ["10.0.0.7"],
        "mixed.example": ["93.184.216.34", "192.168.0.9"],
        "cdn.example": ["93.184.216.34"],
        "2130706433": ["127.0.0.1"],
        "0x7f000001": ["127.0.0.1"],
        "127.1": ["127.0.0.1"],
    }
    fetcher = ImageFetcher(resolver=lambda host, port: answers[host])
    with pytest.raises(UnsafeEndpoint):
        fetcher.check(url)


def test_the_fetcher_connects_to_the_address_it_checked() -> None:
    fetcher = ImageFetcher(resolver=lambda host, port: ["93.184.216.34"])
    target, address = fetcher.check("https://cdn.example/x.png")
    assert (target.host, target.port, address) == ("cdn.example", 443, "93.184.216.34")


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u0661\u0662", "\uff11", "1e3", "-1", "1 2", "12345678901234567890"]
)
def test_content_length_is_ascii_digits_or_refused(value: str) -> None:
    """`²` passed str.isdigit() and crashed int() (red team 4, R4); Arabic-Indic and
    fullwidth digits would be read as numbers."""
    with pytest.raises(FetchRefused):
        _content_length(value)


def test_content_length_in_ascii_digits_is_read() -> None:
    assert _content_length(None) is None
    assert _content_length(" 5242880 ") == 5242880
