"""The AWS-backed services a stage needs, built once per process on first use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from parley.adapters.aws import client
from parley.adapters.blobs import BlobStore
from parley.adapters.bus import EventBus
from parley.adapters.mailer import Mailer
from parley.adapters.outbound_http import WebhookClient
from parley.adapters.queues import StageQueue, WakeUpQueue
from parley.adapters.resolver import system_txt, txt_lookup
from parley.adapters.secrets import SecretKey
from parley.adapters.store import Store
from parley.adapters.warming import Warmer, image_warmer
from parley.core.lookups import TxtLookup
from parley.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from parley.policy.config import PolicyConfig
    from parley.responses.deadlines import DeadlineConfig


@dataclass
class Services:
    """What a use case reaches the world through.

    The policy and the deadline configuration load on first use: validating the deadlines
    loads the public-holiday calendars (about 70 ms), which only the relay and the reminders
    need; ingest, feedback and the API never pay for them at cold start.
    """

    settings: Settings
    store: Store
    blobs: BlobStore
    filter_queue: StageQueue
    relay_queue: StageQueue
    mailer: Mailer
    events: EventBus
    webhook_queue: WakeUpQueue
    webhook_client: WebhookClient
    dns: TxtLookup = system_txt  # DKIM keys, when ingest must check a signature itself
    # Signs the image proxy's tokens (`remoteImages: proxy`); read on the relay's first use.
    image_proxy_key: SecretKey | None = None
    # Has the proxy fetch a sent copy's images at once (None: never; views, served from the
    # cache only, then find nothing).
    image_warmer: Warmer | None = None

    @cached_property
    def policy(self) -> PolicyConfig:
        from parley.policy.config import load_policy

        return load_policy(
            self.settings.marketplace, max_message_bytes=self.settings.max_message_bytes
        )

    @cached_property
    def deadlines(self) -> DeadlineConfig:
        from parley.responses.deadlines import load_deadlines

        return load_deadlines(self.settings.marketplace)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        sqs = client("sqs", settings)
        return cls(
            settings=settings,
            store=Store(settings),
            blobs=BlobStore(client("s3", settings), settings.bucket),
            filter_queue=StageQueue(sqs, settings.filter_queue_url),
            relay_queue=StageQueue(sqs, settings.relay_queue_url),
            mailer=Mailer(client("sesv2", settings), settings.configuration_set),
            events=EventBus(lambda: client("events", settings), settings.event_bus),
            webhook_queue=WakeUpQueue(sqs, settings.webhook_queue_url),
            webhook_client=WebhookClient(allow_loopback=settings.webhooks_allow_loopback),
            dns=txt_lookup(settings.dns_zone_file),
            image_proxy_key=SecretKey(
                lambda: client("secretsmanager", settings), settings.image_proxy_secret
            ),
            image_warmer=image_warmer(
                settings.image_proxy_warm, lambda: client("lambda", settings)
            ),
        )


@lru_cache(maxsize=1)
def default_services() -> Services:
    """This process's services (a Lambda container reuses them across invocations)."""
    return Services.from_settings(get_settings())
