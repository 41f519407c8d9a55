"""Events: the custom bus the stages publish on, its schemas and archive, and the webhook
dispatcher's queue fed by a rule on the bus.

Why a dispatcher function and not EventBridge API destinations: a destination authenticates
with a static API key, basic auth or OAuth client credentials; it cannot compute an HMAC over
each body and timestamp (`Parley-Signature`), cannot refuse an endpoint that resolves to a
private address at delivery time, and its retries end after 24 hours without a record the
seller can read. The dispatcher does all three; operators can still route the bus to any
other target (another account's bus, Step Functions, ...) with their own rules.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_eventschemas as eventschemas
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.parts.monitoring import PERIOD, Monitoring, by_dimension, total
from infra.parts.pipeline import stage_queue

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "parley" / "events" / "schemas"
ARCHIVE_DAYS = 30


class EventBus(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        function_timeout_s: int,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"{prefix}-events")
        self.archive = self.bus.archive(
            "Archive",
            archive_name=f"{prefix}-events",
            description="Every Parley event, for replay (e.g. to a new webhook or target)",
            event_pattern=events.EventPattern(source=["parley"]),
            retention=Duration.days(ARCHIVE_DAYS),
        )
        registry = eventschemas.CfnRegistry(
            self,
            "Schemas",
            registry_name=f"{prefix}-events",
            description="Parley event schemas (the files in parley/events/schemas)",
        )
        for path in sorted(SCHEMA_DIR.glob("*.v1.json")):
            name = path.name.removesuffix(".v1.json")
            eventschemas.CfnSchema(
                self,
                "Schema" + "".join(p.title() for p in name.replace(".", "_").split("_")),
                registry_name=registry.attr_registry_name,
                schema_name=f"parley@{name}",
                type="JSONSchemaDraft4",
                content=json.dumps(json.loads(path.read_text("utf-8"))),
                description=json.loads(path.read_text("utf-8"))["description"][:256],
            )
        self.queue, self.dead_letters = stage_queue(self, "Webhooks", function_timeout_s, key)
        self.rule = events.Rule(
            self,
            "ToDispatcher",
            event_bus=self.bus,
            event_pattern=events.EventPattern(source=["parley"]),
            targets=[targets.SqsQueue(self.queue)],
            description="Every Parley event to the webhook dispatcher",
        )

    def alarms(self, monitoring: Monitoring) -> None:
        """Failed and dead deliveries alarm on the operators' topic; a dashboard row."""
        for name, metric, threshold, description in (
            (
                "WebhookDeliveriesDead",
                total("WebhookDeadLetters", "dead deliveries"),
                0,
                "A webhook delivery failed for 24 hours and is dead: `parley webhooks deliveries`",
            ),
            (
                "WebhookDeliveryFailures",
                total("WebhookDeliveryFailures", "failed attempts"),
                50,
                "More than 50 webhook delivery attempts failed in 5 minutes",
            ),
        ):
            monitoring.alarm(name, metric, threshold, description, scope=self)
        monitoring.dashboard.add_widgets(
            cw.GraphWidget(
                title="Webhooks",
                width=12,
                left=[
                    by_dimension("WebhookDeliveries", "deliveries"),
                    total("WebhookDeliveryFailures", "failed attempts"),
                ],
                period=PERIOD,
            ),
        )
