"""The local stack's speed-ups of moto's server answer exactly what moto answers without them."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack import moto_tuning
from devstack.aws_process import free_port

REGION = "eu-west-1"


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Whatever a test patches in moto is put back afterwards (other tests run moto too)."""
    import jsonpath_ng.ext
    import moto.core.responses
    import moto.sqs.models
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    monkeypatch.setattr(
        BaseJSONSerializer,
        "_serialize_type_structure",
        BaseJSONSerializer._serialize_type_structure,
    )
    monkeypatch.setattr(moto.sqs.models, "unix_time", moto.sqs.models.unix_time)
    monkeypatch.setattr(moto.sqs.models, "unix_time_millis", moto.sqs.models.unix_time_millis)
    monkeypatch.setattr(jsonpath_ng.ext, "parse", jsonpath_ng.ext.parse)
    monkeypatch.setattr(
        moto.core.responses, "method_names_from_class", moto.core.responses.method_names_from_class
    )
    monkeypatch.setattr(UpdateExpressionParser, "make", UpdateExpressionParser.__dict__["make"])
    monkeypatch.setattr(DynamoType, "__deepcopy__", DynamoType.__deepcopy__)
    for name in (
        "messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    ):
        monkeypatch.setattr(moto.sqs.models.Queue, name, moto.sqs.models.Queue.__dict__[name])
    yield


# -- DynamoDB's AttributeValues ---------------------------------------------------------------

_names = st.text(min_size=1, max_size=8)
_scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=20)),
    st.builds(lambda n: {"N": str(n)}, st.integers() | st.decimals(allow_nan=False, places=3)),
    st.builds(lambda b: {"B": b}, st.binary(max_size=20)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(max_size=5), min_size=1, max_size=4)),
    st.builds(lambda s: {"NS": sorted(map(str, s))}, st.sets(st.integers(), min_size=1)),
    st.builds(lambda s: {"BS": sorted(s)}, st.sets(st.binary(max_size=6), min_size=1, max_size=3)),
)
attribute_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.builds(lambda m: {"M": m}, st.dictionaries(_names, inner, max_size=4)),
        st.builds(lambda v: {"L": v}, st.lists(inner, max_size=4)),
    ),
    max_leaves=12,
)
items = st.dictionaries(_names, attribute_values, min_size=1, max_size=6)


def _serialize(operation: str, result: dict[str, Any]) -> Any:
    from moto.core.serialize import JSONSerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    model = get_service_model("dynamodb").operation_model(operation)
    body = JSONSerializer(model, value_picker=XFormedAttributePicker()).serialize(result)["body"]
    return json.loads(body)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(item=items, others=st.lists(items, max_size=3))
def test_items_serialize_as_moto_serializes_them(
    restored: None, item: dict[str, Any], others: list[dict[str, Any]]
) -> None:
    from moto.core.serialize import BaseJSONSerializer

    cases = {
        "GetItem": {"Item": item},
        "UpdateItem": {"Attributes": item, "ConsumedCapacity": {"TableName": "t"}},
        "BatchGetItem": {"Responses": {"t": [item, *others]}, "UnprocessedKeys": {}},
        "Query": {"Items": [item, *others], "Count": 1 + len(others), "LastEvaluatedKey": item},
    }
    original = BaseJSONSerializer._serialize_type_structure
    expected = {operation: _serialize(operation, result) for operation, result in cases.items()}
    moto_tuning.fast_dynamodb_attribute_values()
    try:
        assert BaseJSONSerializer._serialize_type_structure is not original
        fast = {operation: _serialize(operation, result) for operation, result in cases.items()}
    finally:
        BaseJSONSerializer._serialize_type_structure = original  # type: ignore[method-assign]
    assert fast == expected


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(item=items)
def test_item_copies_are_equal_and_independent(restored: None, item: dict[str, Any]) -> None:
    import copy

    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    stored = {name: {k: _stored(v) for k, v in value.items()} for name, value in item.items()}
    original_copy = DynamoType.__deepcopy__
    expected = copy.deepcopy(Item(DynamoType({"S": "k"}), None, stored))
    moto_tuning.fast_dynamodb_copies()
    try:
        source = Item(DynamoType({"S": "k"}), None, stored)
        copied = copy.deepcopy(source)
    finally:
        DynamoType.__deepcopy__ = original_copy  # type: ignore[method-assign]
    assert copied.to_json() == expected.to_json() == source.to_json()
    for name, value in copied.attrs.items():  # nothing of the copy is the source's
        assert value is not source.attrs[name]
        if value.type in ("L", "M", "SS", "NS", "BS"):
            assert value.value is not source.attrs[name].value
            value.value.clear()
    assert source.to_json() == expected.to_json()


def _stored(value: Any) -> Any:
    """What moto keeps for a value from the wire: binary as base64 text."""
    import base64

    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_stored(v) for v in value]
    if isinstance(value, dict):
        return {k: _stored(v) for k, v in value.items()}
    return value


# -- the server: keep-alive ---------------------------------------------------------------------


@pytest.fixture
def server(restored: None) -> Iterator[str]:
    port = free_port()
    moto_tuning.tune_moto()
    running = moto_tuning.MotoServer("127.0.0.1", port)
    running.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.stop()


def _sqs_form(action: str, **params: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"Action": action, "Version": "2012-11-05", **params}).encode()


SQS_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/sqs/aws4_request",
}


def _sqs_request(connection: http.client.HTTPConnection, body: bytes) -> bytes:
    connection.request("POST", "/", body=body, headers=SQS_HEADERS)
    response = connection.getresponse()
    data = response.read()
    assert response.status == 200, data
    assert response.getheader("Connection") != "close"
    return data


