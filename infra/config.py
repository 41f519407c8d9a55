"""The deployment's configuration: one context object, validated at synth, no AWS lookups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Regions where SES has long received mail. AWS adds receiving regions over time; a deployer
# who has checked a newer one lists it under "extraReceivingRegions".
SES_RECEIVING_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
_EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class ConfigError(ValueError):
    """The deployment context is incomplete or contradicts itself."""


@dataclass(frozen=True)
class DeploymentConfig:
    relay_domain: str
    region: str
    account: str | None = None
    prefix: str = "parley"
    marketplace_name: str = "Marketplace"
    default_locale: str = "en-US"
    notice_sender: str = ""
    alias_length: int = 35
    max_message_bytes: int = 10 * 1024 * 1024
    relay_max_concurrency: int = 5
    detailed_tracing: bool = False
    reminder_minutes: int = 5
    alarm_email: str | None = None
    marketplace: str = "default"
    bundle: bool = True
    extra_receiving_regions: tuple[str, ...] = field(default=())
    support_address: str = ""  # buyer mail for sellers with messaging off goes here
    user_pool_id: str | None = None  # the marketplace's Cognito user pool, else a new one
    api_rate_per_second: int = 50
    api_burst: int = 100

    @property
    def notice_address(self) -> str:
        return self.notice_sender or f"no-reply@{self.relay_domain}"

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> DeploymentConfig:
        def get(name: str, default: Any = None) -> Any:
            return context.get(name, default)

        domain = str(get("relayDomain", "")).strip().lower()
        if not _DOMAIN.match(domain):
            raise ConfigError(f"context relayDomain {domain!r} is not a domain name")
        region = str(get("region", "")).strip()
        if not region:
            raise ConfigError("context region is required (SES receiving is regional)")
        extra = tuple(get("extraReceivingRegions", ()) or ())
        if region not in SES_RECEIVING_REGIONS | set(extra):
            raise ConfigError(
                f"region {region} does not receive mail with SES; use one of "
                f"{', '.join(sorted(SES_RECEIVING_REGIONS))} (or list a newer receiving region "
                "under extraReceivingRegions)"
            )
        alias_length = int(get("aliasLength", 35))
        if alias_length - 1 - len(domain) < 12:
            raise ConfigError(f"aliasLength {alias_length} leaves fewer than 12 characters")
        reminder_minutes = int(get("reminderMinutes", 5))
        if not 1 <= reminder_minutes <= 60:
            raise ConfigError("reminderMinutes must be between 1 and 60")
        concurrency = int(get("relayMaxConcurrency", 5))
        if not 2 <= concurrency <= 1000:
            raise ConfigError("relayMaxConcurrency must be between 2 and 1000 (SQS mapping)")
        support = str(get("supportAddress", "")).strip().lower()
        if support and (not _EMAIL.match(support) or support.endswith("@" + domain)):
            raise ConfigError(f"supportAddress {support!r} must be a real mailbox outside {domain}")
        rate, burst = int(get("apiRatePerSecond", 50)), int(get("apiBurst", 100))
        if not (1 <= rate <= 10000 and rate <= burst <= 5000):
            raise ConfigError("apiRatePerSecond must be 1-10000 and apiBurst at least as large")
        return cls(
            relay_domain=domain,
            region=region,
            account=get("account"),
            prefix=str(get("prefix", "parley")),
            marketplace_name=str(get("marketplaceName", "Marketplace")),
            default_locale=str(get("defaultLocale", "en-US")),
            notice_sender=str(get("noticeSender", "")),
            alias_length=alias_length,
            max_message_bytes=int(get("maxMessageBytes", 10 * 1024 * 1024)),
            relay_max_concurrency=concurrency,
            detailed_tracing=str(get("detailedTracing", "false")).lower() == "true",
            reminder_minutes=reminder_minutes,
            alarm_email=get("alarmEmail"),
            marketplace=str(get("marketplace", "default")),
            bundle=str(get("bundle", "true")).lower() != "false",
            extra_receiving_regions=extra,
            support_address=support,
            user_pool_id=get("userPoolId"),
            api_rate_per_second=rate,
            api_burst=burst,
        )
