"""What the message center answers, as models: they document the responses in the OpenAPI
document (the web front end's typed client is generated from it). The handlers still build
plain dicts; tests compare real answers with these models so the document cannot drift."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Counterpart(Answer):
    kind: Literal["seller", "buyer"]
    name: str
    alias: str | None = None


class Conversation(Answer):
    conversation_id: str
    kind: Literal["order", "inquiry"]
    created_at: str
    cancelled: bool
    delivered_on: str | None = None
    counterpart: Counterpart
    awaiting_answer: bool
    answer_due: str | None = None
    blocked: int = 0


class Waiting(Answer):
    """A conversation whose response clock runs (`needs_response=true`)."""

    conversation_id: str
    message_ids: list[str]
    subject: str
    received_at: str
    deadline_at: str
    seconds_left: int
    api_path: str


class ConversationPage(Answer):
    items: list[Conversation] | list[Waiting]
    next: str | None = None


class Violation(Answer):
    rule: str
    action: str
    evidence: str


class Attachment(Answer):
    attachment_id: str
    name: str
    content_type: str
    size: int
    removed_by: str | None = None
    download_url: str


class MessageView(Answer):
    message_id: str
    conversation_id: str | None = None
    direction: str | None = None
    sent_by_me: bool
    received_at: str | None = None
    subject: str
    message_type: str | None = None
    category: str | None = None
    status: str
    verdict: str | None = None
    rules: list[str]
    reason: str | None = None
    violations: list[Violation] | None = None
    text: str
    attachments: list[Attachment]
    response_outcome: Literal["auto-no-response-needed", "needs-response"] | None = None


class MessageList(Answer):
    conversation_id: str
    messages: list[MessageView]


class Accepted(Answer):
    message_id: str
    conversation_id: str | None = None
    status: str
    reason: str | None = None


class UploadForm(Answer):
    url: str
    fields: dict[str, str]


class Upload(Answer):
    attachment_id: str
    upload: UploadForm
    expires_in: int


class Action(Answer):
    kind: str
    allowed: bool
    reason: str | None = None


class MessagingActions(Answer):
    order_id: str
    actions: list[Action]


class Template(Answer):
    template_id: str
    name: str
    language: str
    subject: str
    text: str
    source: Literal["marketplace", "seller"]
    suggested_kind: str | None = None


class TemplateList(Answer):
    items: list[Template]


class Away(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    from_: str = Field(alias="from")
    until: str
    message: dict[str, str]


class Settings(Answer):
    """A buyer's settings (kind buyer: opted_out) or a seller's (the other fields)."""

    kind: Literal["seller", "buyer"]
    locale: str | None = None
    opted_out: bool | None = None
    fulfillment: str | None = None
    messaging_enabled: bool | None = None
    notification_email: str | None = None
    notification_email_pending: str | None = None
    authorized_senders: list[str] | None = None
    link_hosts: list[str] | None = None
    link_hosts_pending: list[str] | None = None
    away: Away | None = None


class ClockStopped(Answer):
    message_id: str
    conversation_id: str | None = None
    clock_stopped: bool


class ClockReopened(Answer):
    message_id: str
    conversation_id: str | None = None
    clock_running: bool
    deadline_at: str


class Webhook(Answer):
    webhook_id: str
    seller_id: str
    url: str
    events: list[str]
    created_at: str
    secret: str | None = None  # only in the answer that created it


class WebhookList(Answer):
    items: list[Webhook]


class Delivery(Answer):
    delivery_id: str
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "dead", "cancelled", "failed"]
    attempts: int
    created_at: str
    last_attempt_at: str | None = None
    next_attempt_at: str | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: str | None = None


class DeliveryList(Answer):
    webhook_id: str
    items: list[Delivery]


class WebhookTest(Answer):
    delivery_id: str
    event_id: str
    delivered: bool
    status_code: int | None = None
    error: str | None = None


def ok(model: type[Answer], description: str = "OK") -> OpenAPIResponse:
    """A documented success answer (the document only: the handler's dict is sent as is)."""
    return {"description": description, "content": {"application/json": {"model": model}}}
