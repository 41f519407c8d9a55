"""Orders, parties and pairs: registration with validation, all-or-nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from parley.adapters.store import AliasModel, OrderModel, PairModel, PartyModel, Store
from parley.core.ids import LOCALE_FORMAT, ORDER_ID_FORMAT, PARTY_ID_FORMAT, pair_id_of, party_key
from parley.core.time import now_iso, utcnow
from parley.directory.aliases import new_alias
from parley.mail.addresses import canonical_address


class RegistrationError(ValueError):
    """The registration is invalid or conflicts with what is stored; nothing was written."""


@dataclass(frozen=True)
class PartyInfo:
    party_id: str
    name: str
    email: str
    locale: str = "en-US"


@dataclass(frozen=True)
class OrderRegistration:
    order_id: str
    seller: PartyInfo
    buyer: PartyInfo
    delivered_on: str | None = None
    seller_fulfillment: str = "merchant"  # or "marketplace": who ships the seller's orders


@dataclass(frozen=True)
class RegisteredOrder:
    order_id: str
    pair_id: str
    seller_id: str
    buyer_id: str
    buyer_alias: str
    seller_alias: str
    created: bool

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def normalize_email(value: str, field: str) -> str:
    # Loaded here: the validator (14 ms of the message center's cold import) is needed only
    # when an address is registered or changed, not by the routes most requests take.
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise RegistrationError(f"{field}: {value!r} is not a valid email address ({exc})") from exc
    # The one form ingest compares senders in (IDNA A-label domain, lower case).
    canonical = canonical_address(result.normalized)
    if canonical is None:
        raise RegistrationError(f"{field}: {value!r} is not a valid email address")
    return canonical


def validate(registration: OrderRegistration, relay_domain: str) -> OrderRegistration:
    if not ORDER_ID_FORMAT.match(registration.order_id):
        raise RegistrationError(
            f"order id {registration.order_id!r} is malformed: expected 3-7-7 digits "
            "like 123-1234567-1234567"
        )
    parties = []
    for kind, party in (("seller", registration.seller), ("buyer", registration.buyer)):
        if not PARTY_ID_FORMAT.match(party.party_id):
            raise RegistrationError(
                f"{kind} id {party.party_id!r} is malformed: 1-64 of A-Z a-z 0-9 . _ -"
            )
        name = " ".join(party.name.split())
        if not name or len(name) > 100:
            raise RegistrationError(f"{kind} name must be 1-100 characters")
        email = normalize_email(party.email, f"{kind} email")
        if email.endswith("@" + relay_domain):
            raise RegistrationError(f"{kind} email must be a real address, not a relay alias")
        if not LOCALE_FORMAT.match(party.locale):
            raise RegistrationError(f"locale {party.locale!r} is malformed: expected like de-DE")
        parties.append(PartyInfo(party.party_id, name, email, party.locale))
    if parties[0].email == parties[1].email:
        raise RegistrationError("seller and buyer cannot share an email address")
    if registration.delivered_on and not re.match(
        r"^\d{4}-\d{2}-\d{2}$", registration.delivered_on
    ):
        raise RegistrationError("delivered-on must be YYYY-MM-DD")
    if registration.seller_fulfillment not in {"merchant", "marketplace"}:
        raise RegistrationError("seller fulfillment must be merchant or marketplace")
    return OrderRegistration(
        registration.order_id,
        parties[0],
        parties[1],
        registration.delivered_on,
        registration.seller_fulfillment,
    )


def _check_party(existing: PartyModel | None, kind: str, wanted: PartyInfo) -> None:
    if existing is None:
        return
    if existing.name != wanted.name or existing.email != wanted.email:
        raise RegistrationError(
            f"{kind} {wanted.party_id} is already registered with a different name or email"
        )


def register_order(store: Store, registration: OrderRegistration) -> RegisteredOrder:
    """Register an order (and its parties and pair when new). Idempotent for identical input."""
    registration = validate(registration, store.settings.relay_domain)
    for _attempt in range(3):
        try:
            return _register_once(store, registration)
        except TransactWriteError as exc:  # lost a race with a concurrent registration
            last = exc
    raise RegistrationError(f"registration kept conflicting with concurrent writes: {last}")


def _register_once(store: Store, reg: OrderRegistration) -> RegisteredOrder:
    seller, buyer = reg.seller, reg.buyer
    seller_item = store.get(PartyModel, party_key("seller", seller.party_id))
    buyer_item = store.get(PartyModel, party_key("buyer", buyer.party_id))
    _check_party(seller_item, "seller", seller)
    _check_party(buyer_item, "buyer", buyer)
    pair_id = pair_id_of(seller.party_id, buyer.party_id)
    order = store.get(OrderModel, reg.order_id)
    pair = store.get(PairModel, pair_id)
    if order is not None:
        if order.pair_id != pair_id or pair is None:
            raise RegistrationError(
                f"order {reg.order_id} is already registered for another seller or buyer"
            )
        return RegisteredOrder(
            reg.order_id,
            pair_id,
            seller.party_id,
            buyer.party_id,
            pair.buyer_alias,
            pair.seller_alias,
            created=False,
        )

    now = now_iso()
    expires = store.settings.retention.directory_expiry(utcnow())
    with store.transaction() as tx:
        for kind, info, existing in (("seller", seller, seller_item), ("buyer", buyer, buyer_item)):
            if existing is not None:  # a new order keeps the party for another period
                tx.update(
                    existing,
                    actions=[PartyModel.expires_at.set(expires)],
                    condition=PartyModel.party_key.exists(),
                )
            else:
                tx.save(
                    PartyModel(
                        party_key(kind, info.party_id),
                        kind=kind,
                        party_id=info.party_id,
                        name=info.name,
                        email=info.email,
                        locale=info.locale,
                        fulfillment=reg.seller_fulfillment if kind == "seller" else None,
                        created_at=now,
                        expires_at=expires,
                    ),
                    condition=PartyModel.party_key.does_not_exist(),
                )
        if pair is None or pair.erased_at:  # an erased pair's aliases never come back
            pair = _new_pair(
                store,
                tx,
                seller.party_id,
                buyer.party_id,
                reg.order_id,
                {reg.order_id},
                now,
                replaces_erased=pair is not None,
            )
        else:
            tx.update(
                pair,
                actions=[
                    PairModel.order_ids.add({reg.order_id}),
                    PairModel.latest_order_id.set(reg.order_id),
                    PairModel.expires_at.set(expires),
                ],
                condition=PairModel.pair_id.exists(),
            )
            for alias in (pair.buyer_alias, pair.seller_alias):
                tx.update(
                    AliasModel(alias),
                    actions=[AliasModel.expires_at.set(expires)],
                    condition=AliasModel.pair_id == pair_id,
                )
        tx.save(
            OrderModel(
                reg.order_id,
                pair_id=pair_id,
                seller_id=seller.party_id,
                buyer_id=buyer.party_id,
                delivered_on=reg.delivered_on,
                created_at=now,
                expires_at=expires,
            ),
            condition=OrderModel.order_id.does_not_exist(),
        )
    return RegisteredOrder(
        reg.order_id,
        pair_id,
        seller.party_id,
        buyer.party_id,
        pair.buyer_alias,
        pair.seller_alias,
        created=True,
    )


def open_inquiry(store: Store, seller_id: str, buyer_id: str) -> tuple[PairModel, OrderModel]:
    """A buyer's question before any order: a conversation of its own, on the pair's aliases
    (created here when the two have never dealt with each other)."""
    import secrets

    pair_id = pair_id_of(seller_id, buyer_id)
    now = now_iso()
    inquiry = OrderModel(
        f"inquiry-{secrets.token_hex(8)}",
        pair_id=pair_id,
        seller_id=seller_id,
        buyer_id=buyer_id,
        kind="inquiry",
        created_at=now,
        expires_at=store.settings.retention.directory_expiry(utcnow()),
    )
    for _attempt in range(3):
        pair = store.get(PairModel, pair_id)
        try:
            with store.transaction() as tx:
                if pair is None or pair.erased_at:
                    pair = _new_pair(
                        store,
                        tx,
                        seller_id,
                        buyer_id,
                        inquiry.order_id,
                        None,
                        now,
                        replaces_erased=pair is not None,
                    )
                tx.save(inquiry, condition=OrderModel.order_id.does_not_exist())
        except TransactWriteError as exc:  # a concurrent first contact created the pair
            last = exc
            continue
        return pair, inquiry
    raise RegistrationError(f"could not open the inquiry: {last}")


def cancel_order(store: Store, order_id: str) -> str:
    """Cancelled orders offer no contact with the seller; idempotent."""
    order = store.get(OrderModel, order_id)
    if order is None or order.kind == "inquiry":
        raise RegistrationError(f"no order {order_id}")
    if order.cancelled_at:
        return str(order.cancelled_at)
    now = now_iso()
    store.update(order, [OrderModel.cancelled_at.set(now)])
    return now


def _new_pair(
    store: Store,
    tx: TransactWrite,
    seller_id: str,
    buyer_id: str,
    latest_order_id: str,
    order_ids: set[str] | None,
    now: str,
    *,
    replaces_erased: bool = False,
) -> PairModel:
    """A new pair and its two aliases, each written only if absent (no second alias ever).

    After an erasure the pair comes back with fresh aliases; the erased ones stay dead."""
    pair_id = pair_id_of(seller_id, buyer_id)
    expires = store.settings.retention.directory_expiry(utcnow())
    pair = PairModel(
        pair_id,
        seller_id=seller_id,
        buyer_id=buyer_id,
        buyer_alias=new_alias(store.settings),
        seller_alias=new_alias(store.settings),
        order_ids=order_ids,
        latest_order_id=latest_order_id,
        created_at=now,
        expires_at=expires,
    )
    tx.save(
        pair,
        condition=PairModel.erased_at.exists()
        if replaces_erased
        else PairModel.pair_id.does_not_exist(),
    )
    for side, alias in (("buyer", pair.buyer_alias), ("seller", pair.seller_alias)):
        tx.save(
            AliasModel(alias, pair_id=pair_id, side=side, created_at=now, expires_at=expires),
            condition=AliasModel.alias.does_not_exist(),
        )
    return pair
