"""An emulated AWS account (moto, in process) provisioned like the stack, and what plays SES."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from devstack.lambda_runtime import LocalContext, drain_queues
from devstack.ses_inbound import store_and_describe
from parley.adapters.aws import reset_clients
from parley.app import Services, default_services
from parley.core.settings import get_settings

REGION = "eu-west-1"
DOMAIN = "marketplace.example"
ORDER_ID = "123-1234567-1234567"
SELLER_EMAIL = "seller@example.org"
BUYER_EMAIL = "bob@example.net"
PASS = dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "PASS")


def clear_caches() -> None:
    reset_clients()
    get_settings.cache_clear()
    default_services.cache_clear()
    routes = sys.modules.get("functions.api.routes")  # the API keeps its center (and settings)
    if routes is not None:
        routes.center.cache_clear()


@dataclass
class Aws:
    """A provisioned, emulated account plus helpers that play SES and the event sources."""

    env: dict[str, str]

    @property
    def services(self) -> Services:
        return default_services()

    def sent(self) -> list[Any]:
        from moto.ses.models import ses_backends

        return list(ses_backends["123456789012"][REGION].sent_messages)

    def receive(
        self,
        raw: bytes,
        recipients: list[str],
        *,
        verdicts: dict[str, str] | None = None,
        dmarc_policy: str | None = None,
        mail_from: str = "sender@example.org",
        store_raw: bool = True,
    ) -> tuple[str, dict[str, Any]]:
        """What SES does: store the raw mail under the prefix, then build the Lambda event."""
        return store_and_describe(
            raw,
            mail_from=mail_from,
            recipients=recipients,
            verdicts=verdicts or PASS,
            dmarc_policy=dmarc_policy,
            store_raw=store_raw,
        )

    def ingest(
        self, raw: bytes, recipients: list[str], **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        from functions.ingest.handler import handler

        ses_id, event = self.receive(raw, recipients, **kwargs)
        return ses_id, handler(event, LocalContext("ingest"))

    def drain(self, rounds: int = 10) -> list[dict[str, Any]]:
        """Play the SQS event source mappings until both queues are empty."""
        return drain_queues(rounds)
