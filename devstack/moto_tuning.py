"""Make moto's server cheaper per request without changing what it answers.

The local stack makes about 30 AWS calls per message, so moto's fixed cost per request is
most of the stack's CPU. Measured with py-spy on the load test (`make bench`'s e2e step),
moto spent its time in:

- one TCP connection, one thread and one 10 ms drain wait per request: werkzeug's dev server
  closes every connection because it cannot drain an unread body before the next request;
  `KeepAliveRequestHandler` reads the body first (its length is known), so the connection
  can stay open;
- the response serializer walking DynamoDB's AttributeValue union for every attribute of
  every item (ten members tried per value, each through a chain of alias lookups): a third
  of moto's CPU; `fast_dynamodb_attribute_values` writes the wire form directly;
- EventBridge building a new JSONPath parser (yacc tables) for every event it delivers to a
  target: `cache_jsonpath_parsers`;
- SQS reading the clock through two datetimes for every queued message, several times per
  request: `fast_sqs_clock`, `fast_sqs_queue_scans`;
- finding an action's method by listing the handler class (inspect) on every request, and
  parsing the same UpdateExpressions again and again: `cache_action_lookup`,
  `cache_update_expressions`; copying the item twice per UpdateItem through one
  `copy.deepcopy` dispatch per value: `fast_dynamodb_copies`;
- listing its own package directory on every request to route it: `cache_package_listing`.

Each is checked against moto's own behaviour by tests/unit/devstack/test_moto_tuning.py.
"""

from __future__ import annotations

import base64
import functools
import io
import socket
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler

_ATTRIBUTE_VALUE = "AttributeValue"


def cache_package_listing() -> None:
    """moto's server lists its own package directory on every request to route it (a
    listdir and ~200 isdir calls); the list never changes."""
    import moto.backends

    modules = list(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: iter(modules)  # type: ignore[assignment]


def cache_jsonpath_parsers() -> None:
    """EventBridge parses its input paths (`$`, ...) with a fresh JSONPath parser for every
    event and target; a parsed path is immutable, so one per path string does."""
    import jsonpath_ng.ext

    parse = getattr(jsonpath_ng.ext, "parse")  # noqa: B009 (moto imports it from there)
    if getattr(parse, "_parley_cached", False):
        return
    cached = functools.lru_cache(maxsize=256)(parse)
    cached._parley_cached = True  # type: ignore[attr-defined]
    setattr(jsonpath_ng.ext, "parse", cached)  # noqa: B010


def fast_sqs_clock() -> None:
    """SQS asks the time for every message of a queue, several times per request (is it
    visible, is it delayed; `Queue.attributes`, read by every send, counts them), and moto's
    `unix_time` builds two datetimes each time: with a few hundred messages queued, a send
    cost 3 ms of CPU. The same clock, read directly."""
    import time

    import moto.sqs.models

    original_seconds = getattr(moto.sqs.models, "unix_time")  # noqa: B009 (imported there)
    if getattr(original_seconds, "_parley_fast", False):
        return

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else original_seconds(dt)

    def unix_time_millis(dt: Any = None) -> float:
        return unix_time(dt) * 1000.0

    unix_time._parley_fast = True  # type: ignore[attr-defined]
    setattr(moto.sqs.models, "unix_time", unix_time)  # noqa: B010
    setattr(moto.sqs.models, "unix_time_millis", unix_time_millis)  # noqa: B010


def cache_action_lookup() -> None:
    """moto finds an action's method by listing the handler class's functions (inspect) on
    every request; a class's functions do not change while the server runs."""
    import moto.core.responses

    listing = getattr(moto.core.responses, "method_names_from_class")  # noqa: B009
    if getattr(listing, "_parley_cached", False):
        return
    cached = functools.lru_cache(maxsize=None)(listing)
    cached._parley_cached = True  # type: ignore[attr-defined]
    setattr(moto.core.responses, "method_names_from_class", cached)  # noqa: B010


def cache_update_expressions() -> None:
    """DynamoDB parses an update's expression twice per UpdateItem (tokenizer and parser in
    Python, 0.3-0.6 ms); Parley sends the same few expressions again and again. The parsed
    tree is kept per expression and each call gets its own copy (the validator rewrites the
    tree it is given), unpickled: five times cheaper than parsing it or a deepcopy."""
    import pickle

    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    make = UpdateExpressionParser.make
    if getattr(make, "_parley_cached", False):
        return
    parsed: dict[str, bytes] = {}

    def cached_make(expression: str) -> Any:
        tree = parsed.get(expression)
        if tree is None:
            ast = make(expression)  # an invalid expression raises here, every time
            if len(parsed) < 1024:
                parsed[expression] = pickle.dumps(ast)
            return ast
        return pickle.loads(tree)  # bytes this process pickled itself

    cached_make._parley_cached = True  # type: ignore[attr-defined]
    UpdateExpressionParser.make = staticmethod(cached_make)  # type: ignore[method-assign,assignment]


def fast_sqs_queue_scans() -> None:
    """A queue's visible, delayed and in-flight messages are found by scanning all of them,
    one property call and one clock read per message, three times for every SendMessage
    (`Queue.attributes` counts them) and again for every receive: with a 1,000-message burst
    queued, that was most of SQS's CPU. Same scans, one clock read per scan."""
    import time

    from moto.sqs.models import Message, Queue

    if getattr(Queue.__dict__["messages"].fget, "_parley_fast", False):
        return

    def messages(self: Queue) -> list[Message]:
        now = time.time() * 1000.0
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def delayed(self: Queue) -> int:
        now = time.time() * 1000.0
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self: Queue) -> int:
        now = time.time() * 1000.0
        return sum(1 for m in self._messages if not now > m.visible_at)

    messages._parley_fast = True  # type: ignore[attr-defined]
    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[method-assign,assignment]


