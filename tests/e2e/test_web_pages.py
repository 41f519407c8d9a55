"""The message center in a real browser: Debian's Chromium, driven by Playwright, against
`parley dev` serving the built page at /app/. Each page is checked with axe-core (WCAG 2.2 AA,
no serious or critical finding), at a desktop and a 360 px phone width, and screenshotted."""

from __future__ import annotations

import os
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from devstack.client import ApiClient, send_smtp, wait_for_outbox
from tests.support import files
from tests.support.devstack import DevStack, register

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist" / "index.html"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("PARLEY_SCREENSHOTS", ROOT / "var" / "screenshots"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ORDER = "404-4444444-4444444"  # Dana (en) and the Shop
ORDER_DE = "505-5555555-5555555"  # Erika (de) and the Shop
ORDER_CANCELLED = "606-6666666-6666666"  # Dana again, cancelled
RELAY = "marketplace.example"
REAL = {"seller@example.org", "dana@example.net", "erika@example.net"}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # WCAG 2.2 AA
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

MISSING = [str(p) for p in (DIST, AXE, Path(CHROMIUM)) if not p.exists()]
if MISSING:
    # `make install` builds the page and installs Chromium; CI must not skip silently
    if os.environ.get("CI"):
        raise RuntimeError(f"the browser suite needs {MISSING}: `make install` provides them")
    pytest.skip(f"the browser suite needs {MISSING}: `make install`", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def png(width: int = 240, height: int = 160) -> bytes:
    """A small real PNG (a red-brown 'photo of the damage')."""
    raw = b"".join(b"\x00" + bytes((170, 60, 40)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    stack = DevStack(tmp_path_factory.mktemp("web"))
    stack.start()
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


@pytest.fixture(scope="module")
def aliases(dev: DevStack) -> dict[str, dict[str, str]]:
    return {
        ORDER: register(dev, ORDER, ("B4", "Dana Miller", "dana@example.net"), locale="en-GB"),
        ORDER_DE: register(
            dev, ORDER_DE, ("B5", "Erika Muster", "erika@example.net"), locale="de-DE"
        ),
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


class Pages:
    """One signed-in browser context; every page it opens is checked and photographed."""

    def __init__(
        self, browser: Any, dev: DevStack, locale: str = "en-GB", width: int = 1280
    ) -> None:
        self.base = f"http://127.0.0.1:{dev.api_port}/app/"
        self.context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        # axe-core from node_modules, injected by the browser itself (the page's CSP stays on)
        self.context.add_init_script(path=str(AXE))
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "console",
            # an API's 4xx answer is logged by the browser too; what counts is script errors
            lambda m: (
                self.errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )

    def open(self, route: str = "") -> Any:
        target = self.base + (f"#{route}" if route else "")
        if self.page.url == target:
            self.page.reload()  # a same-document hash navigation would not fetch again
        else:
            self.page.goto(target)
        self.page.wait_for_selector("h1")
        self.page.locator(".loading").wait_for(state="detached")
        return self.page

    def sign_in(self, party: str) -> None:
        self.open("/")
        self.page.get_by_role("button", name=re.compile(re.escape(f"({party})"))).click()
        self.page.wait_for_selector("nav.nav")

    def check(self, name: str, real_allowed: frozenset[str] = frozenset()) -> None:
        """axe-core, no real address on the page, no overflow at 360 px; then a screenshot."""
        page = self.page
        page.wait_for_load_state("networkidle")
        page.locator(".loading").wait_for(state="detached")
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            WCAG,
        )
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{name}: axe found {bad}"
        text = page.evaluate("document.documentElement.outerHTML")
        shown = {m for m in EMAIL.findall(text) if not m.endswith("@" + RELAY)} - real_allowed
        assert not (shown & REAL), f"{name}: a real address is shown: {shown & REAL}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert not self.errors, f"{name}: errors in the page: {self.errors}"

    def close(self) -> None:
        self.context.close()


def poll(
    page: Any, route_open: Callable[[], Any], predicate: Callable[[], bool], timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the page never showed it")
        time.sleep(0.5)
        route_open()


def test_buyer_reports_a_damaged_item_with_a_photo_and_sees_the_emailed_answer(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    buyer = Pages(browser, dev)
    buyer.sign_in("buyer:B4")
    page = buyer.page
    buyer.check("buyer-orders")
    page.get_by_role("link", name=re.compile(f"Contact seller.*{ORDER}")).click()
    page.wait_for_selector("text=What is it about?")
    # sending without a topic: the API's error is shown next to the topics
    page.locator("#contact-text").fill("The mug arrived broken, see the photo.")
    page.get_by_role("button", name="Send").click()
    page.locator("#topic-error").wait_for()  # the problem's `field` put it at the topics
    assert "topic" in page.locator("#topic-error").inner_text()
    page.get_by_label("Damaged or defective item").check()
    photo = png()
    page.set_input_files(
        "#contact-files",
        files=[{"name": "broken-mug.png", "mimeType": "image/png", "buffer": photo}],
    )
    buyer.check("buyer-contact-seller")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(f"h1:has-text('Messages about order {ORDER}')")

    # The seller's copy arrives from the buyer's alias, with the photo
    copy = wait_for_outbox(
        dev.outbox,
        lambda m: (
            m["To"] == "seller@example.org"
            and "The mug arrived broken" in m.get_body(("plain",)).get_content()
        ),
        timeout=30,
    )
    assert copy["From"].addresses[0].addr_spec == aliases[ORDER]["buyer_alias"]
    assert "Damaged" in copy["Subject"]
    files = [p for p in copy.iter_attachments() if p.get_content_type() == "image/png"]
    assert len(files) == 1
    assert "dana@example.net" not in copy.as_string()

    # The seller's inbox puts it first, with the time left to answer in words and colour
    seller = Pages(browser, dev)
    seller.sign_in("seller:S1")
    seller.open("/seller?show=needs")
    due = seller.page.locator(".conversation.needs .deadline").first
    assert re.match(r"Answer due in \d+ (hours|days)", due.inner_text()), due.inner_text()
    assert "deadline-ok" in (due.get_attribute("class") or "")
    seller.check("seller-inbox-deadline")
    seller.close()

    # The seller answers by email; the buyer sees the answer in the page
    answer = EmailMessage()
    answer["From"] = "Shop <seller@example.org>"
    answer["To"] = aliases[ORDER]["buyer_alias"]
    answer["Subject"] = "Re: " + str(copy["Subject"])
    answer["In-Reply-To"] = copy["Message-ID"]
    answer.set_content("We are sorry! A replacement mug is on its way today.")
    send_smtp(
        "127.0.0.1", dev.smtp_port, answer, "seller@example.org", [aliases[ORDER]["buyer_alias"]]
    )
    poll(
        page,
        lambda: buyer.open(f"/buyer/c/{ORDER}"),
        lambda: page.locator("text=A replacement mug is on its way").count() > 0,
    )
    assert page.locator("img.inline-image[alt='broken-mug.png']").count() == 1
    buyer.check("buyer-thread")
    buyer.close()


def test_seller_sends_an_invoice_through_the_page_and_the_buyer_gets_the_mail(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    seller = Pages(browser, dev)
    seller.sign_in("seller:S1")
    page = seller.page
    seller.check("seller-inbox")
    seller.open(f"/seller/contact/{ORDER}")
    page.wait_for_selector("text=Send an invoice")
    seller.check("seller-contact-buyer")
    page.get_by_label("Send an invoice").check()
    pdf = files.small_pdf("Invoice 4711")  # a real PDF: made-up bytes cannot be cleaned
    page.set_input_files(
        "#typed-files",
        files=[{"name": "invoice-4711.pdf", "mimeType": "application/pdf", "buffer": pdf}],
    )
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(f"h1:has-text('Conversation about order {ORDER}')")
    mail = wait_for_outbox(
        dev.outbox,
        lambda m: m["To"] == "dana@example.net" and "Invoice" in m["Subject"],
        timeout=30,
    )
    # The buyer gets the invoice as cleaned for delivery (metadata gone), still one page
    delivered = [p.get_content() for p in mail.iter_attachments()]
    assert len(delivered) == 1 and files.pdf_pages(delivered[0]) == 1
    assert [p.get_filename() for p in mail.iter_attachments()] == ["invoice-4711.pdf"]
    assert mail["From"].addresses[0].addr_spec == aliases[ORDER]["seller_alias"]
    assert "seller@example.org" not in mail.as_string()
    seller.close()


def test_a_blocked_typed_message_shows_its_rule_and_evidence(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    seller = Pages(browser, dev)
    seller.sign_in("seller:S1")
    page = seller.page
    seller.open(f"/seller/contact/{ORDER_DE}")
    page.get_by_label("Confirm order details").check()
    page.locator("#typed-text").fill(
        "Visit https://my-own-shop.example for more offers and coupons"
    )
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(f"h1:has-text('Conversation about order {ORDER_DE}')")
    poll(
        page,
        lambda: seller.open(f"/seller/c/{ORDER_DE}"),
        lambda: page.locator(".policy-blocked").count() > 0,
    )
    policy = page.locator(".policy-blocked").first.inner_text()
    assert "external-link" in policy
    assert "my-own-shop.example" in policy  # the evidence
    assert page.locator(".badge-blocked").count() >= 1
    seller.check("seller-conversation-blocked")
    # The inbox's blocked filter lists the conversation
    seller.open("/seller?show=blocked")
    assert page.locator(f"text=Order {ORDER_DE}").count() == 1
    assert page.locator(f"text=Order {ORDER}").count() == 0
    seller.close()


def test_german_pages_from_the_browser_language_and_the_switch(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    buyer = Pages(browser, dev, locale="de-DE")
    page = buyer.open("/")
    assert page.locator("h1").inner_text() == "Beim Nachrichtencenter anmelden"
    assert page.evaluate("document.documentElement.lang") == "de"
    buyer.sign_in("buyer:B5")
    assert page.locator("h1").inner_text() == "Meine Bestellungen"
    buyer.check("de-buyer-orders")
    buyer.open(f"/buyer/contact/{ORDER_DE}")
    assert page.get_by_label("Beschädigter oder defekter Artikel").count() == 1
    buyer.check("de-buyer-contact-seller")
    # switched back to English in the header, and the choice sticks
    page.get_by_label("Sprache").select_option("en")
    page.wait_for_selector("text=What is it about?")
    buyer.open("/buyer")
    assert page.locator("h1").inner_text() == "Your orders"
    buyer.close()


def test_every_page_passes_axe_fits_a_phone_and_shows_api_errors_at_their_field(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    for width, suffix in ((1280, ""), (360, "-360")):
        seller = Pages(browser, dev, width=width)
        page = seller.open("/")
        seller.check("sign-in" + suffix)
        seller.sign_in("seller:S1")
        for route, name in (
            ("/seller", "seller-inbox"),
            ("/seller?show=needs", "seller-inbox-needs-answer"),
            (f"/seller/c/{ORDER}", "seller-conversation"),
            (f"/seller/contact/{ORDER}", "seller-contact-buyer"),
            ("/seller/templates", "seller-templates"),
        ):
            seller.open(route)
            seller.check(name + suffix)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} is wider than {width} px by {overflow}"
        seller.open("/seller/settings")
        page.wait_for_selector("#notification-email")
        seller.check("seller-settings" + suffix, real_allowed=frozenset({"seller@example.org"}))
        seller.close()

        buyer = Pages(browser, dev, width=width)
        buyer.sign_in("buyer:B4")
        page = buyer.page
        for route, name in (
            ("/buyer", "buyer-orders"),
            (f"/buyer/c/{ORDER}", "buyer-thread"),
            (f"/buyer/contact/{ORDER}", "buyer-contact-seller"),
            ("/buyer/ask", "buyer-ask"),
            ("/buyer/settings", "buyer-settings"),
        ):
            buyer.open(route)
            buyer.check(name + suffix)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} is wider than {width} px by {overflow}"
        buyer.close()


def test_api_errors_appear_next_to_the_field_they_name(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    buyer = Pages(browser, dev)
    buyer.sign_in("buyer:B4")
    page = buyer.open("/buyer/ask")
    page.locator("#ask-seller").fill("S999")
    page.locator("#ask-text").fill("Is it available in blue?")
    page.get_by_role("button", name="Send").click()
    error = page.locator("#ask-seller-error")
    error.wait_for()
    assert page.locator("#ask-seller").get_attribute("aria-invalid") == "true"
    assert "ask-seller-error" in (
        page.locator("#ask-seller").get_attribute("aria-describedby") or ""
    )
    buyer.check("buyer-ask-error")
    buyer.close()

    seller = Pages(browser, dev)
    seller.sign_in("seller:S1")
    page = seller.open("/seller/settings")
    page.locator("#notification-email").fill(
        aliases[ORDER]["buyer_alias"]
    )  # an alias, not a real address
    page.get_by_role("button", name="Save").click()
    page.locator("#notification-email-error").wait_for()
    assert page.locator("#notification-email").get_attribute("aria-invalid") == "true"
    seller.close()


def test_link_hosts_wait_for_approval_in_the_settings(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    seller = Pages(browser, dev)
    seller.sign_in("seller:S1")
    page = seller.open("/seller/settings")
    page.locator("#link-hosts").fill("manuals.shop.example")
    page.get_by_role("button", name="Save").click()
    page.locator(".hosts li", has_text="manuals.shop.example").wait_for()
    assert "awaiting approval" in page.locator(".hosts li").first.inner_text()
    approved = dev.cli("sellers", "link-hosts", "approve", "S1", "manuals.shop.example")
    assert approved.returncode == 0, approved.stderr
    seller.open("/seller/settings")
    assert "approved" in page.locator(".hosts li").first.inner_text()
    assert "awaiting" not in page.locator(".hosts li").first.inner_text()
    seller.check("seller-settings-link-hosts", real_allowed=frozenset({"seller@example.org"}))
    seller.close()


def test_seller_templates_and_their_variables_in_a_reply(
    dev: DevStack, aliases: Any, browser: Any
) -> None:
    seller = Pages(browser, dev)
    seller.sign_in("seller:S1")
    page = seller.open("/seller/templates")
    page.get_by_role("button", name="New template").click()
    page.locator("#tpl-name").fill("Replacement")
    page.locator("#tpl-subject").fill("Replacement for {{order_id}}")
    page.locator("#tpl-text").fill("Hello {{buyer_name}}, a new {{item}} ships on {{day}}.")
    page.get_by_role("button", name="Save").click()
    page.locator("text=Saved.").wait_for()
    page.locator("h3:has-text('Replacement')").wait_for()
    # used in a reply to Erika's question: its variables become fields, and it is sent
    erika = ApiClient(f"http://127.0.0.1:{dev.api_port}", dev.token("buyer:B5"))
    status, _ = erika.call(
        "POST", f"/orders/{ORDER_DE}/contact", {"topic": "product", "text": "Welche Farbe?"}
    )
    assert status == 202
    wait_for_outbox(dev.outbox, lambda m: "Welche Farbe?" in m.as_string(), timeout=30)
    seller.open(f"/seller/c/{ORDER_DE}")
    page.get_by_label("Template").select_option(label="Replacement (en)")
    page.get_by_label("Value for item").fill("blue mug")
    page.get_by_label("Value for day").fill("Monday")
    seller.check("seller-reply-template")
    page.get_by_role("button", name="Send").click()
    page.locator(".alert-ok", has_text="Sent").wait_for()
    mail = wait_for_outbox(
        dev.outbox, lambda m: "a new blue mug ships on Monday" in m.as_string(), timeout=30
    )
    assert mail["To"] == "erika@example.net" and "Hello Erika" in mail.as_string()
    seller.close()


def test_a_cancelled_order_points_to_customer_service(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    register(dev, ORDER_CANCELLED, ("B4", "Dana Miller", "dana@example.net"), locale="en-GB")
    cancelled = dev.cli("orders", "cancel", ORDER_CANCELLED)
    assert cancelled.returncode == 0, cancelled.stderr
    buyer = Pages(browser, dev)
    buyer.sign_in("buyer:B4")
    page = buyer.open("/buyer")
    card = page.locator(".conversation", has_text=ORDER_CANCELLED)
    assert "contact customer service instead of the seller" in card.inner_text()
    assert card.get_by_role("link", name=re.compile("Contact seller")).count() == 0
    # and the contact page, opened by its address, says the same instead of a form
    page = buyer.open(f"/buyer/contact/{ORDER_CANCELLED}")
    page.get_by_label("Shipping").check()
    page.locator("#contact-text").fill("Where is my refund?")
    page.get_by_role("button", name="Send").click()
    page.locator(".notice", has_text="customer service").wait_for()
    buyer.check("buyer-cancelled-order")
    buyer.close()

    # The seller's "contact buyer": what the order's state forbids is greyed, with the reason
    seller = Pages(browser, dev)
    seller.sign_in("seller:S1")
    page = seller.open(f"/seller/contact/{ORDER_CANCELLED}")
    invoice = page.get_by_label("Send an invoice")
    assert invoice.is_disabled()
    why = page.locator(f"#{invoice.get_attribute('aria-describedby')}").inner_text()
    assert why == "Not possible now: the order was cancelled"
    assert page.get_by_label("An unexpected problem (e.g. the delivery address)").is_enabled()
    seller.check("seller-contact-buyer-greyed")
    seller.close()


def test_keyboard_alone_signs_in_and_asks_a_seller_a_question(
    dev: DevStack, aliases: dict[str, dict[str, str]], browser: Any
) -> None:
    buyer = Pages(browser, dev)
    page = buyer.open("/")
    focused = "document.activeElement.textContent.trim()"

    def tab_to(text: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if text in page.evaluate(focused):
                return
        raise AssertionError(f"{text!r} is not reachable with Tab")

    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Skip to content"  # the first stop
    tab_to("(buyer:B4)")
    page.keyboard.press("Enter")
    page.locator("h1", has_text="Your orders").wait_for()
    # focus moves to the new page's title (after it renders: wait for it, or the Tab races it)
    sync_api.expect(page.locator("#page-title")).to_be_focused()
    tab_to("Ask a seller")
    page.keyboard.press("Enter")
    page.locator("h1", has_text="Ask a seller a question").wait_for()
    # The page moves focus to its title after rendering: Tab from there, not before it
    sync_api.expect(page.locator("#page-title")).to_be_focused()
    # from the heading, the form's fields come in reading order
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ask-seller"
    page.keyboard.type("S1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ask-subject"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ask-text"
    page.keyboard.type("Do you ship to Austria?")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Send"
    page.keyboard.press("Enter")
    page.locator("h1", has_text="Question before ordering").wait_for()
    page.locator(".message", has_text="Do you ship to Austria?").wait_for()
    buyer.close()


def test_a_new_notification_address_counts_once_the_mailed_code_comes_back(
    dev: DevStack, browser: Any
) -> None:
    # Given a seller of its own (the other tests keep S1's address), signed in on the page
    order = "707-7777777-7777777"
    added = dev.cli(
        "orders", "add", "--order-id", order, "--seller-id", "S7", "--seller-name", "Crafts",
        "--seller-email", "crafts@example.org", "--buyer-id", "B7", "--buyer-name", "Kim Lee",
        "--buyer-email", "kim@example.net", "--locale", "en-GB",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    seller = Pages(browser, dev)
    seller.sign_in("seller:S7")
    page = seller.open("/seller/settings")

    # When they save a new notification address
    page.locator("#notification-email").fill("desk@crafts.example")
    page.get_by_role("button", name="Save").click()

    # Then it waits for its code: the page asks for it, and it is not active yet
    page.locator("#confirm-address").wait_for()
    assert "desk@crafts.example" in page.locator("#confirm-address").inner_text()
    assert page.locator("#notification-email").input_value() == ""
    seller.check("seller-settings-confirm", real_allowed=frozenset({"crafts@example.org"}))
    mail = wait_for_outbox(dev.outbox, lambda m: "desk@crafts.example" in str(m["To"]))
    body = mail.get_body(("plain",))
    assert body is not None
    code = re.search(r"^\s+(\S+)\s*$", body.get_content(), re.M)
    assert code, body.get_content()

    # When a wrong code is entered, the error shows at the field
    page.locator("#code").fill("not-the-code")
    page.get_by_role("button", name="Confirm").click()
    page.locator("#code-error").wait_for()
    assert page.locator("#code").get_attribute("aria-invalid") == "true"

    # When the mailed code is entered, the new address is the active one
    page.locator("#code").fill(code.group(1))
    page.get_by_role("button", name="Confirm").click()
    page.locator("#confirm-address").wait_for(state="detached")
    assert "confirmed" in page.locator(".alert").first.inner_text()
    assert page.locator("#notification-email").input_value() == "desk@crafts.example"
    seller.close()
