"""The message center over HTTP: routes, request models, errors. The work is in parley.center.

API Gateway has verified the caller's token (Cognito user pool authorizer, or the local test
issuer in `parley dev`); the `custom:party` claim says which seller or buyer is asking.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError, UnauthorizedError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from functions.api import schemas
from functions.api.problems import MEDIA_TYPE, lambda_response, problem, validation_problem
from functions.api.schemas import ok
from parley.app import default_services
from parley.center.errors import CenterError
from parley.center.service import MessageCenter, Principal
from parley.core.ids import PARTY_ID_FORMAT
from parley.core.kinds import KINDS

PARTY_CLAIM = "custom:party"
ID = r"^[A-Za-z0-9._-]{1,80}$"
ORDER = r"^(\d{3}-\d{7}-\d{7}|inquiry-[0-9a-f]{16})$"
KIND_PATTERN = "^(" + "|".join(KINDS) + ")$"

app = APIGatewayRestResolver(enable_validation=True)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class UploadRequest(Strict):
    name: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=3, max_length=120)
    size: int = Field(ge=1)


class TypedMessageRequest(Strict):
    text: str | None = Field(default=None, max_length=2000)
    attachment_ids: list[str] = Field(default_factory=list, max_length=5)
    coverage_start: date | None = None
    coverage_end: date | None = None
    template_id: str | None = Field(default=None, max_length=80)
    variables: dict[str, str] = Field(default_factory=dict, max_length=20)


class ReplyRequest(Strict):
    text: str | None = Field(default=None, max_length=2000)
    template_id: str | None = Field(default=None, max_length=80)
    variables: dict[str, str] = Field(default_factory=dict, max_length=20)
    attachment_ids: list[str] = Field(default_factory=list, max_length=5)


class ContactRequest(Strict):
    topic: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=2000)
    attachment_ids: list[str] = Field(default_factory=list, max_length=5)


class QuestionRequest(Strict):
    text: str = Field(min_length=1, max_length=2000)
    subject: str | None = Field(default=None, max_length=200)


class TemplateRequest(Strict):
    name: str = Field(min_length=1, max_length=100)
    language: str = Field(pattern=r"^[a-z]{2}$")
    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2000)


class AwayRequest(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    from_: AwareDatetime | None = Field(default=None, alias="from")
    until: AwareDatetime
    message: dict[str, str] = Field(min_length=1, max_length=2)


class SettingsPatch(Strict):
    opted_out: bool | None = None
    messaging_enabled: bool | None = None
    notification_email: str | None = Field(default=None, max_length=254)
    authorized_senders: list[str] | None = Field(default=None, max_length=10)
    link_hosts: list[str] | None = Field(default=None, max_length=20)
    away: AwayRequest | None = None  # sellers; null ends it


class WebhookRequest(Strict):
    url: str = Field(min_length=1, max_length=2048)
    events: list[str] | None = Field(default=None, max_length=20)


class ConfirmRequest(Strict):
    code: str = Field(min_length=1, max_length=64)


@lru_cache(maxsize=1)
def center() -> MessageCenter:
    return MessageCenter(default_services())


def caller() -> Principal:
    claims = app.current_event.request_context.authorizer.claims or {}
    # A pool may serve several apps: only tokens issued to the listed app clients count
    # (an ID token names its client in aud, an access token in client_id).
    allowed = default_services().settings.api_client_ids
    if allowed and (claims.get("aud") or claims.get("client_id")) not in allowed:
        raise UnauthorizedError("the token was issued to an app that may not use this API")
    principal = Principal.from_claim(claims.get(PARTY_CLAIM))
    if principal is None:
        raise UnauthorizedError(f"the token carries no valid {PARTY_CLAIM} claim")
    return principal


@app.exception_handler(CenterError)  # type: ignore[untyped-decorator]
def center_error(error: CenterError) -> Response[Any]:
    return Response(
        status_code=error.status,
        content_type=MEDIA_TYPE,
        body=json.dumps(problem(error.status, error.message, error.field)),
    )


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def invalid_request(error: RequestValidationError) -> Response[Any]:
    return Response(
        status_code=422,
        content_type=MEDIA_TYPE,
        body=json.dumps(validation_problem(list(error.errors()))),
    )


@app.exception_handler(ServiceError)  # type: ignore[untyped-decorator]
def service_error(error: ServiceError) -> Response[Any]:
    """401 (no valid claim), 404 (no such route) and the other Powertools errors."""
    return Response(
        status_code=error.status_code,
        content_type=MEDIA_TYPE,
        body=json.dumps(problem(error.status_code, str(error.msg))),
    )


def accepted(result: dict[str, Any]) -> Response[Any]:
    return Response(status_code=202, content_type="application/json", body=result)


ConversationId = Annotated[str, Path(pattern=ORDER)]
OrderId = Annotated[str, Path(pattern=ORDER)]
MessageId = Annotated[str, Path(pattern=ID)]


@app.get("/conversations", tags=["conversations"], responses={200: ok(schemas.ConversationPage)})
def list_conversations(
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    needs_response: Annotated[bool, Query()] = False,
    since: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """The caller's conversations (orders and pre-order questions), newest first; with
    `needs_response=true` (sellers) those whose response clock runs, with the deadline."""
    if needs_response:
        return center().workday.needing_response(caller(), since)
    return center().reading.conversations(caller(), limit, next)


@app.get(
    "/conversations/<conversation_id>/messages",
    tags=["conversations"],
    responses={200: ok(schemas.MessageList)},
)
def conversation_messages(conversation_id: ConversationId) -> dict[str, Any]:
    """Every message of one conversation the caller may see, with verdicts and downloads."""
    return center().reading.conversation_messages(caller(), conversation_id)


@app.get("/messages/<message_id>", tags=["conversations"], responses={200: ok(schemas.MessageView)})
def one_message(message_id: MessageId) -> dict[str, Any]:
    return center().reading.message(caller(), message_id)


@app.post(
    "/messages/<message_id>/replies",
    tags=["messages"],
    status_code=202,
    responses={202: ok(schemas.Accepted)},
)
def reply(message_id: MessageId, body: ReplyRequest) -> Response[Any]:
    """Answer a received message, with text or from a template."""
    return accepted(
        center().sending.reply(
            caller(),
            message_id,
            text=body.text,
            template_id=body.template_id,
            variables=body.variables,
            attachment_ids=body.attachment_ids,
        )
    )


@app.post(
    "/messages/<message_id>/no-response-needed",
    tags=["messages"],
    responses={200: ok(schemas.ClockStopped)},
)
def no_response_needed(message_id: MessageId) -> dict[str, Any]:
    """A seller marks a buyer message as needing no answer: its response clock stops."""
    return center().sending.no_response_needed(caller(), message_id)


@app.post(
    "/messages/<message_id>/needs-response",
    tags=["messages"],
    responses={200: ok(schemas.ClockReopened)},
)
def needs_response(message_id: MessageId) -> dict[str, Any]:
    """A seller takes back an automatic "no response needed": the clock runs again."""
    return center().workday.needs_response(caller(), message_id)


@app.post("/attachments", tags=["messages"], status_code=201, responses={201: ok(schemas.Upload)})
def new_upload(body: UploadRequest) -> Response[Any]:
    """A presigned upload form; the returned id is then referenced by a message."""
    result = center().sending.new_upload(caller(), body.name, body.content_type, body.size)
    return Response(status_code=201, content_type="application/json", body=result)


@app.get(
    "/orders/<order_id>/messaging-actions",
    tags=["sellers"],
    responses={200: ok(schemas.MessagingActions)},
)
def messaging_actions(order_id: OrderId) -> dict[str, Any]:
    """Which typed messages the seller may send for this order now, and why not the others."""
    return {"order_id": order_id, "actions": center().sending.messaging_actions(caller(), order_id)}


@app.post(
    "/orders/<order_id>/messages/<message_type>",
    tags=["sellers"],
    status_code=202,
    responses={202: ok(schemas.Accepted)},
)
def typed_message(
    order_id: OrderId,
    message_type: Annotated[str, Path(pattern=KIND_PATTERN)],
    body: TypedMessageRequest,
) -> Response[Any]:
    """Send one of the typed messages; it passes the same policy and relay as email."""
    return accepted(
        center().sending.send_typed(
            caller(),
            order_id,
            message_type,
            text=body.text,
            attachment_ids=body.attachment_ids,
            coverage_start=body.coverage_start,
            coverage_end=body.coverage_end,
            template_id=body.template_id,
            variables=body.variables,
        )
    )


@app.post(
    "/orders/<order_id>/review-request",
    tags=["sellers"],
    status_code=202,
    responses={202: ok(schemas.Accepted)},
)
def review_request(order_id: OrderId) -> Response[Any]:
    """The marketplace's review request: no free text, once, 5 to 30 days after delivery."""
    return accepted(center().sending.request_review(caller(), order_id))


