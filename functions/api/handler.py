"""API Gateway (REST, Cognito authorizer) -> the message center."""

from __future__ import annotations

from typing import Any

from functions.api.routes import app, unsupported_body, with_cors
from parley.core.observability import lambda_entry


@lambda_entry("api", correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return with_cors(event, unsupported_body(event) or app.resolve(event, context))
