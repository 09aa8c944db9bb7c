"""/v1/subscriptions: Pleo's Webhook Subscriptions API (spec/webhook-subscriptions.openapi.yaml), and
the project's additions: the delivery attempts of a subscription and secret rotation."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from export_api.http.body import json_body, validate
from export_api.http.idempotency import IdempotentWriteDep
from export_api.http.pagination import PAGE_QUERY, ListQuery, PageParams, page_params, paginated
from export_api.http.params import CallerDep
from export_api.http.responses import ContractJSONResponse, body_of
from export_api.http.services import ServicesDep
from export_api.models.base import Uuid
from export_api.models.caller import Scope
from export_api.models.webhooks import (
    ActivityOperationType,
    EndpointAuthType,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
    WebhookEventType,
)

_REQUEST = TypeAdapter(SubscriptionRequest)
_BODY = TypeAdapter(dict[str, Any])
_SECRET = TypeAdapter(str)
SubscriptionId = Annotated[Uuid, Path(alias="id", description="The subscription's id")]


def subscription_body(subscription: Subscription) -> dict[str, Any]:
    """`SubscriptionModel`. A BASIC password is write-only: the username is shown, the password never."""
    auth: dict[str, Any] = {"type": subscription.endpoint_auth_type.value}
    if subscription.endpoint_auth_type is EndpointAuthType.BASIC:
        auth["credentials"] = {"username": subscription.basic_username}
    body: dict[str, Any] = {
        "id": str(subscription.id),
        "endpointUrl": subscription.endpoint_url,
        "eventTypes": [e.value for e in subscription.event_types],
        "status": subscription.status.value,
        "endpointAuth": auth,
        "customHeaders": subscription.custom_headers,
        "createdAt": subscription.created_at.isoformat(),
        "updatedAt": subscription.updated_at.isoformat(),
    }
    if subscription.deleted_at:
        body["deletedAt"] = subscription.deleted_at.isoformat()
        body["deletedBy"] = subscription.deleted_by
    return body


def _data(body: dict[str, Any]) -> Response:
    return ContractJSONResponse({"data": body})


def subscriptions_router() -> APIRouter:
    router = APIRouter(prefix="/v1/subscriptions", tags=["Subscriptions"])

    @router.get("", operation_id="getSubscriptions", openapi_extra=PAGE_QUERY)
    async def get_subscriptions(
        caller: CallerDep,
        services: ServicesDep,
        paging: Annotated[PageParams, Depends(page_params)],
        status: Annotated[SubscriptionStatus | None, Query()] = None,
        event_types: Annotated[list[WebhookEventType] | None, Query()] = None,
        company_id: Annotated[Uuid | None, Query()] = None,
    ) -> Response:
        filters: dict[str, list[str]] = {}
        if status:
            filters["status"] = [status.value]
        if event_types:
            filters["event_types"] = sorted({e.value for e in event_types})
        if company_id:
            filters["company_id"] = [str(company_id)]
        request = paging.request(ListQuery("subscriptions", filters, ("createdAt",)), services.settings)
        page, total = services.subscriptions.list(caller, company_id, status, event_types or [], request)
        return paginated([subscription_body(s) for s in page.items], page, request, services.settings, total)

    @router.post("", operation_id="createSubscription")
    async def create_subscription(
        request: Request,
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
        company_id: Annotated[Uuid | None, Query()] = None,
    ) -> Response:
        raw = await json_body(request)
        body = validate(_REQUEST, raw)
        return write.run(
            "createSubscription",
            raw,
            lambda: subscription_body(services.subscriptions.create(caller, company_id, body)),
            _BODY,
            _data,
            scope=Scope.EXPORT_JOBS_WRITE,
            owns=lambda: caller.company(company_id),
        )

    @router.get("/{id}", operation_id="getSubscriptionById")
    async def get_subscription_by_id(
        subscription_id: SubscriptionId,
        caller: CallerDep,
        services: ServicesDep,
    ) -> Response:
        return ContractJSONResponse({"data": subscription_body(services.subscriptions.get(caller, subscription_id))})

    @router.put("/{id}", operation_id="updateSubscription")
    async def update_subscription(
        subscription_id: SubscriptionId,
        request: Request,
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
    ) -> Response:
        raw = await json_body(request)
        body = validate(_REQUEST, raw)
        return write.run(
            "updateSubscription",
            raw,
            lambda: subscription_body(services.subscriptions.update(caller, subscription_id, body)),
            _BODY,
            _data,
            scope=Scope.EXPORT_JOBS_WRITE,
            owns=lambda: services.subscriptions.owned(caller, subscription_id),
        )

    @router.delete("/{id}", operation_id="deleteSubscription", status_code=204)
    async def delete_subscription(
        subscription_id: SubscriptionId,
        caller: CallerDep,
        services: ServicesDep,
    ) -> Response:
        services.subscriptions.delete(caller, subscription_id)
        return Response(status_code=204)

    @router.get("/{id}/activities", operation_id="getSubscriptionActivities", openapi_extra=PAGE_QUERY)
    async def get_subscription_activities(
        subscription_id: SubscriptionId,
        caller: CallerDep,
        services: ServicesDep,
        paging: Annotated[PageParams, Depends(page_params)],
        operation_types: Annotated[list[ActivityOperationType] | None, Query()] = None,
    ) -> Response:
        operations = sorted(set(operation_types or []))
        filters = {"subscriptionId": [str(subscription_id)]}
        if operations:
            filters["operation_types"] = [o.value for o in operations]
        request = paging.request(ListQuery("subscription-activities", filters, ("createdAt",)), services.settings)
        page, total = services.subscriptions.activities(caller, subscription_id, operations, request)
        return paginated([body_of(a) for a in page.items], page, request, services.settings, total)

    @router.get("/{id}/secret", operation_id="getSubscriptionSecret")
    async def get_subscription_secret(
        subscription_id: SubscriptionId,
        caller: CallerDep,
        services: ServicesDep,
    ) -> Response:
        return ContractJSONResponse({"data": {"secretKey": services.subscriptions.secret(caller, subscription_id)}})

    @router.post("/{id}/secret/rotate", operation_id="rotateSubscriptionSecret")
    async def rotate_subscription_secret(
        subscription_id: SubscriptionId,
        caller: CallerDep,
        services: ServicesDep,
        write: IdempotentWriteDep,
    ) -> Response:
        # A retry with the key answers the secret the first rotation made and does not rotate again: a
        # second rotation would end the first one's overlap of the previous secret early.
        return write.run(
            "rotateSubscriptionSecret",
            None,
            lambda: services.subscriptions.rotate_secret(caller, subscription_id),
            _SECRET,
            lambda secret: ContractJSONResponse({"data": {"secretKey": secret}}),
            scope=Scope.EXPORT_JOBS_WRITE,
            owns=lambda: services.subscriptions.owned(caller, subscription_id),
        )

    @router.get("/{id}/deliveries", operation_id="getSubscriptionDeliveries", openapi_extra=PAGE_QUERY)
    async def get_subscription_deliveries(
        subscription_id: SubscriptionId,
        caller: CallerDep,
        services: ServicesDep,
        paging: Annotated[PageParams, Depends(page_params)],
    ) -> Response:
        filters = {"subscriptionId": [str(subscription_id)]}
        request = paging.request(ListQuery("subscription-deliveries", filters, ("attemptedAt",)), services.settings)
        page, total = services.subscriptions.deliveries(caller, subscription_id, request)
        return paginated([body_of(a) for a in page.items], page, request, services.settings, total)

    return router