@app.post(
    "/orders/<order_id>/contact",
    tags=["buyers"],
    status_code=202,
    responses={202: ok(schemas.Accepted)},
)
def contact_seller(order_id: OrderId, body: ContactRequest) -> Response[Any]:
    return accepted(
        center().sending.contact_seller(
            caller(), order_id, body.topic, body.text, body.attachment_ids
        )
    )


@app.post(
    "/sellers/<seller_id>/questions",
    tags=["buyers"],
    status_code=202,
    responses={202: ok(schemas.Accepted)},
)
def ask_seller(
    seller_id: Annotated[str, Path(pattern=PARTY_ID_FORMAT.pattern)], body: QuestionRequest
) -> Response[Any]:
    """A question to a seller before any order."""
    return accepted(center().sending.ask_seller(caller(), seller_id, body.text, body.subject))


@app.get("/templates", tags=["sellers"], responses={200: ok(schemas.TemplateList)})
def list_templates() -> dict[str, Any]:
    return {"items": center().preferences.templates(caller())}


@app.post("/templates", tags=["sellers"], status_code=201, responses={201: ok(schemas.Template)})
def create_template(body: TemplateRequest) -> Response[Any]:
    result = center().preferences.save_template(caller(), body.model_dump())
    return Response(status_code=201, content_type="application/json", body=result)


