"""PynamoDB models of the tables. The CDK stack is tested against these (no drift).

Physical table names come from settings at run time (`bind_models`), never at import.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from parley.core.settings import Settings

_T = TypeVar("_T")

# Statuses a message can end in; anything else is "in flight" and visible to reconcile.
TERMINAL_STATUSES = frozenset(
    {"delivered", "delivered_sanitized", "blocked", "rejected", "dead_lettered"}
)
# What an erased alias points to: no pair, so mail to it is rejected as an unknown alias.
ERASED_PAIR = "#erased"


class PartyModel(Model):
    """A seller or a buyer: who they are and which addresses may write for them."""

    class Meta:
        table_name = "parley-parties"

    party_key = UnicodeAttribute(hash_key=True)  # "seller:S1" / "buyer:B1"
    kind = UnicodeAttribute()
    party_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    locale = UnicodeAttribute(default="en-US")
    authorized_senders = UnicodeSetAttribute(null=True)
    notification_email = UnicodeAttribute(null=True)  # sellers: confirmed by a mailed code
    # sellers: a new notification address until its code comes back (only the code's hash)
    notification_email_pending = UnicodeAttribute(null=True)
    notification_code_hash = UnicodeAttribute(null=True)
    notification_code_expires_at = UnicodeAttribute(null=True)
    notification_code_attempts = NumberAttribute(null=True)
    opted_out = BooleanAttribute(default=False)  # buyers: no unsolicited messages
    link_hosts = UnicodeSetAttribute(null=True)  # sellers: hosts for instructions, warranty
    # sellers: the link hosts an operator approved (`parley sellers link-hosts approve`); only
    # hosts both requested and approved count for the external-link rule
    approved_link_hosts = UnicodeSetAttribute(null=True)
    fulfillment = UnicodeAttribute(null=True)  # sellers: "merchant" (default) or "marketplace"
    # sellers: None means the default of their fulfillment (see messaging_enabled())
    messaging_enabled_setting = BooleanAttribute(null=True, attr_name="messaging_enabled")
    sanitized_critical = NumberAttribute(default=0)  # sellers: critical messages we cleaned
    complaints = NumberAttribute(default=0)  # sellers: recipients who marked them as spam
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)  # directory retention after the latest order
    # sellers: away mode (ISO times, the message per language as JSON) and past periods
    away_from = UnicodeAttribute(null=True)
    away_until = UnicodeAttribute(null=True)
    away_messages = UnicodeAttribute(null=True)
    away_periods = ListAttribute(of=UnicodeAttribute, null=True)  # "from/until", newest last

    def messaging_enabled(self) -> bool:
        """Sellers who ship themselves get buyer messages unless they turn them off; sellers
        whose orders the marketplace fulfills do not unless they turn them on."""
        if self.messaging_enabled_setting is not None:
            return bool(self.messaging_enabled_setting)
        return self.fulfillment != "marketplace"


class PairModel(Model):
    """One buyer-seller pair and its two stable aliases."""

    class Meta:
        table_name = "parley-pairs"

    pair_id = UnicodeAttribute(hash_key=True)
    seller_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    buyer_alias = UnicodeAttribute()  # the seller writes here to reach the buyer
    seller_alias = UnicodeAttribute()  # the buyer writes here to reach the seller
    order_ids = UnicodeSetAttribute(null=True)
    latest_order_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)  # directory retention after the latest order
    erased_at = UnicodeAttribute(null=True)  # a party was erased: its aliases are dead


class AliasModel(Model):
    """Alias address -> the pair and the party that receives mail sent to it."""

    class Meta:
        table_name = "parley-aliases"

    alias = UnicodeAttribute(hash_key=True)
    pair_id = UnicodeAttribute()
    side = UnicodeAttribute()  # "buyer" or "seller": whose alias this is
    created_at = UnicodeAttribute()
    # Erased: pair_id is ERASED_PAIR and there is no expiry, so the alias is never handed out
    # again (the item keeps nothing but the random string).
    erased_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class SellerOrdersIndex(GlobalSecondaryIndex["OrderModel"]):
    """A seller's conversations, newest first (the message center lists them)."""

    class Meta:
        index_name = "by_seller"
        projection = AllProjection()

    seller_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class BuyerOrdersIndex(GlobalSecondaryIndex["OrderModel"]):
    class Meta:
        index_name = "by_buyer"
        projection = AllProjection()

    buyer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OrderModel(Model):
    """A conversation: an order, or a buyer's question before any order (`kind` inquiry)."""

    class Meta:
        table_name = "parley-orders"

    order_id = UnicodeAttribute(hash_key=True)
    pair_id = UnicodeAttribute()
    seller_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)  # None: an order; "inquiry": a pre-order question
    cancelled_at = UnicodeAttribute(null=True)
    delivered_on = UnicodeAttribute(null=True)
    review_requests = NumberAttribute(default=0)
    sent_types = UnicodeSetAttribute(null=True)  # typed messages sent through the API
    open_clock_id = UnicodeAttribute(null=True)  # the conversation's running response clock
    blocked_ids = UnicodeSetAttribute(null=True)  # the seller's messages the policy blocked
    away_replied = UnicodeAttribute(null=True)  # the away period the buyer was answered in
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)  # directory retention

    by_seller = SellerOrdersIndex()
    by_buyer = BuyerOrdersIndex()


