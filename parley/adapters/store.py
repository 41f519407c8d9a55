"""DynamoDB access through the PynamoDB models: reads, conditional writes, transactions."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.operand import Value
from pynamodb.expressions.update import RemoveAction, SetAction
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from parley.core.ids import parties_of_pair, party_key
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
    "PairView",
    "PartyModel",
    "Store",
    "ThreadIdModel",
    "Wanted",
]


class ConditionFailed(Exception):
    """A conditional write lost: the item is not in the state the writer expected."""


def _is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class PairView:
    """What a stage knows about a message's pair, read in one request (Store.pair_view)."""

    pair_id: str
    pair: PairModel | None
    seller: PartyModel | None
    buyer: PartyModel | None
    order_id: str | None = None
    order: OrderModel | None = None

    def party(self, side: str) -> PartyModel | None:
        return self.seller if side == "seller" else self.buyer


# One item to read: its model, its hash key, and whether the read must be strongly consistent.
Wanted = tuple[type[Model], str, bool]
_BATCH_TRIES = 6


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

    def read_many(self, wanted: Sequence[Wanted]) -> dict[tuple[type[Model], str], Model]:
        """Items of several tables in one BatchGetItem (up to 100 keys): what is found, by
        (model, key). Consistency is per table: one consistent item makes its table's reads
        consistent. Keys DynamoDB leaves unprocessed (throttling) are asked for again."""
        if not wanted:
            return {}
        if len(wanted) > 100:
            raise ValueError("BatchGetItem reads at most 100 items")
        models = {model.Meta.table_name: model for model, _key, _consistent in wanted}
        request: dict[str, dict[str, Any]] = {}
        for model, key, consistent in wanted:
            spec = request.setdefault(model.Meta.table_name, {"Keys": []})
            item_key = {model._hash_key_attribute().attr_name: {"S": key}}
            if item_key not in spec["Keys"]:
                spec["Keys"].append(item_key)
            if consistent:
                spec["ConsistentRead"] = True
        client = wanted[0][0]._get_connection().connection.client
        found: dict[tuple[type[Model], str], Model] = {}
        for attempt in range(_BATCH_TRIES):
            response = client.batch_get_item(RequestItems=request)
            for table, items in (response.get("Responses") or {}).items():
                model = models[table]
                key_name = model._hash_key_attribute().attr_name
                for raw in items:
                    found[(model, raw[key_name]["S"])] = model.from_raw_data(raw)
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            time.sleep(0.05 * 2**attempt)
        raise RuntimeError("DynamoDB left keys unprocessed; the stage's retry will ask again")

    def pair_view(
        self,
        pair_id: str,
        order_id: str | None = None,
        *,
        sides: Sequence[str] = ("seller", "buyer"),
        also: Sequence[Wanted] = (),
    ) -> tuple[PairView, dict[tuple[type[Model], str], Model]]:
        """A pair, the parties of `sides`, the order (consistently) and anything `also`
        asks for, in one request: the party keys follow from the pair id. Directory items
        are read eventually consistent (they change rarely), the order consistently (its
        counters and clock change with every message)."""
        ids = parties_of_pair(pair_id)
        wanted: list[Wanted] = [(PairModel, pair_id, False), *also]
        if ids is not None:
            by_side = {"seller": ids[0], "buyer": ids[1]}
            wanted += [(PartyModel, party_key(side, by_side[side]), False) for side in sides]
        if order_id:
            wanted.append((OrderModel, order_id, True))
        found = self.read_many(wanted)
        pair = found.get((PairModel, pair_id))
        if isinstance(pair, PairModel) and ids != (pair.seller_id, pair.buyer_id):
            # not derivable from the id (never the case for pairs registered here): ask again
            by_side = {"seller": pair.seller_id, "buyer": pair.buyer_id}
            found |= self.read_many(
                [(PartyModel, party_key(side, by_side[side]), False) for side in sides]
            )
            ids = (pair.seller_id, pair.buyer_id)

        def party(side: str) -> PartyModel | None:
            if ids is None or side not in sides:
                return None
            item = found.get((PartyModel, party_key(side, ids[0] if side == "seller" else ids[1])))
            return item if isinstance(item, PartyModel) else None

        order = found.get((OrderModel, order_id)) if order_id else None
        view = PairView(
            pair_id=pair_id,
            pair=pair if isinstance(pair, PairModel) else None,
            seller=party("seller"),
            buyer=party("buyer"),
            order_id=order_id,
            order=order if isinstance(order, OrderModel) else None,
        )
        return view, found

    def create(self, item: Model, key_attribute: Any) -> bool:
        """Put only if absent; False when the item already exists."""
        try:
            item.save(condition=key_attribute.does_not_exist())
        except PutError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def update(
        self, item: Model, actions: list[Any], condition: Any = None, *, read_back: bool = True
    ) -> None:
        """One UpdateItem; afterwards `item` holds what was written.

        DynamoDB is not asked for the whole item (PynamoDB's `Model.update` asks for ALL_NEW
        and deserializes it: a third of a stage's own CPU). A value given (SET to a value,
        REMOVE) is applied to `item` here; a value only DynamoDB knows (ADD, DELETE, a computed
        SET such as list_append) comes back with UPDATED_NEW, unless `read_back` is False
        because the caller never reads it (then `item` keeps its old value of it). Attributes
        the actions do not name keep the values `item` had: they are not re-read.
        """
        local, computed = _split_actions(item, actions)
        wanted = "UPDATED_NEW" if computed and read_back else "NONE"
        hash_key, range_key = item._get_hash_range_key_serialized_values()
        try:
            data = item._get_connection().update_item(
                hash_key,
                range_key=range_key,
                actions=actions,
                condition=condition,
                return_values=wanted,
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                raise ConditionFailed(str(exc)) from exc
            raise
        for name, value in local:
            setattr(item, name, value)
        if wanted != "NONE":
            _apply_returned(item, data.get("Attributes") or {})

    def transaction(self) -> TransactWrite:
        connection = Connection(
            region=self.settings.region, host=self.settings.endpoint_for("dynamodb")
        )
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
        self.update(ClockModel(key), [ClockModel.running.add(delta)], read_back=False)

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


def _split_actions(item: Model, actions: Sequence[Any]) -> tuple[list[tuple[str, Any]], bool]:
    """(python name, value) of each top-level attribute the actions set to a given value or
    remove, and whether any action leaves the value to DynamoDB."""
    local: list[tuple[str, Any]] = []
    computed = False
    for action in actions:
        path = action.values[0]
        attribute = getattr(path, "attribute", None)
        if attribute is None or len(path.path) != 1:
            computed = True  # a nested path: only DynamoDB knows the whole attribute after it
            continue
        name = type(item)._dynamo_to_python_attr(attribute.attr_name)
        if isinstance(action, RemoveAction):
            local.append((name, None))
        elif isinstance(action, SetAction) and isinstance(action.values[1], Value):
            local.append((name, attribute.deserialize(attribute.get_value(action.values[1].value))))
        else:
            computed = True
    return local, computed


def _apply_returned(item: Model, attributes: dict[str, Any]) -> None:
    """Set the attributes an UpdateItem returned (UPDATED_NEW) on the item."""
    for attr_name, raw in attributes.items():
        name = type(item)._dynamo_to_python_attr(attr_name)
        attribute = item.get_attributes().get(name)
        if attribute is not None:
            setattr(item, name, attribute.deserialize(attribute.get_value(raw)))
