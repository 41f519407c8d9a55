"""Beacon forms the tracking-pixel rule must see (#14): percentages, fractions of a pixel,
`!important`, and tracker images in <picture> sources and srcset."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from parley.policy import PolicyContext, Verdict, evaluate


@pytest.mark.parametrize(
    ("img", "tracked"),
    [
        ('<img src="https://cdn.example/p.gif" width="1%" height="1%">', True),
        ('<img src="https://cdn.example/p.gif" style="width:0.5px;height:0.5px">', True),
        ('<img src="https://cdn.example/p.gif" style="width:.5px">', True),
        ('<img src="https://cdn.example/p.gif" style="width:1px !important">', True),
        ('<img src="https://cdn.example/p.gif" style="height: 1% ! important;">', True),
        ('<picture><source srcset="https://mailtrack.io/t/x.webp 1x"><img alt=""></picture>', True),
        ('<img srcset="https://sub.list-manage.com/open.php 2x" alt="">', True),
        ('<img src="https://shop.example/product.jpg" width="100%">', False),
        ('<img src="https://shop.example/product.jpg" style="width:15px">', False),
        ('<img src="https://shop.example/p.jpg" style="max-width:100% !important">', False),
    ],
)
def test_beacon_forms(img: str, tracked: bool) -> None:
    message = EmailMessage()
    message["Subject"] = "Order 123-1234567-1234567"
    message.set_content("text")
    message.add_alternative(f"<p>Hello</p>{img}", subtype="html")
    decision = evaluate(message, PolicyContext("buyer_to_seller"))
    rules = [v.rule for v in decision.violations]
    assert ("tracking-pixel" in rules) is tracked, rules
    assert (decision.verdict is Verdict.DELIVER_SANITIZED) is tracked
