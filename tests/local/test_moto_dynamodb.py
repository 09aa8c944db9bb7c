"""The emulator's cheaper TransactWriteItems backup keeps moto's all-or-nothing semantics."""

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.dynamodb.models.dynamo_type import Item

from export_api_local import moto_dynamodb
from export_api_local.template import table_definition


@pytest.fixture(params=["cheap backup", "moto's own"])
def items_table(aws_mock: None, request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    if request.param == "cheap backup":
        moto_dynamodb.install()
    client = boto3.client("dynamodb")
    name = f"moto-patch-{uuid.uuid4().hex[:8]}"
    client.create_table(**table_definition("ItemsTable", name))
    try:
        yield client, name
    finally:
        client.delete_table(TableName=name)
        moto_dynamodb.uninstall()


def _put(name: str, sk: str, value: str, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": name, "Item": {"pk": {"S": "P"}, "sk": {"S": sk}, "v": {"S": value}}}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def _update(name: str, sk: str, value: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": name,
            "Key": {"pk": {"S": "P"}, "sk": {"S": sk}},
            "UpdateExpression": "SET v = :v, n.deep = :v",
            "ExpressionAttributeValues": {":v": {"S": value}},
        }
    }


def _values(client: Any, name: str) -> dict[str, str]:
    found = client.query(
        TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "P"}}
    )["Items"]
    return {item["sk"]["S"]: item["v"]["S"] for item in found}


def test_a_transaction_applies_all_or_nothing(items_table: tuple[Any, str]) -> None:
    client, name = items_table
    client.put_item(TableName=name, Item={"pk": {"S": "P"}, "sk": {"S": "a"}, "v": {"S": "1"}, "n": {"M": {}}})
    client.put_item(TableName=name, Item={"pk": {"S": "P"}, "sk": {"S": "b"}, "v": {"S": "1"}})

    client.transact_write_items(TransactItems=[_update(name, "a", "2"), _put(name, "c", "2")])
    assert _values(client, name) == {"a": "2", "b": "1", "c": "2"}

    # The update of "a" (in place, nested too) and the new "d" are rolled back when "b" fails its condition.
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                _update(name, "a", "3"),
                _put(name, "d", "3"),
                _put(name, "b", "3", condition="attribute_not_exists(pk)"),
            ]
        )
    assert _values(client, name) == {"a": "2", "b": "1", "c": "2"}
    nested = client.get_item(TableName=name, Key={"pk": {"S": "P"}, "sk": {"S": "a"}})["Item"]["n"]
    assert nested == {"M": {"deep": {"S": "2"}}}


def test_installed_it_keeps_no_copies(aws_mock: None) -> None:
    moto_dynamodb.install()
    try:
        before = len(Item.instances_tracked)  # type: ignore[attr-defined]
        client: Any = boto3.client("dynamodb")
        name = f"moto-patch-{uuid.uuid4().hex[:8]}"
        client.create_table(**table_definition("ItemsTable", name))
        for index in range(5):
            client.transact_write_items(TransactItems=[_put(name, str(index), "x")])
        assert len(Item.instances_tracked) == before  # type: ignore[attr-defined]
        client.delete_table(TableName=name)
    finally:
        moto_dynamodb.uninstall()
