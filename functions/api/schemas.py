"""What the message center answers, as models: they document the responses in the OpenAPI
document (the web front end's typed client is generated from it). The handlers still build
plain dicts; tests compare real answers with these models so the document cannot drift."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class ConversationPage(Answer):
    items: list[Conversation]
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


class ClockStopped(Answer):
    message_id: str
    conversation_id: str | None = None
    clock_stopped: bool


def ok(model: type[Answer], description: str = "OK") -> OpenAPIResponse:
    """A documented success answer (the document only: the handler's dict is sent as is)."""
    return {"description": description, "content": {"application/json": {"model": model}}}
