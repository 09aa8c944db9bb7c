import re
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel

_UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _uuid_text(value: object) -> object:
    """The contract's `format: uuid` is the 8-4-4-4-12 form; pydantic alone also reads braces, `urn:uuid:`
    and 32 bare hex digits, which a client's typo should not turn into a match."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and _UUID_TEXT.match(value):
        return UUID(value)
    raise ValueError("Input should be a UUID in its 8-4-4-4-12 hexadecimal form")


#: A UUID in a request (body, path or query): only its canonical text form is accepted.
Uuid = Annotated[UUID, BeforeValidator(_uuid_text)]


class ContractModel(BaseModel):
    """A model whose JSON form is camelCase in every version (docs/decisions.md, "Field names")."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class RequestModel(ContractModel):
    """A request body: unknown fields are rejected so a typo is a 400, not silently ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid", str_max_length=4096
    )


class ContractRequestModel(ContractModel):
    """A request body of the Export API. Unknown fields are ignored, as Pleo's own service does (a Spring
    service): a client following Pleo's how-to sends `exportJobId` on events and must not be refused
    (docs/decisions.md). Known fields are still validated strictly."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore", str_max_length=4096
    )
