"""DynamoDB access through the PynamoDB models: reads, conditional writes, transactions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from parley.core.settings import Settings
from parley.models.tables import (
    AliasModel,
    ClockModel,
    CounterModel,
    MessageModel,
    OrderModel,
    PairModel,
    PartyModel,
    TemplateModel,
    ThreadIdModel,
    bind_models,
)

M = TypeVar("M", bound=Model)

__all__ = [
    "AliasModel",
    "ClockModel",
    "ConditionFailed",
    "MessageModel",
    "OrderModel",
    "PairModel",
    "PartyModel",
    "Store",
    "ThreadIdModel",
]


class ConditionFailed(Exception):
    """A conditional write lost: the item is not in the state the writer expected."""


def _is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class Store:
    """All table access for one deployment."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        bind_models(settings)

    def get(self, model: type[M], key: str, *, consistent: bool = True) -> M | None:
        """Directory data (aliases, pairs, parties) changes rarely and can be read eventually
        consistent, at half the price; message records and clocks are read consistently."""
        try:
            return model.get(key, consistent_read=consistent)
        except DoesNotExist:
            return None

    def batch_get(self, model: type[M], keys: Iterable[str]) -> list[M]:
        unique = list(dict.fromkeys(keys))
        return list(model.batch_get(unique)) if unique else []

    def create(self, item: Model, key_attribute: Any) -> bool:
        """Put only if absent; False when the item already exists."""
        try:
            item.save(condition=key_attribute.does_not_exist())
        except PutError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def update(self, item: Model, actions: list[Any], condition: Any = None) -> None:
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if _is_condition_failure(exc):
                raise ConditionFailed(str(exc)) from exc
            raise

    def transaction(self) -> TransactWrite:
        connection = Connection(region=self.settings.region, host=self.settings.endpoint_url)
        return TransactWrite(connection=connection)

    def orders_of(self, kind: str, party_id: str) -> Iterator[OrderModel]:
        """A seller's or a buyer's conversations (orders and inquiries), oldest first."""
        index = OrderModel.by_seller if kind == "seller" else OrderModel.by_buyer
        return iter(index.query(party_id))

    def delete(self, item: Model) -> None:
        item.delete()

    def delete_existing(self, model: type[M], keys: Iterable[str]) -> int:
        """Delete the items of these keys that exist; how many did."""
        found = self.batch_get(model, keys)
        for item in found:
            item.delete()
        return len(found)

    def delete_counters_mentioning(self, values: Iterable[str]) -> int:
        """Rate-limit counters are keyed by alias and sender address; they live two hours
        (DynamoDB's TTL may take up to two days to remove them), so the table is small."""
        wanted = [v for v in values if v]
        if not wanted:
            return 0
        condition = None
        for value in wanted:
            clause = CounterModel.key.contains(f"|{value}#")
            condition = clause if condition is None else condition | clause
        found = list(CounterModel.scan(filter_condition=condition))
        for item in found:
            item.delete()
        return len(found)

    def templates_of(self, seller_id: str) -> list[TemplateModel]:
        return list(TemplateModel.query(seller_id))

    def delete_templates(self, seller_id: str) -> int:
        found = self.templates_of(seller_id)
        for item in found:
            item.delete()
        return len(found)

    def messages_of_order(self, order_id: str) -> Iterator[MessageModel]:
        return iter(MessageModel.by_order.query(order_id))

    def messages_in_stage(self, stage: str, since: str | None = None) -> Iterator[MessageModel]:
        """The sparse in-flight index: only unfinished (and dead-lettered) messages are in it."""
        condition = MessageModel.received_at >= since if since else None
        return iter(MessageModel.by_stage.query(stage, range_key_condition=condition))

    def clocks_of_seller(self, seller_id: str, received_since: str) -> list[ClockModel]:
        return list(ClockModel.by_seller.query(seller_id, ClockModel.received_at >= received_since))

    def due_clocks(self, shard: str, due_until: str) -> Iterator[ClockModel]:
        """One shard of the sparse due-time index: what is due, nothing else."""
        return iter(ClockModel.by_due.query(shard, ClockModel.next_due_at <= due_until))

    def add_to_gauge(self, key: str, delta: int) -> None:
        """A counter item in the clocks table (e.g. how many clocks run), never read to update."""
        ClockModel(key).update(actions=[ClockModel.running.add(delta)])

    def gauge(self, key: str) -> int:
        item = self.get(ClockModel, key)
        return int(item.running or 0) if item is not None else 0

    def template_count(self, party_id: str) -> int:
        return int(TemplateModel.count(party_id))

    def template(self, party_id: str, template_id: str) -> TemplateModel | None:
        try:
            return TemplateModel.get(party_id, template_id)
        except DoesNotExist:
            return None
