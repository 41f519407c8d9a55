"""The Parley stack: per marketplace storage, pipeline, sending, API; one inbound rule set."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DeploymentConfig, MarketplaceConfig
from infra.nag import acknowledge_findings
from infra.parts.api import MessageCenterApi
from infra.parts.events import EventBus
from infra.parts.functions import LOG_RETENTION, FunctionFactory
from infra.parts.images import ImageProxy
from infra.parts.inbound import Inbound, InboundRoute
from infra.parts.monitoring import Monitoring
from infra.parts.pipeline import MAX_RECEIVE_COUNT, consume, queue_encryption, stage_queue
from infra.parts.reminders import ReminderSchedule
from infra.parts.sending import Sending
from infra.parts.storage import Storage
from infra.parts.web import WebFrontEnd
from infra.sizing import PIPELINE_MEMORY_MB
from parley.adapters import keys

RAW_PREFIX = keys.RAW
API_ID_PREFIX = "api-"  # ids of messages written through the message center (SES: none)
FUNCTION_TIMEOUT_S = 60


class ParleyStack(Stack):
    """One marketplace per `Marketplace` construct, one receipt rule set for all of them."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        asset_dir: Path | None,
        web_dist: Path | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # Data at rest: the deployer's customer-managed key when given (its key policy must
        # let SES and CloudWatch Logs use it: see the README), else AWS-managed keys.
        key = (
            kms.Key.from_key_arn(self, "DataKey", config.kms_key_arn)
            if config.kms_key_arn
            else None
        )
        self.marketplaces = [
            Marketplace(
                self,
                "".join(w.title() for w in market.marketplace.replace("-", "_").split("_")),
                config=config,
                market=market,
                asset_dir=asset_dir,
                key=key,
                web_dist=web_dist,
            )
            for market in config.marketplaces
        ]
        self.inbound = Inbound(
            self,
            "Inbound",
            prefix=config.prefix,
            log_retention=LOG_RETENTION[config.primary.retention.logs],
            key=key,
            routes=[
                InboundRoute(m.market.relay_domain, m.bucket, RAW_PREFIX, m.functions["ingest"])
                for m in self.marketplaces
            ],
        )
        for m in self.marketplaces:
            acknowledge_findings(
                self,
                storage=m.storage,
                reminders=m.functions["reminders"],
                ingest_failures=m.functions["ingest_failures"],
            )
        CfnOutput(
            self,
            "MxRecord",
            value=f"10 inbound-smtp.{config.region}.amazonaws.com",
            description="MX record for " + ", ".join(m.relay_domain for m in config.marketplaces),
        )


