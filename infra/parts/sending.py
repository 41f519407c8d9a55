"""SES sending: the verified relay domain (Easy DKIM, custom MAIL FROM) and a configuration set."""

from __future__ import annotations

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