def test_one_connection_serves_many_requests(server: str) -> None:
    connection = http.client.HTTPConnection(server.removeprefix("http://"), timeout=10)
    _sqs_request(connection, _sqs_form("CreateQueue", QueueName="kept"))
    first = connection.sock
    assert first is not None
    for n in range(5):
        _sqs_request(connection, _sqs_form("ListQueues"))
        assert connection.sock is first, f"request {n + 2} needed a new connection"
    connection.close()


def test_a_body_the_application_ignores_does_not_leak_into_the_next_request(server: str) -> None:
    """A request the application answers without reading its body (an unknown route) must
    not leave the body on the connection: the next request would start in the middle of it."""
    connection = http.client.HTTPConnection(server.removeprefix("http://"), timeout=10)
    connection.request("PUT", "/no-such-thing/" + "x" * 10, body=b"GET / HTTP/1.1\r\n\r\n" * 50)
    connection.getresponse().read()
    assert b"<QueueUrl>" in _sqs_request(connection, _sqs_form("CreateQueue", QueueName="next"))
    connection.close()


def test_a_client_that_asks_to_close_is_closed(server: str) -> None:
    connection = http.client.HTTPConnection(server.removeprefix("http://"), timeout=10)
    connection.request(
        "POST",
        "/",
        body=_sqs_form("ListQueues"),
        headers={**SQS_HEADERS, "Connection": "close"},
    )
    response = connection.getresponse()
    response.read()
    assert response.getheader("Connection") == "close"


def test_chunked_bodies_still_work_and_close(server: str) -> None:
    connection = http.client.HTTPConnection(server.removeprefix("http://"), timeout=10)
    connection.request(
        "POST",
        "/",
        body=iter([_sqs_form("CreateQueue", QueueName="chunked")]),
        headers=SQS_HEADERS,
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert b"chunked" in response.read()
    assert response.getheader("Connection") == "close"


# -- SQS semantics on the fast clock, EventBridge delivery with cached paths -------------------


def test_visibility_timeout_and_redrive_hold(server: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=server, region_name=REGION)
    dlq = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}
    url = sqs.create_queue(
        QueueName="work",
        Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    first = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert first[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # in flight
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"
    time.sleep(1.2)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=1)
    assert again["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    time.sleep(1.2)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # received twice: dead-lettered
    assert sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"] == "hello"


def test_queue_counts_follow_delay_and_visibility(server: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=server, region_name=REGION)
    url = sqs.create_queue(QueueName="counted", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]

    def counts() -> tuple[int, int, int]:
        found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (
            int(found["ApproximateNumberOfMessages"]),
            int(found["ApproximateNumberOfMessagesNotVisible"]),
            int(found["ApproximateNumberOfMessagesDelayed"]),
        )

    sqs.send_message(QueueUrl=url, MessageBody="now")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    assert counts() == (1, 0, 1)
    received = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in received] == ["now"]
    assert counts() == (0, 1, 1)
    time.sleep(1.2)  # "later" is due, "now" is visible again
    assert counts() == (2, 0, 0)
    bodies = sorted(
        m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    )
    assert bodies == ["later", "now"]


def test_events_reach_their_queue_target_whole(server: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=server, region_name=REGION)
    events = boto3.client("events", endpoint_url=server, region_name=REGION)
    url = sqs.create_queue(QueueName="events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.create_event_bus(Name="bus")
    events.put_rule(Name="all", EventBusName="bus", EventPattern=json.dumps({"source": ["p"]}))
    events.put_targets(Rule="all", EventBusName="bus", Targets=[{"Id": "q", "Arn": arn}])
    for n in range(3):
        detail = {"n": n, "text": f"event {n}"}
        events.put_events(
            Entries=[
                {
                    "Source": "p",
                    "DetailType": "t",
                    "Detail": json.dumps(detail),
                    "EventBusName": "bus",
                }
            ]
        )
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    bodies = sorted((json.loads(m["Body"]) for m in got), key=lambda e: e["detail"]["n"])
    assert [b["detail"] for b in bodies] == [{"n": n, "text": f"event {n}"} for n in range(3)]
    assert all(b["source"] == "p" and b["detail-type"] == "t" for b in bodies)


def test_the_same_update_expression_with_other_values_updates_correctly(server: str) -> None:
    """A parsed expression is reused: each call must see its own values, never the tree a
    previous call's validator filled in."""
    ddb = boto3.client("dynamodb", endpoint_url=server, region_name=REGION)
    ddb.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    expression = (
        "SET #a = :a, #n = if_not_exists(#n, :zero) + :one, #l = list_append(if_not_exists(#l,"
        " :empty), :l) ADD #s :s REMOVE #r"
    )
    names = {"#a": "a", "#n": "n", "#l": "l", "#s": "s", "#r": "r"}
    ddb.put_item(TableName="items", Item={"k": {"S": "x"}, "r": {"S": "gone"}})
    for value in ("first", "second", "third"):
        got = ddb.update_item(
            TableName="items",
            Key={"k": {"S": "x"}},
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                ":a": {"S": value},
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
                ":empty": {"L": []},
                ":l": {"L": [{"S": value}]},
                ":s": {"SS": [value]},
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
        assert got["a"] == {"S": value}
    assert got["n"] == {"N": "3"}
    assert got["l"] == {"L": [{"S": "first"}, {"S": "second"}, {"S": "third"}]}
    assert sorted(got["s"]["SS"]) == ["first", "second", "third"]
    assert "r" not in got
    for _ in range(2):  # an invalid expression is refused every time
        with pytest.raises(ddb.exceptions.ClientError, match="ValidationException"):
            ddb.update_item(
                TableName="items",
                Key={"k": {"S": "x"}},
                UpdateExpression="SET a = = :a",
                ExpressionAttributeValues={":a": {"S": "v"}},
            )