class Marketplace(Construct):
    """Everything one marketplace runs on: its tables, bucket, queues, functions, API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        market: MarketplaceConfig,
        asset_dir: Path | None,
        key: kms.IKey | None = None,
        web_dist: Path | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.market = market
        self.key = key
        domains = [market.relay_domain]
        storage = self.storage = Storage(
            self, "Storage", prefix=market.prefix, retention=market.retention, key=key
        )
        sending = Sending(self, "Sending", prefix=market.prefix, domains=domains)
        filter_queue, filter_dlq = stage_queue(self, "Filter", FUNCTION_TIMEOUT_S, key)
        relay_queue, relay_dlq = stage_queue(self, "Relay", FUNCTION_TIMEOUT_S, key)
        events = self.events = EventBus(
            self, "Events", prefix=market.prefix, function_timeout_s=FUNCTION_TIMEOUT_S, key=key
        )
        self.dead_letter_queues = {
            "filter": filter_dlq,
            "relay": relay_dlq,
            "webhooks": events.dead_letters,
        }

        tables = storage.tables
        environment = {
            "PARLEY_RELAY_DOMAIN": market.relay_domain,
            "PARLEY_BUCKET": storage.bucket.bucket_name,
            "PARLEY_RAW_PREFIX": RAW_PREFIX,
            "PARLEY_FILTER_QUEUE_URL": filter_queue.queue_url,
            "PARLEY_RELAY_QUEUE_URL": relay_queue.queue_url,
            "PARLEY_NOTICE_SENDER": market.notice_address,
            "PARLEY_MARKETPLACE_NAME": market.marketplace_name,
            "PARLEY_DEFAULT_LOCALE": market.default_locale,
            "PARLEY_ALIAS_LENGTH": str(market.alias_length),
            "PARLEY_MAX_MESSAGE_BYTES": str(market.max_message_bytes),
            "PARLEY_MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
            "PARLEY_CONFIGURATION_SET": sending.configuration_set.configuration_set_name,
            "PARLEY_MARKETPLACE": market.marketplace,
            "PARLEY_SUPPORT_ADDRESS": market.support_address,
            # TTL values written by the code come from the same table as the lifecycle rules.
            "PARLEY_RETENTION": market.retention.to_json(),
            "PARLEY_SENDER_AUTHENTICATION": market.sender_authentication,
            "PARLEY_EVENT_BUS": events.bus.event_bus_name,
            "PARLEY_WEBHOOK_QUEUE_URL": events.queue.queue_url,
            "PARLEY_REMOTE_IMAGES": market.remote_images,
            "PARLEY_DISPLAY_NAME": market.display_name,
            **{f"PARLEY_{name.upper()}": table.table_name for name, table in tables.items()},
        }
        factory = FunctionFactory(
            self,
            config,
            environment,
            asset_dir,
            log_retention=LOG_RETENTION[market.retention.logs],
            key=key,
        )
        memory = PIPELINE_MEMORY_MB
        ingest = factory.make("ingest", timeout_s=FUNCTION_TIMEOUT_S, memory_mb=memory["ingest"])
        filter_fn = factory.make("filter", timeout_s=FUNCTION_TIMEOUT_S, memory_mb=memory["filter"])
        relay = factory.make("relay", timeout_s=FUNCTION_TIMEOUT_S, memory_mb=memory["relay"])
        reminders = factory.make("reminders", timeout_s=300, memory_mb=512)
        self.functions = {
            "ingest": ingest,
            "filter": filter_fn,
            "relay": relay,
            "reminders": reminders,
        }
        ReminderSchedule(
            self, "Reminders", function=reminders, every_minutes=config.reminder_minutes
        )
        feedback = factory.make("feedback", timeout_s=60, memory_mb=512)
        self.functions["feedback"] = feedback
        sending.deliver_events_to(feedback)

        # Ingest is invoked asynchronously by SES: Lambda retries twice, then parks the event.
        self.ingest_dlq = sqs.Queue(
            self,
            "IngestDeadLetters",
            **queue_encryption(key),
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        # ...then a recorder marks its messages dead-lettered and parks the event there.
        ingest_failures = factory.make(
            "ingest_failures",
            timeout_s=60,
            memory_mb=512,
            extra_env={"PARLEY_INGEST_DLQ_URL": self.ingest_dlq.queue_url},
        )
        self.functions["ingest_failures"] = ingest_failures
        ingest.configure_async_invoke(
            retry_attempts=2, on_failure=destinations.LambdaDestination(ingest_failures)
        )
        ingest_failures.configure_async_invoke(
            retry_attempts=2, on_failure=destinations.SqsDestination(self.ingest_dlq)
        )
        self.ingest_dlq.grant_send_messages(ingest_failures)
        consume(filter_fn, filter_queue, max_concurrency=10)
        dispatcher = self._dispatcher(factory, storage, events)
        consume(relay, relay_queue, max_concurrency=config.relay_max_concurrency)

        bucket = storage.bucket
        if market.remote_images == "proxy":
            images = ImageProxy(
                self,
                "ImageProxy",
                factory=factory,
                bucket=bucket,
                relay=relay,
                days=market.image_proxy_days,
                concurrency=market.image_proxy_concurrency,
                key=key,
            )
            self.functions["image_proxy"] = images.function
            CfnOutput(self, "ImageProxyUrl", value=images.url.url)

        def objects(function: lambda_.Function, actions: list[str], *prefixes: str) -> None:
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=actions, resources=[bucket.arn_for_objects(f"{p}*") for p in prefixes]
                )
            )

        objects(ingest, ["s3:GetObject"], RAW_PREFIX)
        objects(ingest, ["s3:PutObjectTagging"], RAW_PREFIX)  # strangers' mail: short retention
        objects(ingest, ["s3:PutObject"], keys.MESSAGES)
        objects(filter_fn, ["s3:GetObject"], RAW_PREFIX, keys.MESSAGES)
        objects(filter_fn, ["s3:PutObject"], keys.MESSAGES)
        objects(relay, ["s3:GetObject"], RAW_PREFIX, keys.MESSAGES)
        for name in ("aliases_table", "pairs_table", "parties_table", "orders_table"):
            tables[name].grant_read_data(ingest)
        tables["counters_table"].grant_read_write_data(ingest)  # per-alias rate limits
        # Every function that may send a notice counts it (per-address notice limit).
        for fn in (filter_fn, relay):
            tables["counters_table"].grant_read_write_data(fn)
        for fn in (filter_fn, relay):
            tables["pairs_table"].grant_read_data(fn)
            tables["parties_table"].grant_read_data(fn)
        tables["thread_ids_table"].grant_read_data(filter_fn)
        tables["thread_ids_table"].grant_read_write_data(relay)
        # Response clocks: relay starts and stops them (on the order), filter stops them for
        # "[No response needed]" and counts review requests and sanitized critical messages.
        for fn in (filter_fn, relay):
            tables["clocks_table"].grant_read_write_data(fn)
            tables["orders_table"].grant_read_write_data(fn)
        tables["parties_table"].grant_read_write_data(filter_fn)
        tables["clocks_table"].grant_read_write_data(reminders)
        tables["pairs_table"].grant_read_data(reminders)
        tables["parties_table"].grant_read_data(reminders)
        for fn in (ingest, filter_fn, relay, ingest_failures):
            tables["messages_table"].grant_read_write_data(fn)
        # Notices come from the notice address; only the relay writes as an alias.
        for fn in (ingest, filter_fn, reminders, feedback):
            self._allow_sending(fn, sending, domains, [market.notice_address])
        self._allow_sending(
            relay, sending, domains, [f"*@{d}" for d in domains] + [market.notice_address]
        )
        filter_queue.grant_send_messages(ingest)
        relay_queue.grant_send_messages(filter_fn)

        # The away reply: relay hands the seller's automatic answer to ingest, as the API does.
        objects(relay, ["s3:PutObject"], RAW_PREFIX, keys.MESSAGES)
        for name in ("aliases_table", "counters_table"):
            tables[name].grant_read_write_data(relay)
        filter_queue.grant_send_messages(relay)

        # The web message center: its origin may call the API and post uploads to the bucket.
        self.web = WebFrontEnd(
            self,
            "Web",
            prefix=market.prefix,
            access_log_days=market.retention.access_logs,
            log_retention=LOG_RETENTION[market.retention.logs],
            log_key=key,
        )
        api_fn = self._message_center(
            factory, config, market, storage, filter_queue, sending, domains, self.web.origin
        )
        self.web_client = self.web.connect(
            user_pool=self.api.user_pool, api_url=self.api.rest_api.url, dist=web_dist
        )
        # Tokens count only from these app clients: the stack's own (API, web pages) and, with
        # the marketplace's pool, the ones it lists in apiClientIds.
        api_fn.add_environment(
            "PARLEY_API_CLIENT_IDS",
            Fn.join(
                ",",
                [
                    *config.api_client_ids,
                    self.api.client.user_pool_client_id,
                    self.web_client.user_pool_client_id,
                ],
            ),
        )
        storage.bucket.add_cors_rule(
            allowed_methods=[s3.HttpMethods.POST],
            allowed_origins=[self.web.origin],
            allowed_headers=["*"],
            max_age=600,
        )
        tables["webhooks_table"].grant_read_write_data(api_fn)
        tables["webhook_deliveries_table"].grant_read_write_data(api_fn)
        for fn in (ingest, filter_fn, relay, reminders, feedback, api_fn):
            events.bus.grant_put_events_to(fn)
        if key is not None:  # objects are written and read under the bucket's default key
            for function in (*self.functions.values(), api_fn, dispatcher):
                function.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]
                    )
                )
        tables["messages_table"].grant_read_write_data(feedback)
        tables["counters_table"].grant_read_write_data(feedback)  # notice limit
        for name in ("pairs_table", "parties_table"):
            tables[name].grant_read_write_data(feedback)
        self.bucket = bucket
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            prefix=market.prefix,
            functions={**self.functions, "api": api_fn, "dispatcher": dispatcher},
            dead_letter_queues={**self.dead_letter_queues, "ingest": self.ingest_dlq},
            alarm_email=config.alarm_email,
            api=self.api.rest_api,
        )
        events.alarms(self.monitoring)
        CfnOutput(self, "MailBucket", value=bucket.bucket_name)
        CfnOutput(self, "EventBus", value=events.bus.event_bus_name)
        CfnOutput(self, "MessageCenterUrl", value=self.api.rest_api.url)
        CfnOutput(self, "UserPoolId", value=self.api.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.api.client.user_pool_client_id)
        CfnOutput(self, "WebUrl", value=self.web.url, description="The message center's pages")
        CfnOutput(
            self,
            "WebSignInDomain",
            value=self.web.cognito_domain,
            description="Cognito Hosted UI the pages sign in with (code flow + PKCE)",
        )
        CfnOutput(self, "WebClientId", value=self.web_client.user_pool_client_id)

    def _dispatcher(
        self, factory: FunctionFactory, storage: Storage, events: EventBus
    ) -> lambda_.Function:
        """Webhook deliveries: reads the endpoints, signs and posts, records every attempt."""
        dispatcher = factory.make("dispatcher", timeout_s=FUNCTION_TIMEOUT_S, memory_mb=512)
        storage.tables["webhooks_table"].grant_read_data(dispatcher)
        storage.tables["webhook_deliveries_table"].grant_read_write_data(dispatcher)
        events.queue.grant_send_messages(dispatcher)  # wake-ups for retries
        consume(dispatcher, events.queue, max_concurrency=5)
        return dispatcher

    def _message_center(
        self,
        factory: FunctionFactory,
        config: DeploymentConfig,
        market: MarketplaceConfig,
        storage: Storage,
        filter_queue: sqs.IQueue,
        sending: Sending,
        domains: list[str],
        web_origin: str,
    ) -> lambda_.Function:
        """The API's function writes what a mail would (it enters the same ingest) and reads
        the caller's history; its own prefix holds uploads until a message takes them."""
        api_fn = factory.make(
            "api",
            timeout_s=29,
            memory_mb=1024,
            extra_env={
                "PARLEY_API_ALLOWED_ORIGINS": ",".join((*config.api_allowed_origins, web_origin))
            },
        )
        tables = storage.tables
        for name in (
            "parties_table",
            "pairs_table",
            "aliases_table",
            "orders_table",
            "messages_table",
            "templates_table",
            "clocks_table",
            "counters_table",
        ):
            tables[name].grant_read_write_data(api_fn)
        tables["thread_ids_table"].grant_read_data(api_fn)
        # Internet-facing, so it reads evidence but writes only its own: the raw mail it
        # composes and what ingest stores for it (ids "api-…", which SES never assigns),
        # uploads and exports. It deletes nothing; an overwrite leaves the old version.
        api_fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[
                    storage.bucket.arn_for_objects(f"{prefix}*")
                    for prefix in (RAW_PREFIX, keys.MESSAGES, keys.UPLOADS, keys.EXPORTS)
                ],
            )
        )
        api_fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[
                    storage.bucket.arn_for_objects(f"{prefix}*")
                    for prefix in (
                        f"{RAW_PREFIX}{API_ID_PREFIX}",
                        f"{keys.MESSAGES}{API_ID_PREFIX}",
                        keys.UPLOADS,
                        keys.EXPORTS,
                    )
                ],
            )
        )
        # The party's own export (POST /me/export) is looked up by key: listing only under
        # exports/ lets a missing or expired one answer 404 instead of S3's 403.
        api_fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[storage.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{keys.EXPORTS}*"]}},
            )
        )
        filter_queue.grant_send_messages(api_fn)
        self._allow_sending(api_fn, sending, domains, [market.notice_address])
        self.api = MessageCenterApi(
            self,
            "MessageCenter",
            prefix=market.prefix,
            handler=api_fn,
            user_pool_id=config.user_pool_id,
            rate_per_second=config.api_rate_per_second,
            burst=config.api_burst,
            allowed_origins=(*config.api_allowed_origins, web_origin),
            access_log_retention=LOG_RETENTION[market.retention.access_logs],
            key=self.key,
        )
        return api_fn

    def _allow_sending(
        self,
        function: lambda_.Function,
        sending: Sending,
        domains: list[str],
        from_addresses: list[str],
    ) -> None:
        """SES sending only as the given From addresses (`ses:FromAddress`, wildcards
        allowed): a function that sends notices cannot write as an alias or as anyone else."""
        stack = Stack.of(self)
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                conditions={"StringLike": {"ses:FromAddress": sorted(set(from_addresses))}},
                resources=[
                    *(
                        Stack.of(self).format_arn(
                            service="ses", resource="identity", resource_name=d
                        )
                        for d in domains
                    ),
                    stack.format_arn(
                        service="ses",
                        resource="configuration-set",
                        resource_name=sending.configuration_set.configuration_set_name,
                    ),
                ],
            )
        )
