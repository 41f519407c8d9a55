"""Sending: typed messages, review requests, buyer contact, questions and replies."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, unquote

from parley.adapters import keys
from parley.adapters.blobs import BlobNotFound
from parley.adapters.store import OrderModel, PartyModel
from parley.center.access import CenterBase, Principal, Upload, first_name
from parley.center.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
from parley.center.templates import DEFAULTS_BY_ID, Template, render, template_of
from parley.core import i18n
from parley.core.i18n import language
from parley.core.ids import party_key
from parley.core.kinds import KINDS, REVIEW_REQUEST
from parley.core.time import now_iso, utcnow
from parley.directory.registration import RegistrationError, open_inquiry
from parley.mail.addresses import formatted
from parley.mail.authentication import Verdicts
from parley.mail.outbound import File, Outbound, build
from parley.models.tables import CounterModel
from parley.pipeline.ingest import InboundMail, ingest
from parley.responses import clocks

# The caller is authenticated and writes as their registered address: the API is the
# sender's "mail server", and it does not scan files for viruses (SES does, for mail).
API_VERDICTS = Verdicts(spf="PASS", dkim="PASS", dmarc="PASS", virus="GRAY", spam="PASS")
UPLOAD_SECONDS = 900
UPLOAD_CLAIM = timedelta(days=3)  # longer than an upload lives (uploads/ expires after 2 days)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CONTENT_TYPE = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9.+-]{0,100}$")
# The contact-seller topics of the buyer's "problem with order" page (catalogue `topic.<id>`).
TOPICS = ("order-status", "shipping", "return", "damaged", "invoice", "product", "other")


class Sending(CenterBase):
    """Messages written through the API: composed as mail, handed to the same ingest."""

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
            text = i18n.text("warranty.coverage", lang, start=coverage_start, end=coverage_end)
        files = self._uploads(who, attachment_ids)
        subject = kind.subject(lang, order.order_id)
        return self._submit(
            seller, pair.buyer_alias, subject, text, files, order.order_id, kind_name
        )

    def request_review(self, who: Principal, order_id: str) -> dict[str, Any]:
        order, pair = self._own_conversation(who, order_id, kind="seller")
        self._require_allowed(order, REVIEW_REQUEST)
        seller, buyer = self._parties(pair)
        lang = language(buyer.locale)
        subject, text = i18n.text("review.subject", lang), i18n.text("review.text", lang)
        values = {
            "order_id": order.order_id,
            "buyer_name": first_name(buyer.name),
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
        label = i18n.text(f"topic.{topic}", language(buyer.locale))
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
        subject = " ".join((subject or "").split())[:200] or i18n.text(
            "question.subject", language(buyer.locale)
        )
        try:
            pair, inquiry = open_inquiry(self.store, seller_id, who.party_id)
        except RegistrationError as exc:
            raise NotAllowedNow(str(exc)) from exc
        return self._submit(buyer, pair.seller_alias, subject, text, [], inquiry.order_id)

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
        subject = record.delivered_subject or record.subject or ""  # what the replier got
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
        if who.kind != "seller":
            raise NotAllowedNow("only a buyer message to you can be marked")
        try:
            stopped = clocks.no_response_needed(self.svc, record, utcnow())
        except clocks.NotABuyerMessage as exc:
            raise NotAllowedNow("only a buyer message to you can be marked") from exc
        return {
            "message_id": message_id,
            "conversation_id": record.order_id,
            "clock_stopped": stopped is not None,
        }

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
            found = template_of(item) if item else None
        if found is None:
            raise NotFound(f"no template {template_id}", field="template_id")
        values = {
            **{k: str(v) for k, v in variables.items()},
            "order_id": order.order_id if order else "",
            "buyer_name": first_name(buyer.name),
            "seller_name": seller.name,
        }
        return render(found.text, values, field="variables")

    def _uploads(self, who: Principal, ids: Sequence[str]) -> list[Upload]:
        """The caller's finished uploads, each usable once: sizes are checked before anything
        is read or composed (no message over the limit is ever written), then every upload is
        claimed with a conditional write, so one file cannot be sent again and again."""
        if len(set(ids)) != len(ids):
            raise InvalidInput("each attachment at most once", field="attachment_ids")
        keys, total = [], 0
        for position, upload_id in enumerate(ids):
            field = f"attachment_ids[{position}]"
            if not UPLOAD_ID.match(upload_id):
                raise InvalidInput("not an attachment id", field=field)
            key = self._upload_key(who, upload_id)
            try:
                total += self.svc.blobs.size(key)
            except BlobNotFound as exc:
                raise InvalidInput("no such upload (or not finished)", field=field) from exc
            keys.append((field, key))
        limit = self.svc.settings.max_message_bytes
        if encoded_size(total) > limit:
            raise InvalidInput(
                f"the files come to {total} bytes, over {limit} once encoded as mail",
                field="attachment_ids",
            )
        for field, key in keys:
            if not self.svc.store.create(
                CounterModel(key=f"upload|{key}", hits=1, expires_at=utcnow() + UPLOAD_CLAIM),
                CounterModel.key,
            ):
                raise InvalidInput("this upload was already sent", field=field)
        files = []
        for position, (field, key) in enumerate(keys):
            try:
                data, content_type, meta = self.svc.blobs.get_with_metadata(key)
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
        message = build(
            Outbound(
                from_header=formatted(sender.name, sender.email),
                to=to_alias,
                subject=subject,
                text=text,
                message_id_domain=f"api.{settings.relay_domain}",
                in_reply_to=in_reply_to,
                files=[
                    File(u.name, u.content_type or "application/octet-stream", u.data)
                    for u in files
                ],
            )
        )
        data = message.as_bytes()
        if len(data) > settings.max_message_bytes:  # never write what ingest would refuse
            raise InvalidInput(
                f"the message comes to {len(data)} bytes, over {settings.max_message_bytes}",
                field="attachment_ids",
            )
        submission_id = f"api-{secrets.token_hex(14)}"
        self.svc.blobs.put(keys.raw_key(submission_id, settings.raw_prefix), data, "message/rfc822")
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


def encoded_size(file_bytes: int) -> int:
    """What files of this many bytes come to in a mail: base64 (4/3, with line ends) plus
    room for the text and the headers."""
    return file_bytes * 4 // 3 + file_bytes // 38 + 64 * 1024


def _message_text(text: str) -> str:
    text = (text or "").strip()
    if not 1 <= len(text) <= 2000:
        raise InvalidInput("1-2000 characters", field="text")
    return text
