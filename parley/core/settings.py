"""Deployment settings, read from the environment on first use (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from parley.core.retention import Retention, RetentionError

MIN_ALIAS_LOCAL_LENGTH = 12
SENDER_AUTHENTICATION_MODES = ("strict", "dmarc-policy")
REMOTE_IMAGE_MODES = ("strip", "keep", "proxy")
# Raw mail of strangers carries this S3 tag; the bucket's lifecycle expires it with the
# quarantine (Retention.quarantine days) instead of the messages' retention.
SHORT_RETENTION_TAG = ("parley-retention", "short")


class SettingsError(ValueError):
    """A deployment setting is missing or invalid."""


@dataclass(frozen=True)
class Settings:
    region: str
    relay_domain: str
    bucket: str
    filter_queue_url: str
    relay_queue_url: str
    parties_table: str
    pairs_table: str
    aliases_table: str
    orders_table: str
    messages_table: str
    thread_ids_table: str
    clocks_table: str
    notice_sender: str
    templates_table: str = "parley-templates"
    counters_table: str = "parley-counters"
    webhooks_table: str = "parley-webhooks"
    webhook_deliveries_table: str = "parley-webhook-deliveries"
    event_bus: str = ""  # the custom EventBridge bus the stages publish on ("": no events)
    webhook_queue_url: str = ""  # the dispatcher's queue (events from the bus, wake-ups)
    webhook_backoff_seconds: float = 30.0  # first retry delay; doubles up to an hour
    webhook_retry_hours: float = 24.0  # then the delivery is dead (visible, redrivable)
    webhooks_allow_loopback: bool = False  # only `parley dev`: http://127.0.0.1 endpoints
    alias_hourly_limit: int = 30  # messages one sender may send through one alias per hour
    notice_hourly_limit: int = 10  # notices one address may get per hour (0: no limit)
    ingest_dlq_url: str = ""  # where events ingest gave up on are parked
    api_allowed_origins: tuple[str, ...] = ()  # browser origins allowed to call the API
    # App clients whose tokens the API accepts (aud / client_id claim); empty: the stack's own
    # pool decides (the local stack's issuer checks its audience itself)
    api_client_ids: tuple[str, ...] = ()
    support_address: str = ""  # buyer mail for a seller with messaging off goes here
    marketplace_name: str = "Marketplace"
    default_locale: str = "en-US"
    marketplace: str = "default"  # which section of the policy configuration applies
    remote_images: str = "strip"  # strip: remote images and CSS beacons leave relayed HTML
    # proxy: remote images point at this URL + a signed token (the image proxy's address)
    image_proxy_url: str = ""
    # The secret (Secrets Manager id or ARN) holding the key that signs image proxy tokens;
    # read on first use by the relay (signing) and the proxy (checking).
    image_proxy_secret: str = ""
    image_proxy_days: int = 30  # how long a proxied image URL in a relayed mail works
    # How the relay has the proxy fetch a sent copy's images at once: "lambda:<function>",
    # "http" (parley dev) or "" (no warm-up: views never fetch)
    image_proxy_warm: str = ""
    display_name: str = "full"  # how buyers' names are shown: full, first-name or none
    raw_prefix: str = "raw/"
    alias_length: int = 35
    max_message_bytes: int = 10 * 1024 * 1024
    max_receive_count: int = 5
    configuration_set: str | None = None
    ses_message_id_domain: str = ""
    # Real SES replaces the Message-ID of what it sends; the local emulation does not.
    ses_rewrites_message_id: bool = True
    endpoint_url: str | None = None
    # DynamoDB's own endpoint when it differs (AWS_ENDPOINT_URL_DYNAMODB, botocore's name):
    # `parley dev` serves it from a second moto process
    dynamodb_endpoint_url: str | None = None
    retention: Retention = field(default_factory=Retention)  # days per data class
    # Who counts as authenticated (issue #12): "strict" (DMARC pass, or no DMARC record and an
    # aligned SPF or DKIM pass) or "dmarc-policy" (also a DMARC fail under p=none).
    sender_authentication: str = "strict"
    dns_zone_file: str = ""  # a static zone for DKIM key look-ups (the local stack, tests)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def alias_local_length(self) -> int:
        return self.alias_length - 1 - len(self.relay_domain)

    @property
    def outbound_message_id_domain(self) -> str:
        """The domain of the Message-ID that SES assigns to what it sends."""
        if self.ses_message_id_domain:
            return self.ses_message_id_domain
        if self.region == "us-east-1":
            return "email.amazonses.com"
        return f"{self.region}.amazonses.com"

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint a client of this service talks to (None: AWS's own)."""
        if service == "dynamodb" and self.dynamodb_endpoint_url:
            return self.dynamodb_endpoint_url
        return self.endpoint_url

    def validate(self) -> Settings:
        if self.alias_local_length < MIN_ALIAS_LOCAL_LENGTH:
            raise SettingsError(
                f"PARLEY_ALIAS_LENGTH={self.alias_length} leaves {self.alias_local_length} "
                f"characters for the alias before @{self.relay_domain}; at least "
                f"{MIN_ALIAS_LOCAL_LENGTH} are needed"
            )
        if self.notice_hourly_limit < 0:
            raise SettingsError("PARLEY_NOTICE_HOURLY_LIMIT must be 0 (no limit) or more")
        if self.alias_hourly_limit < 0:
            raise SettingsError("PARLEY_ALIAS_HOURLY_LIMIT must be 0 (no limit) or more")
        if self.sender_authentication not in SENDER_AUTHENTICATION_MODES:
            raise SettingsError(
                f"PARLEY_SENDER_AUTHENTICATION={self.sender_authentication!r} must be one of "
                + ", ".join(SENDER_AUTHENTICATION_MODES)
            )
        if self.max_message_bytes <= 0:
            raise SettingsError("PARLEY_MAX_MESSAGE_BYTES must be positive")
        if self.remote_images not in REMOTE_IMAGE_MODES:
            raise SettingsError("PARLEY_REMOTE_IMAGES must be strip, keep or proxy")
        if self.remote_images == "proxy" and not (
            self.image_proxy_url.startswith(("https://", "http://127.0.0.1:"))
            and self.image_proxy_secret
        ):
            raise SettingsError(
                "PARLEY_REMOTE_IMAGES=proxy needs PARLEY_IMAGE_PROXY_URL (https://…) and "
                "PARLEY_IMAGE_PROXY_SECRET"
            )
        if self.image_proxy_days <= 0:
            raise SettingsError("PARLEY_IMAGE_PROXY_DAYS must be positive")
        if self.display_name not in {"full", "first-name", "none"}:
            raise SettingsError("PARLEY_DISPLAY_NAME must be full, first-name or none")
        return self


