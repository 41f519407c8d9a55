"""Who may see and do what: the caller, and lookups that refuse anything not theirs.

Anything that is not the caller's own (another seller's order, another buyer's message) is
answered exactly like something that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.adapters import keys
from parley.adapters.store import MessageModel, OrderModel, PairModel, PartyModel
from parley.center.actions import Availability, availability
from parley.center.errors import Forbidden, NotAllowedNow, NotFound
from parley.core.ids import PARTY_ID_FORMAT, party_key
from parley.core.time import utcnow
from parley.models.tables import TemplateModel

if TYPE_CHECKING:
    from parley.app import Services

DELIVERED = frozenset({"delivered", "delivered_sanitized"})


@dataclass(frozen=True)
class Principal:
    """Who is asking: one seller or one buyer, as the identity provider vouches."""

    kind: str
    party_id: str

    @classmethod
    def from_claim(cls, value: str | None) -> Principal | None:
        kind, _, party_id = (value or "").partition(":")
        if kind not in {"seller", "buyer"} or not PARTY_ID_FORMAT.match(party_id):
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


class CenterBase:
    """The services and the ownership checks every part of the message center shares."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.store = svc.store

    def _me(self, who: Principal) -> PartyModel:
        me = self.store.get(PartyModel, party_key(who.kind, who.party_id))
        if me is None:
            raise Forbidden("your account is not registered with the messaging service")
        return me

    @staticmethod
    def _seller_only(who: Principal) -> None:
        if who.kind != "seller":
            raise Forbidden("only sellers have templates")

    @staticmethod
    def _other_id(who: Principal, order: OrderModel) -> str:
        return order.buyer_id if who.kind == "seller" else order.seller_id

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
        if pair.erased_at:  # the other party's history stays readable without the erased one
            seller = seller or _erased("seller", pair.seller_id)
            buyer = buyer or _erased("buyer", pair.buyer_id)
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
        return self.store.template(who.party_id, template_id)

    @staticmethod
    def _upload_key(who: Principal, upload_id: str) -> str:
        return keys.upload_key(who.kind, who.party_id, upload_id)


def _erased(kind: str, party_id: str) -> PartyModel:
    """Stands in for an erased party: no name, no address."""
    return PartyModel(
        party_key(kind, party_id), kind=kind, party_id=party_id, name="", email="", created_at=""
    )


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name
