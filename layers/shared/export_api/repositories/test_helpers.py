"""Test helpers' records, in the jobs table: one per company, `pk = TEST_HELPERS#<companyId>`, holding its
test clock (`clockAdvancedSeconds`, every advance summed) and its pending faults (`faults`, a map by
fault id). Only the test helpers and, when they are enabled, the Export API's fault check read it."""

from typing import Any
from uuid import UUID

from botocore.exceptions import ClientError

from export_api.models.test_helpers import Fault
from export_api.repositories import aws

CLOCK = "clockAdvancedSeconds"
FAULTS = "faults"


def test_helpers_key(company_id: UUID) -> dict[str, str]:
    return {"pk": f"TEST_HELPERS#{company_id}"}


def _conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _fault_from(company_id: UUID, fault_id: str, stored: dict[str, Any]) -> Fault:
    return Fault.model_validate({**stored, "id": fault_id, "companyId": str(company_id)})


class TestHelpersRepository:
    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _table(self) -> Any:
        return aws.table(self.table_name)

    def read(self, company_id: UUID) -> tuple[int, list[Fault]]:
        """The company's clock advance so far and its pending faults, oldest first."""
        record = self._table.get_item(Key=test_helpers_key(company_id), ConsistentRead=True).get("Item") or {}
        faults = [
            _fault_from(company_id, fault_id, dict(stored)) for fault_id, stored in (record.get(FAULTS) or {}).items()
        ]
        return int(record.get(CLOCK, 0)), sorted(faults, key=lambda f: (f.created_at, f.id))

    def advance_clock(self, company_id: UUID, seconds: int) -> int:
        """Add `seconds` to the company's clock; its advance so far, this one included."""
        response = self._table.update_item(
            Key=test_helpers_key(company_id),
            UpdateExpression="ADD #clock :seconds",
            ExpressionAttributeNames={"#clock": CLOCK},
            ExpressionAttributeValues={":seconds": seconds},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"][CLOCK])

    def add_fault(self, fault: Fault) -> None:
        stored = fault.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"id", "company_id"})
        key = test_helpers_key(fault.company_id)
        names = {"#faults": FAULTS, "#id": fault.id}
        # A map's entry can be set only once the map exists: the first fault of a company makes the map.
        while True:
            try:
                self._table.update_item(
                    Key=key,
                    UpdateExpression="SET #faults.#id = :fault",
                    ConditionExpression="attribute_exists(#faults)",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":fault": stored},
                )
                return
            except ClientError as error:
                if not _conditional_failure(error):
                    raise
            try:
                self._table.update_item(
                    Key=key,
                    UpdateExpression="SET #faults = :faults",
                    ConditionExpression="attribute_not_exists(#faults)",
                    ExpressionAttributeNames={"#faults": FAULTS},
                    ExpressionAttributeValues={":faults": {fault.id: stored}},
                )
                return
            except ClientError as error:
                if not _conditional_failure(error):
                    raise

    def consume(self, fault: Fault) -> bool:
        """Take one request off the fault as read; False when another request took it first (the caller
        reads again). Its last request removes it."""
        names = {"#faults": FAULTS, "#id": fault.id, "#remaining": "remaining"}
        values: dict[str, Any] = {":read": fault.remaining}
        if fault.remaining <= 1:
            expression = "REMOVE #faults.#id"
        else:
            expression = "SET #faults.#id.#remaining = :left"
            values[":left"] = fault.remaining - 1
        try:
            self._table.update_item(
                Key=test_helpers_key(fault.company_id),
                UpdateExpression=expression,
                ConditionExpression="#faults.#id.#remaining = :read",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if _conditional_failure(error):
                return False
            raise
        return True

    def clear_faults(self, company_id: UUID, fault_id: str | None = None) -> bool:
        """Remove one fault, or all of the company's; False when the one named is not pending."""
        if fault_id is None:
            self._table.update_item(
                Key=test_helpers_key(company_id),
                UpdateExpression="REMOVE #faults",
                ExpressionAttributeNames={"#faults": FAULTS},
            )
            return True
        try:
            self._table.update_item(
                Key=test_helpers_key(company_id),
                UpdateExpression="REMOVE #faults.#id",
                ConditionExpression="attribute_exists(#faults.#id)",
                ExpressionAttributeNames={"#faults": FAULTS, "#id": fault_id},
            )
        except ClientError as error:
            if _conditional_failure(error):
                return False
            raise
        return True