def _require(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is not set")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not an integer") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a number") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive")
    return value


def settings_from_env(env: Mapping[str, str]) -> Settings:
    domain = _require(env, "PARLEY_RELAY_DOMAIN").lower()
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-1",
        relay_domain=domain,
        bucket=_require(env, "PARLEY_BUCKET"),
        filter_queue_url=_require(env, "PARLEY_FILTER_QUEUE_URL"),
        relay_queue_url=_require(env, "PARLEY_RELAY_QUEUE_URL"),
        parties_table=_require(env, "PARLEY_PARTIES_TABLE"),
        pairs_table=_require(env, "PARLEY_PAIRS_TABLE"),
        aliases_table=_require(env, "PARLEY_ALIASES_TABLE"),
        orders_table=_require(env, "PARLEY_ORDERS_TABLE"),
        messages_table=_require(env, "PARLEY_MESSAGES_TABLE"),
        thread_ids_table=_require(env, "PARLEY_THREAD_IDS_TABLE"),
        clocks_table=_require(env, "PARLEY_CLOCKS_TABLE"),
        templates_table=_require(env, "PARLEY_TEMPLATES_TABLE"),
        counters_table=_require(env, "PARLEY_COUNTERS_TABLE"),
        webhooks_table=env.get("PARLEY_WEBHOOKS_TABLE") or "parley-webhooks",
        webhook_deliveries_table=env.get("PARLEY_WEBHOOK_DELIVERIES_TABLE")
        or "parley-webhook-deliveries",
        event_bus=env.get("PARLEY_EVENT_BUS", ""),
        webhook_queue_url=env.get("PARLEY_WEBHOOK_QUEUE_URL", ""),
        webhook_backoff_seconds=_float(env, "PARLEY_WEBHOOK_BACKOFF_SECONDS", 30.0),
        webhook_retry_hours=_float(env, "PARLEY_WEBHOOK_RETRY_HOURS", 24.0),
        webhooks_allow_loopback=env.get("PARLEY_WEBHOOKS_ALLOW_LOOPBACK", "").lower() == "true",
        alias_hourly_limit=_int(env, "PARLEY_ALIAS_HOURLY_LIMIT", 30),
        notice_hourly_limit=_int(env, "PARLEY_NOTICE_HOURLY_LIMIT", 10),
        ingest_dlq_url=env.get("PARLEY_INGEST_DLQ_URL", ""),
        api_allowed_origins=tuple(
            o.strip() for o in env.get("PARLEY_API_ALLOWED_ORIGINS", "").split(",") if o.strip()
        ),
        api_client_ids=tuple(
            c.strip() for c in env.get("PARLEY_API_CLIENT_IDS", "").split(",") if c.strip()
        ),
        notice_sender=env.get("PARLEY_NOTICE_SENDER") or f"no-reply@{domain}",
        support_address=env.get("PARLEY_SUPPORT_ADDRESS", "").strip().lower(),
        marketplace_name=env.get("PARLEY_MARKETPLACE_NAME") or "Marketplace",
        default_locale=env.get("PARLEY_DEFAULT_LOCALE") or "en-US",
        marketplace=env.get("PARLEY_MARKETPLACE") or "default",
        remote_images=(env.get("PARLEY_REMOTE_IMAGES") or "strip").strip().lower(),
        image_proxy_url=env.get("PARLEY_IMAGE_PROXY_URL", "").strip(),
        image_proxy_secret=env.get("PARLEY_IMAGE_PROXY_SECRET", "").strip(),
        image_proxy_days=_int(env, "PARLEY_IMAGE_PROXY_DAYS", 30),
        image_proxy_warm=env.get("PARLEY_IMAGE_PROXY_WARM", "").strip(),
        display_name=(env.get("PARLEY_DISPLAY_NAME") or "full").strip().lower(),
        raw_prefix=env.get("PARLEY_RAW_PREFIX", "raw/"),
        alias_length=_int(env, "PARLEY_ALIAS_LENGTH", 35),
        max_message_bytes=_int(env, "PARLEY_MAX_MESSAGE_BYTES", 10 * 1024 * 1024),
        max_receive_count=_int(env, "PARLEY_MAX_RECEIVE_COUNT", 5),
        configuration_set=env.get("PARLEY_CONFIGURATION_SET") or None,
        ses_message_id_domain=env.get("PARLEY_SES_MESSAGE_ID_DOMAIN", ""),
        ses_rewrites_message_id=env.get("PARLEY_SES_REWRITES_MESSAGE_ID", "true").lower()
        not in {"false", "0", "no"},
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        dynamodb_endpoint_url=env.get("AWS_ENDPOINT_URL_DYNAMODB") or None,
        retention=_retention(env),
        sender_authentication=(env.get("PARLEY_SENDER_AUTHENTICATION") or "strict").lower(),
        dns_zone_file=env.get("PARLEY_DNS_ZONE_FILE", ""),
    ).validate()


