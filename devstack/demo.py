"""`make demo`: a scripted conversation through the real pipeline on the local stack."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from devstack.aws_process import free_port
from devstack.client import send_smtp, wait_for_outbox, wait_for_terminal
from devstack.receiver import Received, local_receiver
from devstack.runtime import DevConfig, LocalStack
from parley.adapters.store import Store
from parley.core.settings import get_settings
from parley.directory.registration import OrderRegistration, PartyInfo, register_order

ORDER = "123-1234567-1234567"
SELLER, BUYER, STRANGER = "seller@example.org", "bob@example.net", "mallory@example.com"


@dataclass
class Step:
    title: str
    sender: str
    alias: str
    status: str
    verdict: str
    outcome: str
    expected: str

    @property
    def ok(self) -> bool:
        return self.status == self.expected


def _mail(sender: str, to: str, subject: str, body: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def run_demo(work_dir: Path | None = None) -> list[Step]:
    base = work_dir or Path(tempfile.mkdtemp(prefix="parley-demo-"))
    config = DevConfig(
        aws_port=free_port(),
        smtp_port=free_port(),
        outbox=base / "outbox",
        var_dir=base / "var",
        prefix="parley-demo",
        api_port=free_port(),
    )
    stack = LocalStack(config)
    stack.start()
    try:
        with local_receiver() as helpdesk:
            from parley.app import default_services
            from parley.webhooks import registry

            hook = registry.add(default_services(), "S1", helpdesk.url)
            steps = _scenario(stack, config)
            steps.append(_webhook_step(helpdesk, str(hook["secret"])))
            return steps
    finally:
        stack.stop()


def _webhook_step(helpdesk: Received, secret: str) -> Step:
    """What the seller's helpdesk got meanwhile: signed events, one per state change."""
    import json
    import time
    from collections import Counter

    from parley.webhooks.signing import verify

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(helpdesk.requests) < 5:
        time.sleep(0.2)
    time.sleep(1)
    types = Counter(json.loads(body)["type"] for _headers, body in helpdesk.requests)
    signed = all(
        verify(secret, headers["Parley-Signature"], body, int(time.time()))
        for headers, body in helpdesk.requests
    )
    status = "delivered" if types["message.received"] and signed else "missing"
    outcome = ", ".join(f"{t} x{n}" for t, n in sorted(types.items()))
    outcome += "; every Parley-Signature verified" if signed else "; a signature did not verify"
    return Step(
        "seller's helpdesk gets events (webhook)",
        "parley (dispatcher)",
        helpdesk.url,
        status,
        "-",
        outcome,
        "delivered",
    )


def _scenario(stack: LocalStack, config: DevConfig) -> list[Step]:
    store = Store(get_settings())
    order = register_order(
        store,
        OrderRegistration(
            ORDER, PartyInfo("S1", "Shop", SELLER, "en-US"), PartyInfo("B1", "Bob", BUYER, "en-US")
        ),
    )
    steps: list[Step] = []

    def send(
        title: str,
        message: EmailMessage,
        sender: str,
        alias: str,
        expected: str,
        outcome_to: str | None,
    ) -> EmailMessage | None:
        ses_id = send_smtp(config.smtp_host, config.smtp_port, message, sender, [alias])
        record = wait_for_terminal(store, ses_id, alias)
        delivered = None
        outcome = record.reason or ", ".join(sorted({v.rule for v in record.violations or []}))
        if outcome_to:
            delivered = wait_for_outbox(
                config.outbox,
                lambda m: (
                    m["To"] == outcome_to
                    and m["Message-ID"] == f"<{record.message_id}@{config.relay_domain}>"
                ),
            )
            outcome = f"to {outcome_to} as {delivered['From']}"
            if record.violations:
                outcome += "; removed: " + ", ".join(sorted({v.rule for v in record.violations}))
            if delivered["In-Reply-To"]:
                outcome += f", in reply to {delivered['In-Reply-To']}"
        elif record.notice_sent:
            outcome += f" (notice sent to {sender})"
        steps.append(
            Step(title, sender, alias, record.status, record.verdict or "-", outcome, expected)
        )
        return delivered

    question = _mail(
        BUYER,
        order.seller_alias,
        f"Question about order {ORDER}",
        "Hello, can you ship the blue one instead of the red one?\nBob",
        Message_ID="<question-1@example.net>",
    )
    at_seller = send(
        "buyer asks a question", question, BUYER, order.seller_alias, "delivered", SELLER
    )
    assert at_seller is not None
    reply = _mail(
        SELLER,
        order.buyer_alias,
        f"Re: Question about order {ORDER}",
        "Yes, the blue one ships tomorrow.\nShop",
        In_Reply_To=str(at_seller["Message-ID"]),
        References=str(at_seller["Message-ID"]),
    )
    send("seller replies (threaded)", reply, SELLER, order.buyer_alias, "delivered", BUYER)
    photo = _mail(
        BUYER,
        order.seller_alias,
        f"Photo of the damage, order {ORDER}",
        "The box arrived dented, see the attached photo.",
    )
    photo.add_alternative(
        "<p>The box arrived dented.</p>"
        '<img src="https://mailtrack.io/trace/mail/1.png" width="1" height="1">',
        subtype="html",
    )
    photo.add_attachment(
        b"MZ\x90\x00 not a photo",
        maintype="application",
        subtype="octet-stream",
        filename="photo.jpg.exe",
    )
    send(
        "buyer sends a tracked mail with a program",
        photo,
        BUYER,
        order.seller_alias,
        "delivered_sanitized",
        SELLER,
    )
    snapshot = _mail(
        BUYER, order.seller_alias, f"Damaged corner, order {ORDER}", "Here is a photo."
    )
    photo_bytes = _phone_photo()
    snapshot.add_attachment(photo_bytes, maintype="image", subtype="jpeg", filename="IMG_0042.JPG")
    arrived = send(
        "buyer sends a phone photo with GPS",
        snapshot,
        BUYER,
        order.seller_alias,
        "delivered",
        SELLER,
    )
    if arrived is not None:
        (part,) = list(arrived.iter_attachments())
        payload = part.get_payload(decode=True)
        after = _gps_of(payload if isinstance(payload, bytes) else b"") or "no GPS"
        steps[-1].outcome += f"; photo sent with GPS {_gps_of(photo_bytes)}, arrived with {after}"
    proactive = _mail(
        SELLER,
        order.buyer_alias,
        "Our autumn collection",
        "Dear customer, have a look at our new products!",
    )
    send("seller writes first, no order id", proactive, SELLER, order.buyer_alias, "blocked", None)
    urgent = _mail(
        SELLER,
        order.buyer_alias,
        f"[Important] delivery address, order {ORDER}",
        "The house number is missing. Call me on +49 151 23456789 to sort it out.",
    )
    send(
        "seller's critical message with a phone number",
        urgent,
        SELLER,
        order.buyer_alias,
        "delivered_sanitized",
        BUYER,
    )
    stranger = _mail(STRANGER, order.seller_alias, "Hello", "Who are you?")
    send("unregistered address writes", stranger, STRANGER, order.seller_alias, "rejected", None)
    steps += _api_steps(store, config, order.buyer_alias)
    return steps


