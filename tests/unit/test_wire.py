"""Records to and from DynamoDB's wire form (repositories/wire.py): exactly what boto3's serializer and
deserializer give, for every type the records hold and those they hand to boto3."""

from decimal import Decimal, Inexact, Rounded
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from export_api.repositories import wire

VALUES: list[Any] = [
    "text",
    "",
    "ünïcode ✓",
    True,
    False,
    0,
    -7,
    10**37,
    Decimal("12.50"),
    Decimal("-0.001"),
    None,
    {"nested": {"count": 3, "flag": False, "none": None}},
    [1, "two", [Decimal("3.0")], {"four": 4}],
    {"a", "b"},
    {1, 2},
    b"bytes",
    Binary(b"binary"),
    {b"x", b"y"},
    (1, "tuple"),
    {},
    [],
]


def _kind(value: Any) -> str:
    # Not the value's repr: a set's order differs between processes, and xdist's workers must agree.
    return type(value).__name__


@pytest.mark.parametrize("value", VALUES, ids=_kind)
def test_a_value_is_written_as_boto3_writes_it(value: Any) -> None:
    assert wire.encode(value) == TypeSerializer().serialize(value)


@pytest.mark.parametrize("value", VALUES, ids=_kind)
def test_a_value_is_read_as_boto3_reads_it(value: Any) -> None:
    written = TypeSerializer().serialize(value)
    read = wire.decode(dict(written))
    expected = TypeDeserializer().deserialize(written)
    assert read == expected
    assert type(read) is type(expected)


@pytest.mark.parametrize(
    ("value", "error"),
    [(1.5, TypeError), (10**38, Rounded), (Decimal("1.00000000000000000000000000000000000001"), Inexact)],
    ids=_kind,
)
def test_what_boto3_refuses_is_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        wire.encode(value)


def test_numbers_are_read_as_decimals() -> None:
    assert wire.decode_record({"count": {"N": "5"}, "rate": {"N": "0.25"}}) == {
        "count": Decimal(5),
        "rate": Decimal("0.25"),
    }


def test_a_requests_records_are_written_and_the_callers_left_alone() -> None:
    key = {"pk": "JOB#1"}
    parameters = {"Key": key, "ExpressionAttributeValues": {":s": "pending", ":n": 1}, "ConsistentRead": True}
    assert wire.encode_parameters(parameters) == {
        "Key": {"pk": {"S": "JOB#1"}},
        "ExpressionAttributeValues": {":s": {"S": "pending"}, ":n": {"N": "1"}},
        "ConsistentRead": True,
    }
    assert parameters["Key"] is key
    assert key == {"pk": "JOB#1"}


def test_a_transactions_actions_are_written() -> None:
    actions = [
        {"Put": {"TableName": "t", "Item": {"pk": "a", "n": 2}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": "t", "Key": {"pk": "b"}, "ExpressionAttributeValues": {":v0": None}}},
    ]
    assert wire.encode_transaction(actions) == [
        {
            "Put": {
                "TableName": "t",
                "Item": {"pk": {"S": "a"}, "n": {"N": "2"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {"Update": {"TableName": "t", "Key": {"pk": {"S": "b"}}, "ExpressionAttributeValues": {":v0": {"NULL": True}}}},
    ]


def test_an_answers_records_are_read() -> None:
    answer = {
        "Items": [{"pk": {"S": "a"}, "n": {"N": "1"}}],
        "LastEvaluatedKey": {"pk": {"S": "a"}},
        "Count": 1,
    }
    assert wire.decode_answer(answer) == {
        "Items": [{"pk": "a", "n": Decimal(1)}],
        "LastEvaluatedKey": {"pk": "a"},
        "Count": 1,
    }
    assert wire.decode_answer({"Item": {"m": {"M": {"l": {"L": [{"BOOL": True}]}}}}}) == {"Item": {"m": {"l": [True]}}}