class AttachmentMap(MapAttribute[str, Any]):
    name = UnicodeAttribute()
    key = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    removed_by = UnicodeAttribute(null=True)  # rule id when the policy stripped it


class MapList(ListAttribute[_T]):
    """A list of maps. PynamoDB builds (and deep-copies) a fresh element attribute every time
    it reads such a list, even an empty one: most messages have no attachments and no
    violations, and their records are read several times per message."""

    def deserialize(self, values: Any) -> list[_T]:
        if not values:
            return []
        items: list[_T] = super().deserialize(values)  # type: ignore[no-untyped-call]
        return items


class ViolationMap(MapAttribute[str, Any]):
    rule = UnicodeAttribute()
    action = UnicodeAttribute()
    evidence = UnicodeAttribute()


class OrderIndex(GlobalSecondaryIndex["MessageModel"]):
    """A conversation's messages in time order (history)."""

    class Meta:
        index_name = "by_order"
        projection = AllProjection()

    order_id = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class StageIndex(GlobalSecondaryIndex["MessageModel"]):
    """Sparse: only messages still in flight carry `stage` (reconcile reads this)."""

    class Meta:
        index_name = "by_stage"
        projection = AllProjection()

    stage = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class MessageModel(Model):
    """One inbound message for one recipient alias, and everything that happened to it."""

    class Meta:
        table_name = "parley-messages"

    message_id = UnicodeAttribute(hash_key=True)
    ses_message_id = UnicodeAttribute()
    recipient_alias = UnicodeAttribute()
    received_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    status = UnicodeAttribute()
    stage = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    pair_id = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    direction = UnicodeAttribute(null=True)  # buyer_to_seller / seller_to_buyer
    sender_name = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    verdict = UnicodeAttribute(null=True)
    policy_version = UnicodeAttribute(null=True)
    violations = MapList(of=ViolationMap, null=True)
    raw_key = UnicodeAttribute()
    body_key = UnicodeAttribute(null=True)  # sanitized copy written by the filter
    attachments = MapList(of=AttachmentMap, null=True)
    # The one delivered copy (what the recipient got, byte for byte), written by the relay:
    # every view the recipient has reads these, never the original.
    delivered_key = UnicodeAttribute(null=True)
    delivered_subject = UnicodeAttribute(null=True)
    delivered_attachments = MapList(of=AttachmentMap, null=True)
    rfc_message_id = UnicodeAttribute(null=True)
    in_reply_to = UnicodeAttribute(null=True)
    references = ListAttribute(of=UnicodeAttribute, null=True)
    answers_message_id = UnicodeAttribute(null=True)
    outbound_message_id = UnicodeAttribute(null=True)
    ses_outbound_id = UnicodeAttribute(null=True)
    relay_claimed_at = UnicodeAttribute(null=True)
    notice_sent = BooleanAttribute(default=False)
    auto_submitted = BooleanAttribute(default=False)
    feedback = UnicodeAttribute(null=True)  # what SES reported after sending: bounce, ...
    feedback_at = UnicodeAttribute(null=True)
    message_type = UnicodeAttribute(null=True)  # a typed message from the API, e.g. "invoice"
    redirected_to_support = BooleanAttribute(default=False)
    # Expires with its objects (raw mail, messages/<id>/...): the same retention, see
    # parley.core.retention; a rewritten or held object moves both.
    expires_at = TTLAttribute(null=True)
    erased_at = UnicodeAttribute(null=True)  # a party of it was erased
    # buyer messages: "auto-no-response-needed" (a thank-you) or "needs-response" (taken back)
    response_outcome = UnicodeAttribute(null=True)

    by_order = OrderIndex()
    by_stage = StageIndex()

    def thread_refs(self) -> list[str]:
        """The ids this message refers to: References in order, then In-Reply-To."""
        refs = [str(ref) for ref in self.references or []]
        if self.in_reply_to and self.in_reply_to not in refs:
            refs.append(self.in_reply_to)
        return refs


def set_or_remove(attribute: Any, value: Any) -> Any:
    """An update action that stores a value, or removes the attribute for None."""
    return attribute.remove() if value is None else attribute.set(value)


class ThreadIdModel(Model):
    """A Message-ID as one party knows it -> the id the other party knows (threading)."""

    class Meta:
        table_name = "parley-thread-ids"

    rfc_id = UnicodeAttribute(hash_key=True)
    pair_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    known_to = UnicodeAttribute()  # "buyer" or "seller"
    counterpart_id = UnicodeAttribute()
    direction = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


class DueIndex(GlobalSecondaryIndex["ClockModel"]):
    """Sparse: only running clocks carry `shard`; the sweep reads what is due, nothing else."""

    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    shard = UnicodeAttribute(hash_key=True)
    next_due_at = UnicodeAttribute(range_key=True)


