"""A user's webhook endpoints: make, list, change, delete; their deliveries, sent again."""

import math

from flask import current_app, g, jsonify
from sqlalchemy import func, select

from ocrapp.core.db import db
from ocrapp.core.models import WebhookDelivery, WebhookEndpoint, utcnow
from ocrapp.core.scheduling import hold_user
from ocrapp.web.errors import ApiError, suggest_retry_after
from ocrapp.web.openapi import BODY_REFUSALS, answers, api_blueprint
from ocrapp.web.webhook_schemas import (
    DeliveryList,
    DeliveryPath,
    DeliveryQuery,
    DeliveryView,
    NewSecret,
    NewWebhook,
    NewWebhookView,
    WebhookChange,
    WebhookList,
    WebhookPath,
    WebhookView,
)
from ocrapp.webhooks.delivery import try_ends_at
from ocrapp.webhooks.endpoints import change_endpoint, create_endpoint, redeliver
from ocrapp.webhooks.signing import rotate_secret

bp = api_blueprint(
    "webhooks",
    __name__,
    "Your webhook endpoints: signed POSTs when your tasks end and as pages are done "
    "([webhooks](webhooks.md)).",
)
MAX_WEBHOOKS_PER_USER = 20
ONE = "/webhooks/<string(length=36):webhook_id>"
URL_REFUSED = {422: ["webhook_url_refused"]}


def own_endpoint(session, webhook_id: str) -> WebhookEndpoint:
    """Return the caller's endpoint `webhook_id`, locked; another user's is not found."""
    endpoint = session.get(WebhookEndpoint, webhook_id, with_for_update=True)
    if endpoint is None or endpoint.user_id != g.user_id:
        raise ApiError(404, "webhook_not_found", f"No webhook endpoint {webhook_id}.")
    return endpoint


@bp.get("/webhooks", responses=answers({200: WebhookList}))
def list_webhooks():
    """List your webhook endpoints, without their secrets."""
    with db.session() as session:
        endpoints = session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.user_id == g.user_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
        return jsonify(
            webhooks=[WebhookView.model_validate(endpoint).as_json() for endpoint in endpoints]
        )


@bp.post(
    "/webhooks",
    responses=answers(
        {201: NewWebhookView}, BODY_REFUSALS | {409: ["too_many_webhooks"], **URL_REFUSED}
    ),
)
def create_webhook(body: NewWebhook):
    """Make an endpoint; its signing secret is in this answer only.

    The URL must be `https` (or `http` where `WEBHOOK_ALLOW_HTTP` is on), and its host must
    resolve to public addresses only (unless `WEBHOOK_ALLOW_PRIVATE_NETWORKS`); otherwise
    `422 webhook_url_refused` says why. A user has at most 20 endpoints.
    """
    config = current_app.config
    with db.session() as session:
        hold_user(session, g.user_id)  # two requests at once cannot both take the last one
        count = session.scalar(select(func.count()).where(WebhookEndpoint.user_id == g.user_id))
        if count >= MAX_WEBHOOKS_PER_USER:
            message = f"You have {count} webhook endpoints, the most allowed: delete one first."
            raise ApiError(409, "too_many_webhooks", message)
        endpoint = create_endpoint(
            session, g.user_id, body.url, body.events, body.description, config
        )
        return jsonify(
            secret=endpoint.secret, **WebhookView.model_validate(endpoint).as_json()
        ), 201


@bp.get(ONE, responses=answers({200: WebhookView}, {404: ["webhook_not_found"]}))
def get_webhook(path: WebhookPath):
    """Show one of your endpoints: whether it is enabled, and why not."""
    with db.session() as session:
        return jsonify(WebhookView.model_validate(own_endpoint(session, path.webhook_id)).as_json())


@bp.patch(
    ONE,
    responses=answers(
        {200: WebhookView}, BODY_REFUSALS | {404: ["webhook_not_found"], **URL_REFUSED}
    ),
)
def update_webhook(path: WebhookPath, body: WebhookChange):
    """Change an endpoint's URL, events or note; `enabled: true` turns it back on."""
    with db.session() as session:
        endpoint = own_endpoint(session, path.webhook_id)
        change_endpoint(endpoint, body.model_dump(exclude_unset=True), current_app.config)
        return jsonify(WebhookView.model_validate(endpoint).as_json())


@bp.delete(ONE, responses=answers({204: None}, {404: ["webhook_not_found"]}))
def delete_webhook(path: WebhookPath):
    """Delete an endpoint, with its deliveries: nothing more is sent to it."""
    with db.session() as session:
        session.delete(own_endpoint(session, path.webhook_id))
    return "", 204


@bp.post(f"{ONE}/rotate-secret", responses=answers({200: NewSecret}, {404: ["webhook_not_found"]}))
def rotate_webhook_secret(path: WebhookPath):
    """Give the endpoint a new signing secret, in this answer only.

    For 24 hours deliveries carry two signatures, one by each secret (space-separated in
    `webhook-signature`), so receivers can switch without refusing any.
    """
    with db.session() as session:
        endpoint = own_endpoint(session, path.webhook_id)
        secret = rotate_secret(endpoint, utcnow())
        view = NewSecret(
            secret=secret, previous_secret_expires_at=endpoint.previous_secret_expires_at
        )
        return jsonify(view.model_dump(mode="json", by_alias=True))


@bp.get(
    f"{ONE}/deliveries",
    responses=answers({200: DeliveryList}, {404: ["webhook_not_found"]}),
)
def list_deliveries(path: WebhookPath, query: DeliveryQuery):
    """List the endpoint's latest deliveries, newest first, each with its tries."""
    with db.session() as session:
        endpoint = own_endpoint(session, path.webhook_id)
        deliveries = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
            .limit(query.limit)
        )
        return jsonify(deliveries=[DeliveryView.model_validate(d).as_json() for d in deliveries])


@bp.post(
    f"{ONE}/deliveries/<string(maxlength=40):delivery_id>/redeliver",
    responses=answers(
        {202: DeliveryView},
        {
            404: ["webhook_not_found", "delivery_not_found"],
            409: ["webhook_disabled", "delivery_in_flight"],
        },
    ),
)
def redeliver_delivery(path: DeliveryPath):
    """Send a delivery again (same `webhook-id`, retried anew), unless a try is under way."""
    with db.session() as session:
        endpoint = own_endpoint(session, path.webhook_id)
        if not endpoint.enabled:
            message = "The endpoint is disabled: enable it first (PATCH with enabled: true)."
            raise ApiError(409, "webhook_disabled", message)
        delivery = session.get(WebhookDelivery, path.delivery_id, with_for_update=True)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise ApiError(404, "delivery_not_found", f"No delivery {path.delivery_id}.")
        refuse_while_in_flight(delivery)
        redeliver(session, delivery, current_app.config)
        session.flush()
        return jsonify(DeliveryView.model_validate(delivery).as_json()), 202


def refuse_while_in_flight(delivery: WebhookDelivery) -> None:
    """Refuse to redeliver while a try is under way: its outcome is not known yet."""
    now = utcnow()
    if (ends_at := try_ends_at(delivery, now, current_app.config)) is not None:
        suggest_retry_after(max(1, math.ceil((ends_at - now).total_seconds())))
        message = "A try of this delivery is under way: redeliver it once its outcome is listed."
        raise ApiError(409, "delivery_in_flight", message)
