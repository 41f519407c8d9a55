"""The rules of the relay path, as pure functions over parsed messages."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import pytest

from parley.policy import Action, Category, PolicyContext, Verdict, evaluate

PAIR_ORDERS = frozenset({"123-1234567-1234567"})


def body_of(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, kind
    return str(part.get_content())


def seller(subject: str, body: str, *, reply: bool = False) -> tuple[EmailMessage, PolicyContext]:
    message = EmailMessage()
    message["Subject"] = subject
    message.set_content(body)
    return message, PolicyContext("seller_to_buyer", is_reply=reply, pair_order_ids=PAIR_ORDERS)


def test_proactive_without_order_id_is_blocked() -> None:
    decision = evaluate(*seller("News", "Look at our shop"))
    assert decision.verdict is Verdict.BLOCK
    assert decision.category is Category.PROACTIVE
    assert [(v.rule, v.action) for v in decision.violations] == [("order-id-missing", Action.BLOCK)]


def test_order_id_in_the_text_or_subject_satisfies_the_rule() -> None:
    assert evaluate(*seller("Order 123-1234567-1234567", "Shipped")).verdict is Verdict.DELIVER
    assert (
        evaluate(*seller("Hi", "Your order 123-1234567-1234567 shipped")).verdict is Verdict.DELIVER
    )


def test_an_order_id_glued_to_more_digits_does_not_count() -> None:
    assert evaluate(*seller("Hi", "Ref 9123-1234567-12345678")).verdict is Verdict.BLOCK


def test_a_reply_needs_no_order_id() -> None:
    decision = evaluate(*seller("Re: question", "Yes", reply=True))
    assert (decision.verdict, decision.category) == (Verdict.DELIVER, Category.REPLY)


@pytest.mark.parametrize("subject", ["[Important] address", "[IMPORTANT] Lieferadresse"])
def test_critical_messages_are_never_blocked(subject: str) -> None:
    decision = evaluate(*seller(subject, "The house number is missing"))
    assert decision.category is Category.CRITICAL
    assert decision.verdict is Verdict.DELIVER
    assert [v.action for v in decision.violations] == [Action.FLAG]


def test_without_pair_orders_any_well_formed_order_id_counts() -> None:
    message, _ = seller("x", "Order 999-9999999-9999999")
    assert evaluate(message, PolicyContext("seller_to_buyer")).verdict is Verdict.DELIVER


def _with_attachment(
    name: str, data: bytes, maintype: str = "application", subtype: str = "octet-stream"
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Order 123-1234567-1234567"
    message.set_content("See attached")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def _docx(with_macros: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        if with_macros:
            archive.writestr("word/vbaProject.bin", b"\x00")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, data, stripped",
    [
        ("setup.exe", b"MZ\x90\x00", True),
        ("photo.jpg", b"MZ\x90\x00", True),  # an executable dressed as a photo
        ("run.sh", b"echo hi", True),
        ("invoice.pdf.js", b"alert(1)", True),
        ("archive.zip", b"PK\x03\x04rest", True),
        ("letter.docx", _docx(with_macros=True), True),
        ("letter.docm", b"anything", True),
        ("letter.docx", _docx(with_macros=False), False),
        ("invoice.pdf", b"%PDF-1.4", False),
        ("photo.png", b"\x89PNG\r\n", False),
    ],
)
def test_unsafe_attachments_are_stripped_in_both_directions(name, data, stripped) -> None:
    for direction in ("seller_to_buyer", "buyer_to_seller"):
        message = _with_attachment(name, data)
        decision = evaluate(message, PolicyContext(direction, pair_order_ids=PAIR_ORDERS))
        rules = [v.rule for v in decision.violations]
        assert ("unsafe-attachment" in rules) is stripped
        names = [p.get_filename() for p in message.iter_attachments()]
        assert (name not in names) is stripped
        if direction == "buyer_to_seller":  # buyers get only the safety rules
            assert decision.verdict is (Verdict.DELIVER_SANITIZED if stripped else Verdict.DELIVER)


@pytest.mark.parametrize(
    "img, tracked",
    [
        ('<img src="https://cdn.example/p.gif" width="1" height="1">', True),
        ('<img src="https://cdn.example/p.gif" width="0" height="0">', True),
        ('<img src="https://cdn.example/p.gif" style="display:none">', True),
        ('<img src="https://cdn.example/p.gif" style="width:1px;height:1px">', True),
        ('<img src="https://mailtrack.io/trace/x.png" width="600">', True),
        ('<img src="https://sub.list-manage.com/open.php">', True),
        ('<img src="https://shop.example/product.jpg" width="300" height="200">', False),
        ('<img src="cid:logo" width="120">', False),
    ],
)
def test_tracking_pixels_are_stripped(img: str, tracked: bool) -> None:
    message = EmailMessage()
    message["Subject"] = "Order 123-1234567-1234567"
    message.set_content("text")
    message.add_alternative(f"<p>Hello</p>{img}", subtype="html")
    decision = evaluate(message, PolicyContext("buyer_to_seller"))
    assert (decision.verdict is Verdict.DELIVER_SANITIZED) is tracked
    html = body_of(message, "html")
    assert ("<img" in html) is not tracked
    assert "Hello" in html
