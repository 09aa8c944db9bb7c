"""What a route reads from the request: the caller, and its path, query and header parameters.

The caller is as API Gateway's authorizer put it in the request context. The authorizer returns
primitives only, so `companyIds` is comma-separated and `scopes` space-separated (the OAuth convention).

Parameters are read from the request rather than declared in a route's signature. A declared parameter
(`Annotated[UUID, Path()]`, `Header()`, `Query()`) makes FastAPI check, while it builds the route,
whether the parameter's type is a pydantic v1 model, which imports `pydantic.v1` (docs/cold-start.md);
a function none of whose routes declares one never imports it. These helpers validate the value with
the same pydantic type and report a bad one as FastAPI reports a declared parameter's
(`RequestValidationError`, located at `(location, name, ...)`), so the caller gets the same 400 either
way; the route's OpenAPI description names the parameter through `openapi_extra` (`openapi_parameters`).

The Export API's routes, which integrators call in loops, take the `Request` alone and read what they
need with the functions here (`caller_of`, `read_path_uuid`, ...), in the order FastAPI would have
resolved them: each dependency FastAPI resolves costs tens of microseconds per request. The admin,
subscription and test helper routes declare the same readers as dependencies (`CallerDep`, `path_uuid`).
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from export_api.errors import Unauthorized
from export_api.models.base import Uuid
from export_api.models.caller import Caller

# The caller -------------------------------------------------------------------------------------------

_UNAUTHORIZED = (
    "A valid bearer token or API key is required; an API key goes in HTTP basic as the user name, "
    "with an empty password."
)


def caller_from_event(event: dict[str, Any]) -> Caller:
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    principal = context.get("principalId")
    if not principal:
        raise Unauthorized(_UNAUTHORIZED)
    try:
        companies = frozenset(UUID(c) for c in str(context.get("companyIds") or "").split(",") if c)
    except ValueError:
        raise Unauthorized(_UNAUTHORIZED) from None
    scopes = frozenset(str(context.get("scopes") or "").split())
    return Caller(principal_id=str(principal), company_ids=companies, scopes=scopes)


def caller_of(request: Request) -> Caller:
    """The caller, as the authorizer put it in the request's event (Mangum's `aws.event`)."""
    return caller_from_event(request.scope.get("aws.event") or {})


async def get_caller(request: Request) -> Caller:
    return caller_of(request)


CallerDep = Annotated[Caller, Depends(get_caller)]


# Parameters -------------------------------------------------------------------------------------------

T = TypeVar("T")
Location = Literal["path", "query", "header"]

UUID_ADAPTER: TypeAdapter[UUID] = TypeAdapter(Uuid)


def validated(adapter: TypeAdapter[T], value: object, location: Location, name: str) -> T:
    """`value` as `adapter`'s type; a bad one raises the RequestValidationError a declared parameter would."""
    try:
        return adapter.validate_python(value)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": (location, name, *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


def read_path_uuid(request: Request, name: str) -> UUID:
    """The path parameter `name` (`{jobId}`) as a UUID."""
    return validated(UUID_ADAPTER, request.path_params[name], "path", name)


def read_query(request: Request, name: str, adapter: TypeAdapter[T]) -> T | None:
    """The query parameter `name` as `adapter`'s type, None when it is not given."""
    given = request.query_params.get(name)
    return None if given is None else validated(adapter, given, "query", name)


def read_query_values(request: Request, name: str, adapter: TypeAdapter[list[T]]) -> list[T]:
    """Every value of the repeatable query parameter `name` (`?statuses=a&statuses=b`)."""
    return validated(adapter, request.query_params.getlist(name), "query", name)


def path_uuid(name: str) -> Callable[[Request], Awaitable[UUID]]:
    """A dependency: `read_path_uuid(request, name)`."""

    async def read(request: Request) -> UUID:
        return read_path_uuid(request, name)

    return read


def query_value(name: str, adapter: TypeAdapter[T]) -> Callable[[Request], Awaitable[T | None]]:
    """A dependency: `read_query(request, name, adapter)`."""

    async def read(request: Request) -> T | None:
        return read_query(request, name, adapter)

    return read


def parameter(name: str, location: Location, schema: dict[str, Any], **details: Any) -> dict[str, Any]:
    """One parameter of a route's OpenAPI description (`required`, `deprecated`, `description`)."""
    return {"name": name, "in": location, "required": location == "path", "schema": schema, **details}


UUID_SCHEMA: dict[str, Any] = {"type": "string", "format": "uuid"}


def openapi_parameters(*groups: dict[str, Any]) -> dict[str, Any]:
    """A route's `openapi_extra` naming the parameters it reads itself: each group a `parameter(...)` or
    another reader's `openapi_extra` (`PAGE_QUERY`)."""
    found: list[dict[str, Any]] = []
    for group in groups:
        found += group.get("parameters", [group])
    return {"parameters": found}
