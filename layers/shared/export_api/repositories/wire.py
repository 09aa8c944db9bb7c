"""Records to and from DynamoDB's wire form (`{"S": "..."}`, `{"N": "5"}`, ...), the form the plain client
sends and answers in.

The values are boto3's (`boto3.dynamodb.types`): str, bool, int and Decimal, None, maps, lists, sets,
bytes; numbers are read back as Decimals. The records' own types (text, flags, counters, maps and lists of
them) are converted here directly, and anything else is handed to boto3's TypeSerializer and
TypeDeserializer, so both ways give exactly what boto3 gives, floats refused included. Converting here,
once per attribute value, is what the repositories need: boto3's document transformations copy every
request's parameters and walk them against the operation's model to find the values.
"""

from collections.abc import Iterable, Mapping
from decimal import Context
from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

AttributeValue = dict[str, Any]
WireRecord = dict[str, AttributeValue]

# DynamoDB's numbers carry 38 significant digits; a larger int goes to boto3, which refuses it.
_LARGEST_NUMBER = 10**38


# boto3 is imported by the first conversion, not with this module (repositories/aws.py says why).
@cache
def _serializer() -> "TypeSerializer":
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def _deserializer() -> "TypeDeserializer":
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


@cache
def _numbers() -> Context:
    """boto3's context for DynamoDB's numbers (38 digits, inexact or rounded values refused)."""
    from boto3.dynamodb.types import DYNAMODB_CONTEXT

    return DYNAMODB_CONTEXT


def encode(value: Any) -> AttributeValue:
    """One value as an attribute value."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int and -_LARGEST_NUMBER < value < _LARGEST_NUMBER:
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if kind is dict:
        return {"M": {name: encode(member) for name, member in value.items()}}
    if kind is list:
        return {"L": [encode(member) for member in value]}
    return dict(_serializer().serialize(value))


def encode_record(record: Mapping[str, Any]) -> WireRecord:
    """A record (an item, a key, an expression's values) in wire form."""
    return {name: encode(value) for name, value in record.items()}


def decode(value: AttributeValue) -> Any:
    """One attribute value as boto3 reads it."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        return _numbers().create_decimal(value["N"])
    if "BOOL" in value:
        return value["BOOL"]
    if "M" in value:
        return {name: decode(member) for name, member in value["M"].items()}
    if "L" in value:
        return [decode(member) for member in value["L"]]
    if "NULL" in value:
        return None
    return _deserializer().deserialize(cast(Any, value))


def decode_record(record: Mapping[str, AttributeValue]) -> dict[str, Any]:
    return {name: decode(value) for name, value in record.items()}


def decode_records(records: Iterable[Mapping[str, AttributeValue]]) -> list[dict[str, Any]]:
    return [decode_record(record) for record in records]


# The parameters of a request that hold records, and the parts of an answer that do.
_RECORD_PARAMETERS = ("Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey")


def encode_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """A GetItem, PutItem, UpdateItem, DeleteItem or Query request's parameters with their records in wire
    form (the caller's dicts are left as they are)."""
    encoded = dict(parameters)
    for name in _RECORD_PARAMETERS:
        if name in encoded:
            encoded[name] = encode_record(encoded[name])
    return encoded


def encode_transaction(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """TransactWriteItems' actions with their records in wire form."""
    return [{action: encode_parameters(parameters) for action, parameters in item.items()} for item in items]


def decode_answer(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A GetItem, PutItem, UpdateItem or Query answer with its records as boto3 reads them."""
    decoded = dict(answer)
    for name in ("Item", "Attributes", "LastEvaluatedKey"):
        if name in decoded:
            decoded[name] = decode_record(decoded[name])
    if "Items" in decoded:
        decoded["Items"] = decode_records(decoded["Items"])
    return decoded