class SellerIndex(GlobalSecondaryIndex["ClockModel"]):
    class Meta:
        index_name = "by_seller"
        projection = AllProjection()

    seller_id = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class ClockModel(Model):
    """One response clock: a conversation waiting for the seller's answer, and its outcome."""

    class Meta:
        table_name = "parley-clocks"

    clock_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()
    pair_id = UnicodeAttribute()
    seller_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    # open, answered, no_response_needed, auto-no-response-needed (a thank-you), merged (taken
    # back into a clock that was running by then)
    status = UnicodeAttribute()
    received_at = UnicodeAttribute()
    deadline_at = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    message_ids = ListAttribute(of=UnicodeAttribute, null=True)
    stages_sent = UnicodeSetAttribute(null=True)
    undeliverable = UnicodeSetAttribute(null=True)
    shard = UnicodeAttribute(null=True)
    next_due_at = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute(null=True)
    response_seconds = NumberAttribute(null=True)
    late = BooleanAttribute(null=True)
    running = NumberAttribute(null=True)  # only on the "#running" counter item
    expires_at = TTLAttribute(null=True)  # clocks retention after the message it waits on

    by_due = DueIndex()
    by_seller = SellerIndex()


class TemplateModel(Model):
    """A seller's reply template (the marketplace's defaults live in the package)."""

    class Meta:
        table_name = "parley-templates"

    seller_id = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    language = UnicodeAttribute()
    subject = UnicodeAttribute()
    text = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)  # directory retention after the last change


class CounterModel(Model):
    """A count in a time window (a sender's messages through one alias in one hour)."""

    class Meta:
        table_name = "parley-counters"

    key = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(null=True)
    refused = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class SellerWebhooksIndex(GlobalSecondaryIndex["WebhookModel"]):
    class Meta:
        index_name = "by_seller"
        projection = AllProjection()

    seller_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class WebhookModel(Model):
    """A seller's HTTPS endpoint for events, and the secret its deliveries are signed with."""

    class Meta:
        table_name = "parley-webhooks"

    webhook_id = UnicodeAttribute(hash_key=True)  # "wh_" + 20 hex
    seller_id = UnicodeAttribute()
    url = UnicodeAttribute()
    events = UnicodeSetAttribute(null=True)  # None: every event type
    secret = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # The table's TTL attribute, never written: an endpoint lives until it is removed (its
    # deliveries expire after 30 days).
    expires_at = TTLAttribute(null=True)

    by_seller = SellerWebhooksIndex()


class WebhookDeliveriesIndex(GlobalSecondaryIndex["DeliveryModel"]):
    """An endpoint's deliveries by time (the seller's list, the operator's redrive)."""

    class Meta:
        index_name = "by_webhook"
        projection = AllProjection()

    webhook_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class DeliveryModel(Model):
    """One event for one endpoint: its body, attempts and outcome."""

    class Meta:
        table_name = "parley-webhook-deliveries"

    delivery_id = UnicodeAttribute(hash_key=True)  # "<webhook id>.<event id>"
    webhook_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    body = UnicodeAttribute()  # the exact bytes every attempt signs and sends
    status = UnicodeAttribute()  # pending, delivered, dead, cancelled, failed (a test)
    attempts = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    window_start = UnicodeAttribute()  # retries run for webhook_retry_hours from here
    next_attempt_at = UnicodeAttribute()
    last_attempt_at = UnicodeAttribute(null=True)
    last_status = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    by_webhook = WebhookDeliveriesIndex()


ALL_MODELS: dict[str, type[Model]] = {
    "parties_table": PartyModel,
    "pairs_table": PairModel,
    "aliases_table": AliasModel,
    "orders_table": OrderModel,
    "messages_table": MessageModel,
    "thread_ids_table": ThreadIdModel,
    "clocks_table": ClockModel,
    "templates_table": TemplateModel,
    "counters_table": CounterModel,
    "webhooks_table": WebhookModel,
    "webhook_deliveries_table": DeliveryModel,
}


_local = threading.local()


def _shared_session() -> Any:
    """One botocore session per thread: its loader caches the service models, so six table
    connections cost one model load instead of six (cold starts, tests)."""
    session = getattr(_local, "session", None)
    if session is None:
        import botocore.session

        session = _local.session = botocore.session.get_session()
    return session


def bind_models(settings: Settings) -> None:
    """Point every model at this deployment's tables, region and endpoint."""
    import pynamodb.connection.base as pynamodb_connection

    pynamodb_connection.get_session = _shared_session  # type: ignore[attr-defined]
    for setting_name, model in ALL_MODELS.items():
        meta: Any = model.Meta
        meta.table_name = getattr(settings, setting_name)
        meta.region = settings.region
        meta.host = settings.endpoint_for("dynamodb")
        meta.billing_mode = "PAY_PER_REQUEST"
        model._connection = None  # rebuilt lazily with the new binding
