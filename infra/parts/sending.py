"""SES sending: the verified relay domain (Easy DKIM, custom MAIL FROM) and a configuration set."""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ses as ses
from constructs import Construct


class Sending(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, domains: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=f"{prefix}-relay",
            reputation_metrics=True,
            sending_enabled=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.identities = [
            ses.EmailIdentity(
                self,
                f"Identity{index}",
                identity=ses.Identity.domain(domain),
                configuration_set=self.configuration_set,
                mail_from_domain=f"bounce.{domain}",
                mail_from_behavior_on_mx_failure=ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
                dkim_signing=True,
            )
            for index, domain in enumerate(domains)
        ]

    def deliver_events_to(self, function: lambda_.IFunction) -> None:
        """Bounce, complaint, delivery and reject events reach the feedback function."""
        bus = events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
        self.configuration_set.add_event_destination(
            "ToEventBridge",
            destination=ses.EventDestination.event_bus(bus),
            events=[
                ses.EmailSendingEvent.BOUNCE,
                ses.EmailSendingEvent.COMPLAINT,
                ses.EmailSendingEvent.DELIVERY,
                ses.EmailSendingEvent.REJECT,
                ses.EmailSendingEvent.DELIVERY_DELAY,
            ],
        )
        events.Rule(
            self,
            "FeedbackRule",
            description="SES sending events of the relay's configuration set",
            event_pattern=events.EventPattern(
                source=["aws.ses"],
                detail={
                    "mail": {
                        "tags": {
                            "ses:configuration-set": [self.configuration_set.configuration_set_name]
                        }
                    }
                },
            ),
            targets=[events_targets.LambdaFunction(function, retry_attempts=4)],
        )