def fast_dynamodb_copies() -> None:
    """UpdateItem deep-copies the item it changes (twice: for the condition and for the
    returned values), one `copy.deepcopy` dispatch per attribute value; an item holding a
    list that grows with a conversation (a response clock's message ids) made every update
    cost more than the one before. The same copy, without the per-value dispatch: scalars
    share their immutable value, sets get a new list, lists and maps are copied recursively
    (DynamoDB values are trees: no value is shared or cyclic, so the memo has nothing to do)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if getattr(DynamoType.__deepcopy__, "_parley_fast", False):
        return
    new = object.__new__

    def copy_value(value: DynamoType) -> DynamoType:
        result = new(value.__class__)
        kind = result.type = value.type
        if kind == "L":
            result.value = [copy_value(v) for v in value.value]
        elif kind == "M":
            result.value = {k: copy_value(v) for k, v in value.value.items()}
        elif kind in ("SS", "NS", "BS"):
            result.value = list(value.value)
        else:
            result.value = value.value
        return result

    def deepcopy(self: DynamoType, memo: dict[int, Any]) -> DynamoType:
        return copy_value(self)

    deepcopy._parley_fast = True  # type: ignore[attr-defined]
    DynamoType.__deepcopy__ = deepcopy  # type: ignore[method-assign]


def attribute_value_wire(value: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB AttributeValue as moto's JSON serializer writes it: binary as base64, the
    other scalars as they are (numbers and strings are strings), maps and lists recursively."""
    out: dict[str, Any] = {}
    for kind, item in value.items():
        if item is None:
            continue
        if kind in ("S", "N"):
            out[kind] = item if isinstance(item, str) else _string(item)
        elif kind in ("BOOL", "NULL"):
            out[kind] = item
        elif kind == "B":
            out[kind] = _base64(item)
        elif kind in ("SS", "NS"):
            out[kind] = [_string(v) for v in item]
        elif kind == "BS":
            out[kind] = [_base64(v) for v in item]
        elif kind == "M":
            out[kind] = {k: attribute_value_wire(v) for k, v in item.items()}
        elif kind == "L":
            out[kind] = [attribute_value_wire(v) for v in item]
    return out


def _string(value: Any) -> Any:
    return str(value) if value not in (None, {}, []) else value


def _base64(value: str | bytes) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(data).strip().decode("utf-8")


def fast_dynamodb_attribute_values() -> None:
    """DynamoDB's AttributeValues (every attribute of every item in a response) skip the
    generic shape walk; the result is the same JSON."""
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure
    if getattr(original, "_parley_fast", False):
        return

    def serialize_structure(
        self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str
    ) -> None:
        if (
            key
            and shape.name == _ATTRIBUTE_VALUE
            and isinstance(value, dict)
            and self.service_model.service_name == "dynamodb"
        ):
            serialized[self.get_serialized_name(shape, key)] = attribute_value_wire(value)
            return
        original(self, serialized, value, shape, key)

    serialize_structure._parley_fast = True  # type: ignore[attr-defined]
    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler with HTTP/1.1 keep-alive for requests whose body has a length.

    werkzeug sends `Connection: close` with every response because, after the application,
    it drains whatever the client sent and would eat the next request. Here the body is read
    before the application runs and the application reads it from memory, so nothing of the
    next request can be drained; a chunked body still closes the connection as before.
    """

    _reading_ahead = False

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: with Nagle's algorithm the body would wait
        # for the client's delayed ACK of the headers (40 ms) on a connection kept open
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_wsgi(self) -> None:
        length = self.headers.get("Content-Length")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if chunked or (length is not None and not length.strip().isdigit()):
            super().run_wsgi()
            return
        size = int(length or 0)
        body = self.rfile.read(size) if size else b""
        if len(body) < size:  # the client went away mid-body
            self.close_connection = True
            return
        connection_rfile = self.rfile
        self.rfile = io.BytesIO(body)  # type: ignore[assignment]
        self._reading_ahead = True
        try:
            super().run_wsgi()
        finally:
            self.rfile = connection_rfile
            self._reading_ahead = False

    def send_header(self, keyword: str, value: str) -> None:
        if (
            self._reading_ahead
            and not self.close_connection  # the client asked to close, or spoke HTTP/1.0
            and keyword.lower() == "connection"
            and value.lower() == "close"
        ):
            return  # the body was read whole: the connection can serve the next request
        super().send_header(keyword, value)


class MotoServer:
    """moto's threaded server (its WSGI application on werkzeug's threaded server, as
    `moto.server.ThreadedMotoServer` runs it) with the keep-alive request handler."""

    def __init__(self, ip_address: str, port: int) -> None:
        self.ip_address = ip_address
        self.port = port
        self._server: Any = None
        self._thread: Any = None

    def start(self) -> None:
        import threading

        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            self.ip_address, self.port, app, threaded=True, request_handler=KeepAliveRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()


def tune_moto() -> None:
    cache_package_listing()
    cache_jsonpath_parsers()
    cache_action_lookup()
    cache_update_expressions()
    fast_sqs_clock()
    fast_sqs_queue_scans()
    fast_dynamodb_attribute_values()
    fast_dynamodb_copies()