def _retention(env: Mapping[str, str]) -> Retention:
    try:
        return Retention.from_json(env.get("PARLEY_RETENTION", ""))
    except RetentionError as exc:
        raise SettingsError(f"PARLEY_RETENTION: {exc}") from exc


def resource_names(prefix: str) -> dict[str, str]:
    """The physical names that both the CDK stack and the local stack give the resources."""
    return {
        "PARLEY_PARTIES_TABLE": f"{prefix}-parties",
        "PARLEY_PAIRS_TABLE": f"{prefix}-pairs",
        "PARLEY_ALIASES_TABLE": f"{prefix}-aliases",
        "PARLEY_ORDERS_TABLE": f"{prefix}-orders",
        "PARLEY_MESSAGES_TABLE": f"{prefix}-messages",
        "PARLEY_THREAD_IDS_TABLE": f"{prefix}-thread-ids",
        "PARLEY_CLOCKS_TABLE": f"{prefix}-clocks",
        "PARLEY_TEMPLATES_TABLE": f"{prefix}-templates",
        "PARLEY_COUNTERS_TABLE": f"{prefix}-counters",
        "PARLEY_WEBHOOKS_TABLE": f"{prefix}-webhooks",
        "PARLEY_WEBHOOK_DELIVERIES_TABLE": f"{prefix}-webhook-deliveries",
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once on first use."""
    return settings_from_env(os.environ)
