"""Reading: a party's conversations and messages; recipients see what was delivered."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from parley.adapters.blobs import BlobNotFound
from parley.adapters.store import ClockModel, MessageModel, OrderModel, PairModel, PartyModel
from parley.center.access import CenterBase, Principal
from parley.center.errors import InvalidInput
from parley.core.ids import party_key
from parley.directory.aliases import replacements_for
from parley.mail.names import shown_name
from parley.mail.parsing import UnacceptableMessage, parse_message
from parley.mail.scrub import anonymize
from parley.mail.text import readable
from parley.models.tables import TERMINAL_STATUSES

DOWNLOAD_SECONDS = 300
MAX_PAGE = 50


class Reading(CenterBase):
    """Conversations and messages, as the caller may see them."""

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
        # the seller's inbox: when each open conversation's answer is due (one batch read)
        running = [o.open_clock_id for o in orders if o.open_clock_id and who.kind == "seller"]
        due = {c.clock_id: c.deadline_at for c in self.store.batch_get(ClockModel, running)}
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
                        "name": _public_name(other, who.other, self.svc.settings.display_name),
                        "alias": (pair.buyer_alias if who.kind == "seller" else pair.seller_alias)
                        if pair
                        else None,
                    },
                    "awaiting_answer": bool(order.open_clock_id),
                    "answer_due": due.get(order.open_clock_id or ""),
                    "blocked": len(order.blocked_ids or ()) if who.kind == "seller" else 0,
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

    def _view(
        self,
        who: Principal,
        record: MessageModel,
        pair: PairModel,
        parties: tuple[PartyModel, PartyModel],
    ) -> dict[str, Any]:
        own = (record.direction or "").startswith(who.kind)
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
        if who.kind == "seller" and record.response_outcome:  # a thank-you, or taken back
            view["response_outcome"] = record.response_outcome
        if own:
            view["reason"] = record.reason
            view["violations"] = [
                {"rule": v.rule, "action": v.action, "evidence": v.evidence}
                for v in record.violations or []
            ]
        if own:  # the sender sees what they sent, with what the policy did to it
            _subject, view["text"] = self._content(record.raw_key)
            files = list(record.attachments or [])
        elif record.delivered_key:  # the recipient sees the one delivered copy, nothing else
            subject, view["text"] = self._content(record.delivered_key)
            view["subject"] = record.delivered_subject or subject
            files = list(record.delivered_attachments or [])
        else:
            view.update(self._legacy_view(record, pair, parties))
            files = [a for a in record.attachments or [] if not a.removed_by]
        view["attachments"] = []
        for index, item in enumerate(files):
            name = item.name
            view["attachments"].append(
                {
                    "attachment_id": str(index),
                    "name": name,
                    "content_type": item.content_type,
                    "size": int(item.size),
                    "removed_by": item.removed_by,
                    "download_url": self.svc.blobs.download_url(item.key, name, DOWNLOAD_SECONDS)
                    if item.key  # an erased file has no object any more
                    else None,
                }
            )
        return view

    def _legacy_view(
        self, record: MessageModel, pair: PairModel, parties: tuple[PartyModel, PartyModel]
    ) -> dict[str, Any]:
        """A message relayed before the delivered copy was kept: the filtered copy with the
        sender's addresses replaced (its attachments are listed from the original)."""
        seller, buyer = parties
        sender = seller if (record.direction or "").startswith("seller") else buyer
        alias = pair.seller_alias if sender is seller else pair.buyer_alias
        replacements = replacements_for(sender, alias)
        subject, text = self._content(record.body_key or record.raw_key)
        return {"subject": anonymize(subject, replacements), "text": anonymize(text, replacements)}

    def _content(self, key: str) -> tuple[str, str]:
        """Subject and readable text of a stored message (HTML reduced to its text)."""
        try:
            message = parse_message(self.svc.blobs.get(key), self.svc.settings.max_message_bytes)
        except (BlobNotFound, UnacceptableMessage):
            return "", ""
        subject, text = readable(message)
        return subject, text.strip()


def _public_name(party: PartyModel | None, kind: str, mode: str) -> str:
    """The name relayed mail shows for this party (the marketplace's displayName)."""
    return shown_name(party.name, kind, mode) if party is not None else ""


def _encode_page(key: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()
