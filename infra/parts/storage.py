"""Raw mail, attachments and the tables: declared from the PynamoDB models, so they match."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from parley.adapters import keys
from parley.core.retention import Retention
from parley.core.settings import SHORT_RETENTION_TAG, resource_names
from parley.models.tables import ALL_MODELS

# Evidence: what a dispute is decided on. Only erasure deletes it (below).
EVIDENCE_PREFIXES = (keys.RAW, keys.MESSAGES)
# An overwritten or deleted evidence object stays restorable this long as a noncurrent version
# (the bucket is versioned); after it, erasure is complete too.
NONCURRENT_DAYS = 30
ERASER_TAG = "parley-eraser"  # principals tagged parley-eraser=true may delete evidence
_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def model_schema(model: Any) -> dict[str, Any]:
    """Key schema, indexes and TTL of a PynamoDB model, in plain terms."""
    attributes = model.get_attributes()
    hash_key = next(a for a in attributes.values() if a.is_hash_key)
    range_key = next((a for a in attributes.values() if a.is_range_key), None)
    indexes = []
    for index in model._indexes.values():
        meta = index.Meta
        index_hash = next(a for a in index.Meta.attributes.values() if a.is_hash_key)
        index_range = next((a for a in index.Meta.attributes.values() if a.is_range_key), None)
        indexes.append(
            {
                "name": meta.index_name,
                "hash": (index_hash.attr_name, index_hash.attr_type),
                "range": (index_range.attr_name, index_range.attr_type) if index_range else None,
                "projection": meta.projection.projection_type,
            }
        )
    ttl = next(
        (a.attr_name for a in attributes.values() if type(a).__name__ == "TTLAttribute"), None
    )
    return {
        "hash": (hash_key.attr_name, hash_key.attr_type),
        "range": (range_key.attr_name, range_key.attr_type) if range_key else None,
        "indexes": indexes,
        "ttl": ttl,
    }


def lifecycle_rules(retention: Retention) -> list[s3.LifecycleRule]:
    """One rule per prefix of the mail bucket, from the retention table: a message's objects
    expire with its record (the same days; the TTL is written from the same table). Long-lived
    evidence moves to infrequent access after a month; unfinished uploads go after a day."""
    rules = [
        s3.LifecycleRule(
            id="incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
        )
    ]
    for prefix, days in keys.expiry_days(retention).items():
        transitions = (
            [
                s3.Transition(
                    storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                    transition_after=Duration.days(30),
                )
            ]
            if days > 60
            else None
        )
        rules.append(
            s3.LifecycleRule(
                id=prefix.rstrip("/"),
                prefix=prefix,
                transitions=transitions,
                expiration=Duration.days(days),
                noncurrent_version_expiration=Duration.days(
                    NONCURRENT_DAYS if prefix in EVIDENCE_PREFIXES else 1
                ),
            )
        )
    # Mail that reached no party (unknown aliases, strangers, forgeries) is tagged by ingest
    # and kept only as long as the quarantine (issue #12), not as evidence.
    rules.append(
        s3.LifecycleRule(
            id="strangers",
            prefix=keys.RAW,
            tag_filters={SHORT_RETENTION_TAG[0]: SHORT_RETENTION_TAG[1]},
            expiration=Duration.days(retention.quarantine),
            noncurrent_version_expiration=Duration.days(1),
        )
    )
    return rules


class Storage(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        retention: Retention,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.retention = retention
        self.key = key
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(retention.access_logs))],
        )
        self.bucket = s3.Bucket(
            self,
            "Mail",
            # The deployer's key when given (objects written without an encryption header
            # take the bucket's default), else S3's own.
            encryption=s3.BucketEncryption.KMS if key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=key,
            bucket_key_enabled=True if key else None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # Versioned: an overwrite keeps the evidence it replaces (NONCURRENT_DAYS).
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="mail/",
            lifecycle_rules=lifecycle_rules(retention),
        )
        # Deleting evidence is for erasure only: an operator whose IAM role or user carries
        # the tag parley-eraser=true runs `parley parties erase`. No function and no other
        # principal may delete it; the lifecycle rules (not subject to bucket policies)
        # expire it.
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EvidenceIsDeletedOnlyByErasure",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[self.bucket.arn_for_objects(f"{p}*") for p in EVIDENCE_PREFIXES],
                conditions={"StringNotEquals": {f"aws:PrincipalTag/{ERASER_TAG}": "true"}},
            )
        )
        names = resource_names(prefix)
        self.tables: dict[str, dynamodb.Table] = {}
        for setting, model in ALL_MODELS.items():
            env_name = f"PARLEY_{setting.upper()}"
            self.tables[setting] = self._table(names[env_name], model)

    def _table(self, name: str, model: Any) -> dynamodb.Table:
        schema = model_schema(model)
        key = schema["hash"]
        table = dynamodb.Table(
            self,
            name.split("-", 1)[-1].title().replace("-", ""),
            table_name=name,
            partition_key=dynamodb.Attribute(name=key[0], type=_TYPES[key[1]]),
            sort_key=(
                dynamodb.Attribute(name=schema["range"][0], type=_TYPES[schema["range"][1]])
                if schema["range"]
                else None
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED
            if self.key
            else dynamodb.TableEncryption.AWS_MANAGED,
            encryption_key=self.key,
            time_to_live_attribute=schema["ttl"],
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in schema["indexes"]:
            table.add_global_secondary_index(
                index_name=index["name"],
                partition_key=dynamodb.Attribute(
                    name=index["hash"][0], type=_TYPES[index["hash"][1]]
                ),
                sort_key=(
                    dynamodb.Attribute(name=index["range"][0], type=_TYPES[index["range"][1]])
                    if index["range"]
                    else None
                ),
                projection_type=dynamodb.ProjectionType(index["projection"]),
            )
        return table
