"""The AWS-backed services a stage needs, built once per process on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from parley.adapters.aws import client
from parley.adapters.blobs import BlobStore
from parley.adapters.mailer import Mailer
from parley.adapters.queues import StageQueue
from parley.adapters.store import Store
from parley.core.settings import Settings, get_settings
from parley.policy.config import PolicyConfig, load_policy
from parley.responses.deadlines import DeadlineConfig, load_deadlines


@dataclass
class Services:
    settings: Settings
    store: Store
    blobs: BlobStore
    filter_queue: StageQueue
    relay_queue: StageQueue
    mailer: Mailer
    policy: PolicyConfig = field(default_factory=load_policy)
    deadlines: DeadlineConfig = field(default_factory=load_deadlines)

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
            policy=load_policy(settings.marketplace, max_message_bytes=settings.max_message_bytes),
            deadlines=load_deadlines(settings.marketplace),
        )


@lru_cache(maxsize=1)
def default_services() -> Services:
    """This process's services (a Lambda container reuses them across invocations)."""
    return Services.from_settings(get_settings())
