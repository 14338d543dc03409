"""Admin routes for webhooks: subscriptions (the secret answered only on create and rotate),
their deliveries with outcomes, a retry of one, a replay from a position."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from threadline.api.dependencies import CommandActorDep, ContainerDep, ReadingActorDep
from threadline.api.problems import ERROR_RESPONSES
from threadline.application.queries.read_your_writes import MAX_POSITION
from threadline.application.webhooks.subscriptions import SubscriptionChanges
from threadline.bootstrap import Threadline
from threadline.domain.webhooks import DeliveryRecord, DeliveryStatus, Subscription

# Answers are pydantic models, serialized by FastAPI itself (the app's ORJSONResponse default is
# for routes that hand over bytes).
router = APIRouter(
    prefix="/v1/admin/webhooks",
    tags=["webhooks"],
    responses=ERROR_RESPONSES,
    default_response_class=JSONResponse,
)


class WebhookBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Plain strings: the URL policy names what is wrong with one (invalid_webhook_url, field url).
    url: str | None = Field(default=None, examples=["https://hooks.example.com/threadline"])
    event_types: list[str] | None = Field(default=None, description="Empty or absent: every type")
    description: str | None = None
    enabled: bool | None = None


class ReplayBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: int = Field(ge=0, le=MAX_POSITION, description="Deliver again every event after this log position")


class WebhookOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    status: str
    failing_since: str | None
    next_probe_at: str | None
    checkpoint: int
    previous_secret_until: str | None
    created_at: str
    updated_at: str
    secret: str | None = Field(default=None, description="Only in the answer to create and rotate-secret")


class DeliveryOut(BaseModel):
    id: str
    event_position: int  # the log position of the event delivered
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_response: str | None
    first_attempt_at: str | None
    last_attempt_at: str | None
    last_duration_ms: float | None
    delivered_at: str | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_before: int | None = Field(description="Pass as ?before= for the next (older) page")


async def _out(container: Threadline, found: Subscription, *, secret: bool = False) -> WebhookOut:
    assert container.webhooks is not None
    return WebhookOut(
        id=found.id,
        url=found.url,
        event_types=list(found.event_types),
        description=found.description,
        enabled=found.enabled,
        status=found.status.value,
        failing_since=found.failing_since,
        next_probe_at=found.next_probe_at,
        checkpoint=await container.webhooks.store.checkpoint(found.id),
        previous_secret_until=found.previous_secret_until,
        created_at=found.created_at,
        updated_at=found.updated_at,
        secret=found.secret if secret else None,
    )


def _delivery_out(record: DeliveryRecord) -> DeliveryOut:
    return DeliveryOut(
        id=record.delivery_id,
        event_position=record.position,
        event_type=record.event_type,
        status=record.status.value,
        attempts=record.attempts,
        last_status_code=record.last_status_code,
        last_error=record.last_error,
        last_response=record.last_response,
        first_attempt_at=record.first_attempt_at,
        last_attempt_at=record.last_attempt_at,
        last_duration_ms=record.last_duration_ms,
        delivered_at=record.delivered_at,
    )


def _changes(body: WebhookBody) -> SubscriptionChanges:
    return SubscriptionChanges(body.url, body.event_types, body.description, body.enabled)


@router.post("", status_code=201, response_model=WebhookOut, summary="Subscribe a receiver (admin)")
async def create_webhook(body: WebhookBody, actor: CommandActorDep, container: ContainerDep) -> WebhookOut:
    assert container.webhooks is not None
    created = await container.webhooks.admin.create(actor, _changes(body))
    return await _out(container, created, secret=True)


@router.get("", response_model=list[WebhookOut], summary="The tenant's webhook subscriptions (admin)")
async def list_webhooks(actor: ReadingActorDep, container: ContainerDep) -> list[WebhookOut]:
    assert container.webhooks is not None
    return [await _out(container, found) for found in await container.webhooks.admin.of_tenant(actor)]


@router.get("/{webhook_id}", response_model=WebhookOut, summary="One webhook subscription (admin)")
async def get_webhook(webhook_id: str, actor: ReadingActorDep, container: ContainerDep) -> WebhookOut:
    assert container.webhooks is not None
    return await _out(container, await container.webhooks.admin.get(actor, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookOut, summary="Change a subscription (admin)")
async def change_webhook(
    webhook_id: str, body: WebhookBody, actor: CommandActorDep, container: ContainerDep
) -> WebhookOut:
    assert container.webhooks is not None
    return await _out(container, await container.webhooks.admin.change(actor, webhook_id, _changes(body)))


@router.delete(
    "/{webhook_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a subscription and its deliveries (admin)",
)
async def delete_webhook(webhook_id: str, actor: CommandActorDep, container: ContainerDep) -> Response:
    assert container.webhooks is not None
    await container.webhooks.admin.remove(actor, webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=WebhookOut,
    summary="A new secret, answered once; the previous one signs too for the grace period (admin)",
)
async def rotate_secret(webhook_id: str, actor: CommandActorDep, container: ContainerDep) -> WebhookOut:
    assert container.webhooks is not None
    rotated = await container.webhooks.admin.rotate_secret(actor, webhook_id)
    return await _out(container, rotated, secret=True)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    summary="Deliveries and their outcomes, newest first",
)
async def list_deliveries(
    webhook_id: str,
    actor: ReadingActorDep,
    container: ContainerDep,
    before: Annotated[
        int | None, Query(ge=0, le=MAX_POSITION, description="next_before of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> DeliveryPage:
    assert container.webhooks is not None
    found = await container.webhooks.deliveries.page(
        actor, webhook_id, before=before, limit=limit, status=status.value if status else None
    )
    return DeliveryPage(
        items=[_delivery_out(record) for record in found],
        next_before=found[-1].position if len(found) == limit else None,
    )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    status_code=202,
    response_model=DeliveryOut,
    summary="Try a failed delivery again now (resuming the subscription), or send a delivered one again",
)
async def retry_delivery(
    webhook_id: str, delivery_id: str, actor: CommandActorDep, container: ContainerDep
) -> DeliveryOut:
    assert container.webhooks is not None
    return _delivery_out(await container.webhooks.deliveries.retry(actor, webhook_id, delivery_id))


@router.post(
    "/{webhook_id}/replay",
    status_code=202,
    response_model=WebhookOut,
    summary="Deliver again every event after a position (receivers drop duplicates by webhook-id)",
)
async def replay(
    webhook_id: str, body: ReplayBody, actor: CommandActorDep, container: ContainerDep
) -> WebhookOut:
    assert container.webhooks is not None
    return await _out(container, await container.webhooks.deliveries.replay(actor, webhook_id, body.after))
