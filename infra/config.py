"""The deployment's configuration: one context object, validated at synth, no AWS lookups.

One stack serves one or more marketplaces. Each has its relay domain(s), policy section,
names and support mailbox, and its own tables, queues and functions; SES allows one active
receipt rule set per region, so the stack's single rule set holds a rule per relay domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from parley.core.retention import Retention, RetentionError
from parley.core.settings import REMOTE_IMAGE_MODES, SENDER_AUTHENTICATION_MODES

# Regions where SES has long received mail. AWS adds receiving regions over time; a deployer
# who has checked a newer one lists it under "extraReceivingRegions".
SES_RECEIVING_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
_EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$")
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$")
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")

# Settings a marketplace section may set; anything else there is a mistake worth reporting.
MARKETPLACE_KEYS = frozenset(
    {
        "marketplace",
        "relayDomain",
        "prefix",
        "marketplaceName",
        "defaultLocale",
        "noticeSender",
        "supportAddress",
        "aliasLength",
        "maxMessageBytes",
        "retention",
        "senderAuthentication",
        "remoteImages",
        "imageProxyDays",
        "imageProxyConcurrency",
        "displayName",
    }
)
# Stack-wide settings, read from the context.
STACK_KEYS = frozenset(
    {
        "region",
        "account",
        "relayMaxConcurrency",
        "detailedTracing",
        "bundle",
        "reminderMinutes",
        "alarmEmail",
        "extraReceivingRegions",
        "userPoolId",
        "apiClientIds",
        "apiRatePerSecond",
        "apiBurst",
        "apiAllowedOrigins",
        "kmsKeyArn",
        "marketplaces",
    }
)


class ConfigError(ValueError):
    """The deployment context is incomplete or contradicts itself."""


@dataclass(frozen=True)
class MarketplaceConfig:
    """One marketplace: its relay domain and everything its functions are told about it."""

    relay_domain: str
    marketplace: str = "default"  # the section of policy.json and deadlines that applies
    prefix: str = "parley"  # physical names: <prefix>-messages, <prefix>-filter, ...
    marketplace_name: str = "Marketplace"
    default_locale: str = "en-US"
    notice_sender: str = ""
    support_address: str = ""  # buyer mail for sellers with messaging off goes here
    alias_length: int = 35
    max_message_bytes: int = 10 * 1024 * 1024
    retention: Retention = field(default_factory=Retention)  # days per data class
    # strict: DMARC pass, or no DMARC record and aligned SPF/DKIM; dmarc-policy: also a DMARC
    # fail whose domain publishes p=none (issue #12)
    sender_authentication: str = "strict"
    remote_images: str = "strip"  # strip | keep | proxy: remote images in relayed HTML
    image_proxy_days: int = 30  # proxy: how long an image link in a relayed mail works
    # proxy: reserved concurrency of the public proxy function (0: none, for accounts whose
    # concurrency limit is still the default 10, where any reservation fails the deploy)
    image_proxy_concurrency: int = 20
    display_name: str = "full"  # full | first-name | none: how buyers' names are shown

    @property
    def notice_address(self) -> str:
        return self.notice_sender or f"no-reply@{self.relay_domain}"

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> MarketplaceConfig:
        unknown = sorted(set(section) - MARKETPLACE_KEYS)
        if unknown:
            raise ConfigError(f"unknown marketplace setting(s): {', '.join(unknown)}")
        domain = str(section.get("relayDomain", "")).strip().lower()
        if not _DOMAIN.match(domain):
            raise ConfigError(f"context relayDomain {domain!r} is not a domain name")
        key = str(section.get("marketplace", "default"))
        if not _KEY.match(key):
            raise ConfigError(f"marketplace {key!r} must be a short lowercase key like de")
        prefix = str(section.get("prefix", "parley"))
        if not _PREFIX.match(prefix):
            raise ConfigError(f"prefix {prefix!r} must be 2-31 of a-z, 0-9 and -")
        alias_length = int(section.get("aliasLength", 35))
        if alias_length - 1 - len(domain) < 12:
            raise ConfigError(f"aliasLength {alias_length} leaves fewer than 12 characters")
        authentication = str(section.get("senderAuthentication", "strict")).strip().lower()
        if authentication not in SENDER_AUTHENTICATION_MODES:
            raise ConfigError(
                f"senderAuthentication {authentication!r} must be one of "
                + ", ".join(SENDER_AUTHENTICATION_MODES)
            )
        support = str(section.get("supportAddress", "")).strip().lower()
        if support and (not _EMAIL.match(support) or support.endswith("@" + domain)):
            raise ConfigError(f"supportAddress {support!r} must be a real mailbox outside {domain}")
        raw_retention = section.get("retention")
        try:
            if isinstance(raw_retention, str):  # -c retention='{"messages": 400}'
                retention = Retention.from_json(raw_retention)
            elif raw_retention is None or isinstance(raw_retention, dict):
                retention = Retention.from_mapping(raw_retention)
            else:
                raise RetentionError("retention must be an object of days per data class")
        except RetentionError as exc:
            raise ConfigError(f"marketplace {key}: {exc}") from exc
        remote_images = str(section.get("remoteImages", "strip"))
        if remote_images not in REMOTE_IMAGE_MODES:
            raise ConfigError(f"remoteImages {remote_images!r} must be strip, keep or proxy")
        image_proxy_days = section.get("imageProxyDays", 30)
        if isinstance(image_proxy_days, bool) or not isinstance(image_proxy_days, int | str):
            raise ConfigError("imageProxyDays must be a number of days")
        if not str(image_proxy_days).isdigit() or not 1 <= int(image_proxy_days) <= 3650:
            raise ConfigError(f"imageProxyDays {image_proxy_days!r} must be 1 to 3650 days")
        if remote_images == "proxy" and int(image_proxy_days) > retention.image_cache:
            # a link still working after its cached image expired would reach the origin on view
            raise ConfigError(
                f"imageProxyDays {image_proxy_days} must not exceed retention image_cache "
                f"({retention.image_cache} days)"
            )
        concurrency = section.get("imageProxyConcurrency", 20)
        if isinstance(concurrency, bool) or not str(concurrency).isdigit():
            raise ConfigError("imageProxyConcurrency must be a whole number (0: not reserved)")
        if int(concurrency) > 1000:
            raise ConfigError(f"imageProxyConcurrency {concurrency!r} must be 0 to 1000")
        display_name = str(section.get("displayName", "full"))
        if display_name not in {"full", "first-name", "none"}:
            raise ConfigError(f"displayName {display_name!r} must be full, first-name or none")
        return cls(
            relay_domain=domain,
            remote_images=remote_images,
            image_proxy_days=int(image_proxy_days),
            image_proxy_concurrency=int(concurrency),
            display_name=display_name,
            marketplace=key,
            prefix=prefix,
            marketplace_name=str(section.get("marketplaceName", "Marketplace")),
            default_locale=str(section.get("defaultLocale", "en-US")),
            notice_sender=str(section.get("noticeSender", "")),
            support_address=support,
            alias_length=alias_length,
            max_message_bytes=int(section.get("maxMessageBytes", 10 * 1024 * 1024)),
            retention=retention,
            sender_authentication=authentication,
        )


@dataclass(frozen=True)
class DeploymentConfig:
    marketplaces: tuple[MarketplaceConfig, ...]
    region: str
    account: str | None = None
    relay_max_concurrency: int = 5
    detailed_tracing: bool = False
    reminder_minutes: int = 5
    alarm_email: str | None = None
    bundle: bool = True
    extra_receiving_regions: tuple[str, ...] = field(default=())
    user_pool_id: str | None = None  # the marketplace's Cognito user pool, else a new one
    api_client_ids: tuple[str, ...] = ()  # with userPoolId: the app clients the API accepts
    api_rate_per_second: int = 50
    api_burst: int = 100
    api_allowed_origins: tuple[str, ...] = ()  # browser apps that call the API (CORS)
    kms_key_arn: str | None = None  # customer-managed key for data at rest; else AWS's keys

    @property
    def primary(self) -> MarketplaceConfig:
        return self.marketplaces[0]

    # The first marketplace's values, for a single-marketplace deployment's readers.
    @property
    def relay_domain(self) -> str:
        return self.primary.relay_domain

    @property
    def prefix(self) -> str:
        return self.primary.prefix

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> DeploymentConfig:
        def get(name: str, default: Any = None) -> Any:
            return context.get(name, default)

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
        marketplaces = _marketplaces(context)
        reminder_minutes = int(get("reminderMinutes", 5))
        if not 1 <= reminder_minutes <= 60:
            raise ConfigError("reminderMinutes must be between 1 and 60")
        concurrency = int(get("relayMaxConcurrency", 5))
        if not 2 <= concurrency <= 1000:
            raise ConfigError("relayMaxConcurrency must be between 2 and 1000 (SQS mapping)")
        rate, burst = int(get("apiRatePerSecond", 50)), int(get("apiBurst", 100))
        if not (1 <= rate <= 10000 and rate <= burst <= 5000):
            raise ConfigError("apiRatePerSecond must be 1-10000 and apiBurst at least as large")
        client_ids = tuple(str(c) for c in get("apiClientIds", ()) or ())
        if get("userPoolId") and not client_ids:
            raise ConfigError(
                "userPoolId needs apiClientIds: the app clients of that pool whose tokens the "
                "API accepts (and which must not be able to write custom:party)"
            )
        origins = tuple(get("apiAllowedOrigins", ()) or ())
        for origin in origins:
            if not _ORIGIN.match(str(origin)):
                raise ConfigError(
                    f"apiAllowedOrigins: {origin!r} is not an origin like https://a.b"
                )
        kms_key_arn = str(get("kmsKeyArn", "") or "").strip() or None
        if kms_key_arn and not _KMS_KEY_ARN.match(kms_key_arn):
            raise ConfigError(
                f"kmsKeyArn {kms_key_arn!r} must be a key ARN like "
                "arn:aws:kms:eu-west-1:111111111111:key/<key id> (not an alias)"
            )
        return cls(
            marketplaces=marketplaces,
            region=region,
            account=get("account"),
            relay_max_concurrency=concurrency,
            detailed_tracing=str(get("detailedTracing", "false")).lower() == "true",
            reminder_minutes=reminder_minutes,
            alarm_email=get("alarmEmail"),
            bundle=str(get("bundle", "true")).lower() != "false",
            extra_receiving_regions=extra,
            user_pool_id=get("userPoolId"),
            api_client_ids=client_ids,
            api_rate_per_second=rate,
            api_burst=burst,
            api_allowed_origins=origins,
            kms_key_arn=kms_key_arn,
        )


def _marketplaces(context: dict[str, Any]) -> tuple[MarketplaceConfig, ...]:
    """`marketplaces: [{...}, ...]`, each inheriting the top-level values it does not set;
    without that list, the top-level values describe the one marketplace."""
    shared = {k: v for k, v in context.items() if k in MARKETPLACE_KEYS}
    sections = context.get("marketplaces")
    if sections is None:
        return (MarketplaceConfig.from_section(shared),)
    if not isinstance(sections, list) or not sections:
        raise ConfigError("marketplaces must be a non-empty list of marketplace sections")
    found = []
    for position, section in enumerate(sections):
        if not isinstance(section, dict):
            raise ConfigError(f"marketplaces[{position}] must be an object")
        merged = {**{k: v for k, v in shared.items() if k != "relayDomain"}, **section}
        if position > 0 and "prefix" not in section:
            merged["prefix"] = f"{merged.get('prefix', 'parley')}-{merged.get('marketplace')}"
        found.append(MarketplaceConfig.from_section(merged))
    for label, values in (
        ("relayDomain", [m.relay_domain for m in found]),
        ("prefix", [m.prefix for m in found]),
        ("marketplace", [m.marketplace for m in found]),
    ):
        if len(set(values)) != len(values):
            raise ConfigError(f"each marketplace needs its own {label}: {values}")
    return tuple(found)
