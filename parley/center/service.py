"""The message center's operations, each scoped to the one party that asks.

Anything that is not the caller's own (another seller's order, another buyer's message) is
answered exactly like something that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import quote, unquote

from selectolax.lexbor import LexborHTMLParser

from parley import clocks
from parley.adapters.blobs import BlobNotFound
from parley.adapters.store import MessageModel, OrderModel, PairModel, PartyModel
from parley.center.actions import Availability, availability
from parley.center.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
from parley.center.templates import DEFAULT_TEMPLATES, DEFAULTS_BY_ID, Template, render
from parley.clock import now_iso, utcnow
from parley.directory import (
    RegistrationError,
    normalize_email,
    open_inquiry,
    party_key,
)
from parley.kinds import KINDS, REVIEW_REQUEST
from parley.mail.addresses import formatted
from parley.mail.compose import WIRE_POLICY, anonymize
from parley.mail.parsing import UnacceptableMessage, decode_text, header, parse_message
from parley.models.tables import TERMINAL_STATUSES, TemplateModel
from parley.pipeline.ingest import InboundMail, Verdicts, ingest
from parley.pipeline.relay import replacements_for
from parley.pipeline.services import Services
from parley.policy.catalogue import language

DELIVERED = frozenset({"delivered", "delivered_sanitized"})
# The caller is authenticated and writes as their registered address: the API is the
# sender's "mail server", and it does not scan files for viruses (SES does, for mail).
API_VERDICTS = Verdicts(spf="PASS", dkim="PASS", dmarc="PASS", virus="GRAY", spam="PASS")
DOWNLOAD_SECONDS = 300
UPLOAD_SECONDS = 900
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_TEMPLATES = 50
MAX_PAGE = 50
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CONTENT_TYPE = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9.+-]{0,100}$")
HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TOPICS = {
    "order-status": {"en": "Where is my order?", "de": "Wo ist meine Bestellung?"},
    "shipping": {"en": "Shipping", "de": "Versand"},
    "return": {"en": "Return or refund", "de": "Rückgabe oder Erstattung"},
    "damaged": {"en": "Damaged or defective item", "de": "Beschädigter oder defekter Artikel"},
    "invoice": {"en": "Invoice", "de": "Rechnung"},
    "product": {"en": "Question about the item", "de": "Frage zum Artikel"},
    "other": {"en": "Other question", "de": "Andere Frage"},
}
REVIEW_TEXT = {
    "en": (
        "Your order {order_id}",
        "Hello {buyer_name},\n\nthank you for your order {order_id}. If you have a moment, "
        "please leave a review of your purchase on {marketplace}. Your honest opinion helps "
        "other customers.\n\n{seller_name}",
    ),
    "de": (
        "Ihre Bestellung {order_id}",
        "Hallo {buyer_name},\n\nvielen Dank für Ihre Bestellung {order_id}. Wenn Sie einen "
        "Moment Zeit haben, können Sie auf {marketplace} eine Bewertung abgeben. Ihre ehrliche "
        "Meinung hilft anderen Kunden.\n\n{seller_name}",
    ),
}
COVERAGE = {
    "en": "Warranty coverage: {start} to {end}",
    "de": "Garantiezeitraum: {start} bis {end}",
}
QUESTION_SUBJECT = {"en": "Question before buying", "de": "Frage vor dem Kauf"}


@dataclass(frozen=True)
class Principal:
    """Who is asking: one seller or one buyer, as the identity provider vouches."""

    kind: str
    party_id: str

    @classmethod
    def from_claim(cls, value: str | None) -> Principal | None:
        kind, _, party_id = (value or "").partition(":")
        if kind not in {"seller", "buyer"} or not re.match(r"^[A-Za-z0-9._-]{1,64}$", party_id):
            return None
        return cls(kind, party_id)

    @property
    def other(self) -> str:
        return "buyer" if self.kind == "seller" else "seller"


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    data: bytes


class MessageCenter:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.store = svc.store

    # -- reading -------------------------------------------------------------------------
    def conversations(
        self, who: Principal, limit: int = 20, page: str | None = None
    ) -> dict[str, Any]:
        index = OrderModel.by_seller if who.kind == "seller" else OrderModel.by_buyer
        owner = "seller_id" if who.kind == "seller" else "buyer_id"
        start = self._page_key(page, owner, who.party_id) if page else None
        result = index.query(
            who.party_id,
            scan_index_forward=False,
            limit=min(max(limit, 1), MAX_PAGE),
            last_evaluated_key=start,
        )
        orders = list(result)
        parties = {
            p.party_key: p
            for p in self.store.batch_get(
                PartyModel,
                [party_key(who.other, self._other_id(who, o)) for o in orders],
            )
        }
        pairs = {p.pair_id: p for p in self.store.batch_get(PairModel, [o.pair_id for o in orders])}
        items = []
        for order in orders:
            other = parties.get(party_key(who.other, self._other_id(who, order)))
            pair = pairs.get(order.pair_id)
            items.append(
                {
                    "conversation_id": order.order_id,
                    "kind": order.kind or "order",
                    "created_at": order.created_at,
                    "cancelled": bool(order.cancelled_at),
                    "delivered_on": order.delivered_on,
                    "counterpart": {
                        "kind": who.other,
                        "name": _public_name(other, who.other),
                        "alias": (pair.buyer_alias if who.kind == "seller" else pair.seller_alias)
                        if pair
                        else None,
                    },
                    "awaiting_answer": bool(order.open_clock_id),
                }
            )
        last = result.last_evaluated_key
        return {"items": items, "next": _encode_page(last) if last else None}

    def conversation_messages(self, who: Principal, conversation_id: str) -> dict[str, Any]:
        order, pair = self._own_conversation(who, conversation_id)
        parties = self._parties(pair)
        messages = [
            self._view(who, record, pair, parties)
            for record in self.store.messages_of_order(order.order_id)
            if self._visible(who, record)
        ]
        return {"conversation_id": order.order_id, "messages": messages}

    def message(self, who: Principal, message_id: str) -> dict[str, Any]:
        record, pair = self._own_message(who, message_id)
        return self._view(who, record, pair, self._parties(pair))

    # -- attachments ---------------------------------------------------------------------
    def new_upload(self, who: Principal, name: str, content_type: str, size: int) -> dict[str, Any]:
        name = " ".join(name.split())
        if not name or len(name) > 200 or any(c in name for c in "/\\\0"):
            raise InvalidInput("1-200 characters, no slashes", field="name")
        content_type = content_type.lower().strip()
        if not CONTENT_TYPE.match(content_type):
            raise InvalidInput("a MIME type like application/pdf", field="content_type")
        if not 1 <= size <= MAX_UPLOAD_BYTES:
            raise InvalidInput(f"1 to {MAX_UPLOAD_BYTES} bytes", field="size")
        upload_id = secrets.token_urlsafe(24)
        form = self.svc.blobs.upload_form(
            self._upload_key(who, upload_id),
            content_type=content_type,
            max_bytes=size,
            name=quote(name),
            expires_s=UPLOAD_SECONDS,
        )
        return {
            "attachment_id": upload_id,
            "upload": {"url": form["url"], "fields": form["fields"]},
            "expires_in": UPLOAD_SECONDS,
        }

    # -- sellers: typed messages, review requests ----------------------------------------
    def messaging_actions(self, who: Principal, order_id: str) -> list[dict[str, object]]:
        order, _pair = self._own_conversation(who, order_id, kind="seller")
        return [a.as_dict() for a in self._availability(order)]

    def send_typed(
        self,
        who: Principal,
        order_id: str,
        kind_name: str,
        *,
        text: str | None = None,
        attachment_ids: Sequence[str] = (),
        coverage_start: date | None = None,
        coverage_end: date | None = None,
        template_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        kind = KINDS.get(kind_name)
        if kind is None:
            raise NotFound(f"no message type {kind_name}", field="message_type")
        order, pair = self._own_conversation(who, order_id, kind="seller")
        self._require_allowed(order, kind_name)
        seller, buyer = self._parties(pair)
        lang = language(buyer.locale)
        if template_id is not None:
            text = self._from_template(who, template_id, order, seller, buyer, variables or {})
        text = (text or "").strip()
        if kind.max_text == 0 and text:
            raise InvalidInput(f"{kind_name} carries no text, only attachments", field="text")
        if kind.text_required and not text:
            raise InvalidInput(f"{kind_name} needs a text", field="text")
        if len(text) > kind.max_text and kind.max_text:
            raise InvalidInput(f"at most {kind.max_text} characters", field="text")
        if len(attachment_ids) > kind.max_attachments:
            raise InvalidInput(
                f"at most {kind.max_attachments} attachments", field="attachment_ids"
            )
        if kind.attachments_required and not attachment_ids:
            raise InvalidInput(f"{kind_name} needs at least one attachment", field="attachment_ids")
        if kind.coverage_dates:
            if coverage_start is None or coverage_end is None:
                raise InvalidInput("coverage_start and coverage_end are required", "coverage_end")
            if coverage_end < coverage_start:
                raise InvalidInput("must not be before coverage_start", field="coverage_end")
            text = COVERAGE[lang].format(start=coverage_start, end=coverage_end)
        files = self._uploads(who, attachment_ids)
        subject = kind.subject[lang].format(order_id=order.order_id)
        return self._submit(
            seller, pair.buyer_alias, subject, text, files, order.order_id, kind_name
        )

    def request_review(self, who: Principal, order_id: str) -> dict[str, Any]:
        order, pair = self._own_conversation(who, order_id, kind="seller")
        self._require_allowed(order, REVIEW_REQUEST)
        seller, buyer = self._parties(pair)
        subject, text = REVIEW_TEXT[language(buyer.locale)]
        values = {
            "order_id": order.order_id,
            "buyer_name": _first_name(buyer.name),
            "seller_name": seller.name,
            "marketplace": self.svc.settings.marketplace_name,
        }
        return self._submit(
            seller,
            pair.buyer_alias,
            subject.format(**values),
            text.format(**values),
            [],
            order.order_id,
            REVIEW_REQUEST,
        )

    # -- buyers: contact the seller, ask before buying -----------------------------------
    def contact_seller(
        self,
        who: Principal,
        order_id: str,
        topic: str,
        text: str,
        attachment_ids: Sequence[str] = (),
    ) -> dict[str, Any]:
        order, pair = self._own_conversation(who, order_id, kind="buyer")
        if order.kind == "inquiry":
            raise NotFound(f"no order {order_id}", field="order_id")
        if order.cancelled_at:
            raise NotAllowedNow(
                "the order was cancelled: please contact the marketplace's customer service"
                + (
                    f" at {self.svc.settings.support_address}"
                    if self.svc.settings.support_address
                    else ""
                )
            )
        if topic not in TOPICS:
            raise InvalidInput(f"one of {', '.join(TOPICS)}", field="topic")
        text = _message_text(text)
        _seller, buyer = self._parties(pair)
        label = TOPICS[topic][language(buyer.locale)]
        files = self._uploads(who, attachment_ids)
        subject = f"{label} ({order.order_id})"
        return self._submit(buyer, pair.seller_alias, subject, text, files, order.order_id)

    def ask_seller(
        self, who: Principal, seller_id: str, text: str, subject: str | None = None
    ) -> dict[str, Any]:
        if who.kind != "buyer":
            raise Forbidden("only buyers ask sellers questions")
        seller = self.store.get(PartyModel, party_key("seller", seller_id), consistent=False)
        buyer = self.store.get(PartyModel, party_key("buyer", who.party_id), consistent=False)
        if seller is None:
            raise NotFound(f"no seller {seller_id}", field="seller_id")
        if buyer is None:
            raise Forbidden("your buyer account is not registered with the messaging service")
        text = _message_text(text)
        subject = (
            " ".join((subject or "").split())[:200] or QUESTION_SUBJECT[language(buyer.locale)]
        )
        try:
            pair, inquiry = open_inquiry(self.store, seller_id, who.party_id)
        except RegistrationError as exc:
            raise NotAllowedNow(str(exc)) from exc
        return self._submit(buyer, pair.seller_alias, subject, text, [], inquiry.order_id)

    # -- both sides: replies, no response needed ----------------------------------------
    def reply(
        self,
        who: Principal,
        message_id: str,
        *,
        text: str | None = None,
        template_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        attachment_ids: Sequence[str] = (),
    ) -> dict[str, Any]:
        record, pair = self._own_message(who, message_id)
        if record.direction != f"{who.other}_to_{who.kind}" or not record.outbound_message_id:
            raise NotAllowedNow("only a message you received can be answered")
        seller, buyer = self._parties(pair)
        me = seller if who.kind == "seller" else buyer
        if template_id is not None:
            if who.kind != "seller":
                raise Forbidden("templates are for sellers")
            order = self.store.get(OrderModel, record.order_id or "")
            text = self._from_template(who, template_id, order, seller, buyer, variables or {})
        text = _message_text(text or "")
        subject = record.subject or ""
        subject = subject if subject.lower().startswith(("re:", "aw:")) else f"Re: {subject}"
        alias = pair.buyer_alias if who.kind == "seller" else pair.seller_alias
        files = self._uploads(who, attachment_ids)
        return self._submit(
            me,
            alias,
            subject,
            text,
            files,
            record.order_id,
            in_reply_to=record.outbound_message_id,
        )

    def no_response_needed(self, who: Principal, message_id: str) -> dict[str, Any]:
        record, _pair = self._own_message(who, message_id)
        if who.kind != "seller" or record.direction != "buyer_to_seller":
            raise NotAllowedNow("only a buyer message to you can be marked")
        stopped = clocks.stop(self.store, record.order_id, utcnow(), "no_response_needed")
        return {
            "message_id": message_id,
            "conversation_id": record.order_id,
            "clock_stopped": stopped is not None,
        }

    # -- templates -----------------------------------------------------------------------
    def templates(self, who: Principal) -> list[dict[str, object]]:
        self._seller_only(who)
        own = [_template(t) for t in TemplateModel.query(who.party_id)]
        return [t.as_dict() for t in (*DEFAULT_TEMPLATES, *own)]

    def save_template(
        self, who: Principal, fields: Mapping[str, str], template_id: str | None = None
    ) -> dict[str, object]:
        self._seller_only(who)
        name = " ".join(fields.get("name", "").split())
        if not 1 <= len(name) <= 100:
            raise InvalidInput("1-100 characters", field="name")
        lang = fields.get("language", "")
        if not re.match(r"^[a-z]{2}$", lang):
            raise InvalidInput("a two-letter language code like en or de", field="language")
        subject = " ".join(fields.get("subject", "").split())
        if not 1 <= len(subject) <= 200:
            raise InvalidInput("1-200 characters", field="subject")
        text = fields.get("text", "").strip()
        if not 1 <= len(text) <= 2000:
            raise InvalidInput("1-2000 characters", field="text")
        if template_id is None:
            if TemplateModel.count(who.party_id) >= MAX_TEMPLATES:
                raise NotAllowedNow(f"at most {MAX_TEMPLATES} templates per seller")
            template_id = f"t-{secrets.token_hex(6)}"
        elif self._template_item(who, template_id) is None:
            raise NotFound(f"no template {template_id}", field="template_id")
        item = TemplateModel(
            who.party_id,
            template_id,
            name=name,
            language=lang,
            subject=subject,
            text=text,
            updated_at=now_iso(),
        )
        item.save()
        return _template(item).as_dict()

    def delete_template(self, who: Principal, template_id: str) -> None:
        self._seller_only(who)
        item = self._template_item(who, template_id)
        if item is None:
            raise NotFound(f"no template {template_id}", field="template_id")
        item.delete()

    # -- settings ------------------------------------------------------------------------
    def settings_of(self, who: Principal) -> dict[str, Any]:
        me = self._me(who)
        if who.kind == "buyer":
            return {"kind": "buyer", "locale": me.locale, "opted_out": bool(me.opted_out)}
        return {
            "kind": "seller",
            "locale": me.locale,
            "fulfillment": me.fulfillment or "merchant",
            "messaging_enabled": me.messaging_enabled(),
            "notification_email": me.notification_email,
            "authorized_senders": sorted(me.authorized_senders or ()),
            "link_hosts": sorted(me.link_hosts or ()),
        }

    def update_settings(self, who: Principal, changes: Mapping[str, Any]) -> dict[str, Any]:
        me = self._me(who)
        allowed = (
            {"opted_out"}
            if who.kind == "buyer"
            else {"messaging_enabled", "notification_email", "authorized_senders", "link_hosts"}
        )
        for name in changes:
            if name not in allowed:
                raise InvalidInput(f"{name} is not a {who.kind} setting", field=name)
        actions: list[Any] = []
        for name, attribute in (
            ("opted_out", PartyModel.opted_out),
            ("messaging_enabled", PartyModel.messaging_enabled_setting),
        ):
            if name in changes:
                if not isinstance(changes[name], bool):
                    raise InvalidInput("true or false", field=name)
                actions.append(attribute.set(changes[name]))
        if "notification_email" in changes:
            value = changes["notification_email"]
            actions.append(
                PartyModel.notification_email.set(self._real_email(value, "notification_email"))
                if value
                else PartyModel.notification_email.remove()
            )
        if "authorized_senders" in changes:
            senders = {
                self._real_email(v, "authorized_senders")
                for v in _strings(changes["authorized_senders"], "authorized_senders", 10)
            }
            actions.append(_set_or_clear(PartyModel.authorized_senders, senders))
        if "link_hosts" in changes:
            hosts = set()
            for value in _strings(changes["link_hosts"], "link_hosts", 20):
                host = value.strip().lower().rstrip(".")
                if not HOST.match(host):
                    raise InvalidInput(f"{value!r} is not a host name", field="link_hosts")
                hosts.add(host)
            actions.append(_set_or_clear(PartyModel.link_hosts, hosts))
        if actions:
            self.store.update(me, actions)
        return self.settings_of(who)

    # -- helpers -------------------------------------------------------------------------
    def _me(self, who: Principal) -> PartyModel:
        me = self.store.get(PartyModel, party_key(who.kind, who.party_id))
        if me is None:
            raise Forbidden("your account is not registered with the messaging service")
        return me

    def _real_email(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise InvalidInput("an email address", field=field)
        try:
            email = normalize_email(value, field)
        except RegistrationError as exc:
            raise InvalidInput(str(exc), field=field) from exc
        if email.endswith("@" + self.svc.settings.relay_domain):
            raise InvalidInput("a real address, not a relay alias", field=field)
        return email

    @staticmethod
    def _seller_only(who: Principal) -> None:
        if who.kind != "seller":
            raise Forbidden("only sellers have templates")

    @staticmethod
    def _other_id(who: Principal, order: OrderModel) -> str:
        return order.buyer_id if who.kind == "seller" else order.seller_id

    @staticmethod
    def _page_key(page: str, owner: str, party_id: str) -> dict[str, Any]:
        try:
            key = json.loads(base64.urlsafe_b64decode(page.encode()))
            ok = isinstance(key, dict) and key.get(owner) == {"S": party_id}
        except (ValueError, binascii.Error, UnicodeDecodeError):
            ok = False
        if not ok:
            raise InvalidInput("not a page token from this listing", field="next")
        return key  # type: ignore[no-any-return]

    def _own_conversation(
        self, who: Principal, conversation_id: str, kind: str | None = None
    ) -> tuple[OrderModel, PairModel]:
        if kind is not None and who.kind != kind:
            raise Forbidden(f"only {kind}s can do this")
        order = self.store.get(OrderModel, conversation_id, consistent=False)
        owner = None
        if order is not None:
            owner = order.seller_id if who.kind == "seller" else order.buyer_id
        pair = self.store.get(PairModel, order.pair_id, consistent=False) if order else None
        if order is None or owner != who.party_id or pair is None:
            raise NotFound(f"no conversation {conversation_id}", field="conversation_id")
        return order, pair

    def _own_message(self, who: Principal, message_id: str) -> tuple[MessageModel, PairModel]:
        record = self.store.get(MessageModel, message_id)
        pair = (
            self.store.get(PairModel, record.pair_id, consistent=False)
            if record is not None and record.pair_id
            else None
        )
        mine = (
            pair is not None
            and (pair.seller_id if who.kind == "seller" else pair.buyer_id) == who.party_id
        )
        if record is None or pair is None or not mine or not self._visible(who, record):
            raise NotFound(f"no message {message_id}", field="message_id")
        return record, pair

    @staticmethod
    def _visible(who: Principal, record: MessageModel) -> bool:
        """Senders see everything they sent, with verdicts; recipients only what reached them."""
        if (record.direction or "").startswith(who.kind):
            return True
        return record.status in DELIVERED and not record.redirected_to_support

    def _parties(self, pair: PairModel) -> tuple[PartyModel, PartyModel]:
        seller = self.store.get(PartyModel, party_key("seller", pair.seller_id), consistent=False)
        buyer = self.store.get(PartyModel, party_key("buyer", pair.buyer_id), consistent=False)
        if seller is None or buyer is None:
            raise NotFound("the conversation's parties are not registered")
        return seller, buyer

    def _availability(self, order: OrderModel) -> list[Availability]:
        buyer = self.store.get(PartyModel, party_key("buyer", order.buyer_id), consistent=False)
        return availability(
            order,
            buyer_opted_out=bool(buyer and buyer.opted_out),
            today=utcnow().date(),
            window_days=self.svc.policy.proactive_window_days,
        )

    def _require_allowed(self, order: OrderModel, kind_name: str) -> None:
        for entry in self._availability(order):
            if entry.kind == kind_name and not entry.allowed:
                raise NotAllowedNow(f"{kind_name} is not possible now: {entry.reason}")

    def _template_item(self, who: Principal, template_id: str) -> TemplateModel | None:
        try:
            return TemplateModel.get(who.party_id, template_id)
        except TemplateModel.DoesNotExist:
            return None

    def _from_template(
        self,
        who: Principal,
        template_id: str,
        order: OrderModel | None,
        seller: PartyModel,
        buyer: PartyModel,
        variables: Mapping[str, str],
    ) -> str:
        found: Template | None = DEFAULTS_BY_ID.get(template_id)
        if found is None:
            item = self._template_item(who, template_id)
            found = _template(item) if item else None
        if found is None:
            raise NotFound(f"no template {template_id}", field="template_id")
        values = {
            **{k: str(v) for k, v in variables.items()},
            "order_id": order.order_id if order else "",
            "buyer_name": _first_name(buyer.name),
            "seller_name": seller.name,
        }
        return render(found.text, values, field="variables")

    @staticmethod
    def _upload_key(who: Principal, upload_id: str) -> str:
        return f"uploads/{who.kind}/{who.party_id}/{upload_id}"

    def _uploads(self, who: Principal, ids: Sequence[str]) -> list[Upload]:
        files = []
        for position, upload_id in enumerate(ids):
            field = f"attachment_ids[{position}]"
            if not UPLOAD_ID.match(upload_id):
                raise InvalidInput("not an attachment id", field=field)
            try:
                data, content_type, meta = self.svc.blobs.get_with_metadata(
                    self._upload_key(who, upload_id)
                )
            except BlobNotFound as exc:
                raise InvalidInput("no such upload (or not finished)", field=field) from exc
            name = unquote(meta.get("name", "")) or f"attachment-{position + 1}"
            files.append(Upload(name, content_type or "application/octet-stream", data))
        return files

    def _submit(
        self,
        sender: PartyModel,
        to_alias: str,
        subject: str,
        text: str,
        files: Sequence[Upload],
        conversation_id: str | None,
        message_type: str | None = None,
        in_reply_to: str | None = None,
    ) -> dict[str, Any]:
        """Compose the message as mail from the sender's registered address and hand it to
        the same ingest that SES feeds: same checks, same policy, same relay."""
        settings = self.svc.settings
        message = EmailMessage(policy=WIRE_POLICY)
        message["From"] = formatted(sender.name, sender.email)
        message["To"] = to_alias
        message["Subject"] = subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain=f"api.{settings.relay_domain}")
        if in_reply_to:
            message["In-Reply-To"] = f"<{in_reply_to}>"
            message["References"] = f"<{in_reply_to}>"
        message.set_content(text + "\n", charset="utf-8")
        for upload in files:
            maintype, _, subtype = upload.content_type.partition("/")
            message.add_attachment(
                upload.data, maintype=maintype, subtype=subtype, filename=upload.name
            )
        submission_id = f"api-{secrets.token_hex(14)}"
        self.svc.blobs.put(
            settings.raw_prefix + submission_id, message.as_bytes(), "message/rfc822"
        )
        mail = InboundMail(
            ses_message_id=submission_id,
            recipients=(to_alias,),
            timestamp=now_iso(),
            source=sender.email,
            verdicts=API_VERDICTS,
            message_type=message_type,
            order_id=conversation_id,
        )
        outcome = ingest(mail, self.svc)[0]
        result: dict[str, Any] = {
            "message_id": outcome.message_id,
            "conversation_id": conversation_id,
            "status": outcome.status,
        }
        if outcome.reason:
            result["reason"] = outcome.reason
        return result

    def _view(
        self,
        who: Principal,
        record: MessageModel,
        pair: PairModel,
        parties: tuple[PartyModel, PartyModel],
    ) -> dict[str, Any]:
        own = (record.direction or "").startswith(who.kind)
        seller, buyer = parties
        view: dict[str, Any] = {
            "message_id": record.message_id,
            "conversation_id": record.order_id,
            "direction": record.direction,
            "sent_by_me": own,
            "received_at": record.received_at,
            "subject": record.subject or "",
            "message_type": record.message_type,
            "category": record.category,
            "status": record.status if record.status in TERMINAL_STATUSES else "in_progress",
            "verdict": record.verdict,
            "rules": sorted({v.rule for v in record.violations or []}),
        }
        if own:
            view["reason"] = record.reason
            view["violations"] = [
                {"rule": v.rule, "action": v.action, "evidence": v.evidence}
                for v in record.violations or []
            ]
        # What the recipient got is the cleaned copy with the sender's addresses replaced,
        # in the subject, the text and the file names alike.
        key = record.raw_key if own else (record.body_key or record.raw_key)
        sender = seller if (record.direction or "").startswith("seller") else buyer
        alias = pair.seller_alias if sender is seller else pair.buyer_alias
        replacements = {} if own else replacements_for(sender, alias)
        subject, text = self._content(key)
        if not own:
            view["subject"] = anonymize(subject, replacements)
        view["text"] = anonymize(text, replacements)
        view["attachments"] = []
        for index, item in enumerate(record.attachments or []):
            if item.removed_by and not own:
                continue  # the policy took it out of the recipient's copy
            name = anonymize(item.name, replacements)
            view["attachments"].append(
                {
                    "attachment_id": str(index),
                    "name": name,
                    "content_type": item.content_type,
                    "size": int(item.size),
                    "removed_by": item.removed_by,
                    "download_url": self.svc.blobs.download_url(item.key, name, DOWNLOAD_SECONDS),
                }
            )
        return view

    def _content(self, key: str) -> tuple[str, str]:
        """Subject and readable text of a stored message (HTML reduced to its text)."""
        try:
            message = parse_message(self.svc.blobs.get(key), self.svc.settings.max_message_bytes)
        except (BlobNotFound, UnacceptableMessage):
            return "", ""
        subject = header(message, "Subject") or ""
        body = message.get_body(preferencelist=("plain", "html"))
        if body is None:
            return subject, ""
        text = decode_text(body)
        if body.get_content_subtype() == "html":
            tree = LexborHTMLParser(text)
            text = tree.body.text(separator="\n") if tree.body is not None else ""
        return subject, text.strip()


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def _public_name(party: PartyModel | None, kind: str) -> str:
    """Sellers show their business name; buyers only their first name."""
    if party is None:
        return ""
    return party.name if kind == "seller" else _first_name(party.name)


def _message_text(text: str) -> str:
    text = (text or "").strip()
    if not 1 <= len(text) <= 2000:
        raise InvalidInput("1-2000 characters", field="text")
    return text


def _strings(value: Any, field: str, limit: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("a list of strings", field=field)
    if len(value) > limit:
        raise InvalidInput(f"at most {limit}", field=field)
    return value


def _set_or_clear(attribute: Any, values: set[str]) -> Any:
    return attribute.set(values) if values else attribute.remove()


def _template(item: TemplateModel) -> Template:
    return Template(
        item.template_id, item.name, item.language, item.subject, item.text, "seller", None
    )


def _encode_page(key: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()
