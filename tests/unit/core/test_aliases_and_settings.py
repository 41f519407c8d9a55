from __future__ import annotations

import pytest

from parley.core.settings import SettingsError, settings_from_env
from parley.directory.aliases import entropy_bits, new_alias

BASE = {
    "PARLEY_RELAY_DOMAIN": "marketplace.example",
    "PARLEY_BUCKET": "b",
    "PARLEY_FILTER_QUEUE_URL": "q1",
    "PARLEY_RELAY_QUEUE_URL": "q2",
    "PARLEY_PARTIES_TABLE": "t1",
    "PARLEY_PAIRS_TABLE": "t2",
    "PARLEY_ALIASES_TABLE": "t3",
    "PARLEY_ORDERS_TABLE": "t4",
    "PARLEY_MESSAGES_TABLE": "t5",
    "PARLEY_THREAD_IDS_TABLE": "t6",
    "PARLEY_CLOCKS_TABLE": "t7",
    "PARLEY_TEMPLATES_TABLE": "t8",
    "PARLEY_COUNTERS_TABLE": "t9",
}


def test_default_alias_is_35_characters_with_at_least_60_bits() -> None:
    settings = settings_from_env(BASE)
    aliases = {new_alias(settings) for _ in range(2000)}
    assert len(aliases) == 2000
    assert {len(a) for a in aliases} == {35}
    assert entropy_bits(settings) >= 60


def test_alias_length_follows_the_domain() -> None:
    settings = settings_from_env(
        BASE | {"PARLEY_RELAY_DOMAIN": "m.example", "PARLEY_ALIAS_LENGTH": "30"}
    )
    alias = new_alias(settings)
    assert len(alias) == 30 and alias.endswith("@m.example")


def test_a_domain_too_long_for_a_12_character_alias_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 12"):
        settings_from_env(BASE | {"PARLEY_RELAY_DOMAIN": "a-very-long-marketplace-domain.example"})


def test_a_missing_setting_names_itself() -> None:
    env = dict(BASE)
    del env["PARLEY_BUCKET"]
    with pytest.raises(SettingsError, match="PARLEY_BUCKET"):
        settings_from_env(env)


def test_ses_message_id_domain_follows_the_region() -> None:
    assert settings_from_env(BASE | {"AWS_REGION": "us-east-1"}).outbound_message_id_domain == (
        "email.amazonses.com"
    )
    assert settings_from_env(BASE | {"AWS_REGION": "eu-west-1"}).outbound_message_id_domain == (
        "eu-west-1.amazonses.com"
    )


def test_remote_images_proxy_needs_its_url_and_secret() -> None:
    proxy = BASE | {"PARLEY_REMOTE_IMAGES": "proxy"}
    with pytest.raises(SettingsError, match="PARLEY_IMAGE_PROXY_URL"):
        settings_from_env(proxy)
    with pytest.raises(SettingsError, match="PARLEY_IMAGE_PROXY_URL"):
        settings_from_env(proxy | {"PARLEY_IMAGE_PROXY_URL": "https://img.example/"})
    with pytest.raises(SettingsError, match="PARLEY_IMAGE_PROXY_URL"):  # plain http: only local
        settings_from_env(
            proxy
            | {"PARLEY_IMAGE_PROXY_URL": "http://img.example/", "PARLEY_IMAGE_PROXY_SECRET": "s"}
        )
    settings = settings_from_env(
        proxy
        | {
            "PARLEY_IMAGE_PROXY_URL": "https://abc.lambda-url.eu-west-1.on.aws/",
            "PARLEY_IMAGE_PROXY_SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:k",
            "PARLEY_IMAGE_PROXY_DAYS": "7",
        }
    )
    assert settings.remote_images == "proxy" and settings.image_proxy_days == 7
    with pytest.raises(SettingsError, match="strip, keep or proxy"):
        settings_from_env(BASE | {"PARLEY_REMOTE_IMAGES": "fetch"})


def test_dynamodb_may_have_its_own_endpoint() -> None:
    both = BASE | {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1000",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:2000",
    }
    settings = settings_from_env(both)
    assert settings.endpoint_for("dynamodb") == "http://127.0.0.1:2000"
    assert settings.endpoint_for("s3") == "http://127.0.0.1:1000"
    assert settings.endpoint_for("sqs") == "http://127.0.0.1:1000"
    one = settings_from_env(BASE | {"AWS_ENDPOINT_URL": "http://127.0.0.1:1000"})
    assert one.endpoint_for("dynamodb") == "http://127.0.0.1:1000"
    assert settings_from_env(BASE).endpoint_for("dynamodb") is None  # AWS's own