def _api_steps(store: Store, config: DevConfig, buyer_alias: str) -> list[Step]:
    """The message center: the seller sends typed messages over HTTP; same policy, same relay."""
    from devstack.api_server import LocalIssuer
    from devstack.client import ApiClient, wait_for_record

    token = LocalIssuer(config.var_dir / "dev-issuer.pem").token("seller:S1")
    seller = ApiClient(f"http://{config.api_host}:{config.api_port}", token)
    pdf = _invoice_pdf()
    attachment = seller.upload("invoice-4711.pdf", "application/pdf", pdf)
    requests = [
        (
            "seller sends an invoice (API)",
            "invoice",
            {"attachment_ids": [attachment]},
            "delivered",
        ),
        (
            "seller's typed message with a shop link (API)",
            "confirmOrderDetails",
            {"text": "Order faster next time at https://my-own-shop.example/deals"},
            "blocked",
        ),
    ]
    steps = []
    for title, kind, body, expected in requests:
        status, answer = seller.call("POST", f"/orders/{ORDER}/messages/{kind}", body)
        if status != 202:
            raise RuntimeError(f"{kind}: {status} {answer}")
        record = wait_for_record(store, answer["message_id"])
        outcome = record.reason or ", ".join(sorted({v.rule for v in record.violations or []}))
        if record.status.startswith("delivered"):
            arrived = wait_for_outbox(
                config.outbox,
                lambda m, rid=record.message_id: (
                    m["Message-ID"] == f"<{rid}@{config.relay_domain}>"
                ),
            )
            files = [str(part.get_filename()) for part in arrived.iter_attachments()]
            outcome = f"to {arrived['To']} as {arrived['From']}; files: {', '.join(files)}"
        elif record.notice_sent:
            outcome += f" (notice sent to {SELLER}; GET /messages/{{id}} shows the rules)"
        steps.append(
            Step(
                title,
                "seller:S1 (API)",
                buyer_alias,
                record.status,
                record.verdict or "-",
                outcome,
                expected,
            )
        )
    return steps


def browser_hint(api_port: int = 8025) -> str:
    """How a newcomer sees the same conversation in the web message center."""
    return "\n".join(
        (
            "",
            "See it in a browser (the web message center):",
            "  .venv/bin/parley dev                  # in one terminal; then, in another:",
            f"  .venv/bin/parley orders add --order-id {ORDER} \\",
            f"      --seller-id S1 --seller-name Shop --seller-email {SELLER} \\",
            f"      --buyer-id B1 --buyer-name Bob --buyer-email {BUYER}",
            f"  open http://127.0.0.1:{api_port}/app/",
            "  and sign in as Shop (seller:S1) or as Bob (buyer:B1)",
        )
    )


def print_table(steps: list[Step]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Parley demo: one conversation through the local stack")
    for column in ("step", "from", "to alias", "status", "verdict", "what happened"):
        table.add_column(column, overflow="fold")
    for step in steps:
        style = None if step.ok else "bold red"
        table.add_row(
            step.title,
            step.sender,
            step.alias,
            step.status,
            step.verdict,
            step.outcome,
            style=style,
        )
    Console(width=160).print(table)


def _phone_photo() -> bytes:
    """A photo as a phone writes it: EXIF with the GPS position, camera and owner."""
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "PhoneMaker", "Phone 15"
    exif.get_ifd(0x8769)[0xA430] = "Bob"  # CameraOwnerName
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 31.0, 12.3), "E", (13.0, 24.0, 17.9)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 60)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _gps_of(data: bytes) -> str | None:
    """The GPS position in a JPEG's EXIF, as degrees, or None."""
    import io

    from PIL import Image

    try:
        gps = Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    except Exception:
        return None
    if 2 not in gps or 4 not in gps:
        return None
    lat = sum(float(v) / 60**i for i, v in enumerate(gps[2]))
    lon = sum(float(v) / 60**i for i, v in enumerate(gps[4]))
    return f"{lat:.4f}{gps.get(1, '')} {lon:.4f}{gps.get(3, '')}"


def _invoice_pdf() -> bytes:
    """A one-page invoice, with the document info a PDF printer writes (cleaned on relay)."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 18 Tf 72 720 Td (Invoice 4711) Tj ET")
    pdf.docinfo["/Author"] = "Shop back office"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