@app.put("/templates/<template_id>", tags=["sellers"], responses={200: ok(schemas.Template)})
def update_template(
    template_id: Annotated[str, Path(pattern=r"^t-[0-9a-f]{12}$")], body: TemplateRequest
) -> dict[str, Any]:
    return center().preferences.save_template(caller(), body.model_dump(), template_id)


@app.delete("/templates/<template_id>", tags=["sellers"], status_code=204)
def delete_template(
    template_id: Annotated[str, Path(pattern=r"^t-[0-9a-f]{12}$")],
) -> Response[Any]:
    center().preferences.delete_template(caller(), template_id)
    return Response(status_code=204, content_type="application/json", body="")


@app.get("/settings", tags=["settings"], responses={200: ok(schemas.Settings)})
def get_settings() -> dict[str, Any]:
    return center().settings_with_away(caller())


@app.patch("/settings", tags=["settings"], responses={200: ok(schemas.Settings)})
def patch_settings(body: SettingsPatch) -> dict[str, Any]:
    """Buyers: opted_out. Sellers: messaging_enabled, notification_email, senders, link
    hosts, away (from, until, message per language; null ends it)."""
    changes = body.model_dump(exclude_unset=True, by_alias=True, mode="json")
    if "away" in changes:
        center().workday.set_away(caller(), changes.pop("away"))
    if changes:
        center().preferences.update_settings(caller(), changes)
    return center().settings_with_away(caller())


WebhookId = Annotated[str, Path(pattern=r"^wh_[0-9a-f]{20}$")]


@app.get("/webhooks", tags=["webhooks"], responses={200: ok(schemas.WebhookList)})
def list_webhooks() -> dict[str, Any]:
    """The seller's webhook endpoints (without their secrets)."""
    return {"items": center().workday.webhooks(caller())}


@app.post("/webhooks", tags=["webhooks"], status_code=201, responses={201: ok(schemas.Webhook)})
def add_webhook(body: WebhookRequest) -> Response[Any]:
    """Register an HTTPS endpoint for events; the answer shows its signing secret once."""
    result = center().workday.add_webhook(caller(), body.url, body.events)
    return Response(status_code=201, content_type="application/json", body=result)


@app.delete("/webhooks/<webhook_id>", tags=["webhooks"], status_code=204)
def remove_webhook(webhook_id: WebhookId) -> Response[Any]:
    center().workday.remove_webhook(caller(), webhook_id)
    return Response(status_code=204, content_type="application/json", body="")


@app.post(
    "/webhooks/<webhook_id>/test", tags=["webhooks"], responses={200: ok(schemas.WebhookTest)}
)
def test_webhook(webhook_id: WebhookId) -> dict[str, Any]:
    """Send a signed `webhook.test` event now (once, no retries) and say how it went."""
    return center().workday.test_webhook(caller(), webhook_id)


@app.get(
    "/webhooks/<webhook_id>/deliveries",
    tags=["webhooks"],
    responses={200: ok(schemas.DeliveryList)},
)
def webhook_deliveries(
    webhook_id: WebhookId, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> dict[str, Any]:
    """The endpoint's deliveries, newest first: attempts, last answer, and the dead ones."""
    return center().workday.webhook_deliveries(caller(), webhook_id, limit)


@app.post(
    "/settings/notification-email/confirm",
    tags=["settings"],
    responses={200: ok(schemas.Settings)},
)
def confirm_notification_email(body: ConfirmRequest) -> dict[str, Any]:
    """Sellers: the code mailed to a new notification address makes it the active one."""
    return center().preferences.confirm_notification_email(caller(), body.code)


@app.post("/me/export", tags=["privacy"], status_code=201)
def export_me() -> Response[Any]:
    """Everything stored about the caller (GDPR access): a .zip with a manifest, offered by
    a link that expires in an hour; the archive itself goes after the exports retention."""
    from parley.ops.export import request_export

    result = request_export(default_services(), caller())
    return Response(status_code=201, content_type="application/json", body=result)


@app.get("/me/export/<export_id>", tags=["privacy"])
def export_link(export_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> dict[str, Any]:
    """A fresh link to an export the caller asked for, while it is kept."""
    from parley.ops.export import download

    return download(default_services(), caller(), export_id)


def unsupported_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """Bodies are JSON or nothing; anything else is refused before the validator parses it."""
    if not event.get("body"):
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media == "application/json":
        return None
    return lambda_response(415, problem(415, "send application/json"))


def with_cors(event: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """Browser apps on the marketplace's own origins may read the answers (and preflight)."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    origin = headers.get("origin")
    allowed = default_services().settings.api_allowed_origins if origin else ()
    if origin and origin in allowed:
        response.setdefault("headers", {}).update(
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Headers": "Authorization,Content-Type",
                "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            }
        )
    return response


def openapi_document() -> str:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return app.get_openapi_json_schema(
        title="Parley message center",
        version="1.0.0",
        description="History, typed messages, messaging actions and settings for buyers and "
        "sellers. Every request carries a JWT whose custom:party claim names the caller.",
        security_schemes={"jwt": HTTPBearer(bearerFormat="JWT")},
        security=[{"jwt": []}],
    )
