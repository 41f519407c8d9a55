"""S3: raw mail as SES stored it, attachments and sanitized copies."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


class BlobNotFound(LookupError):
    """The object is not in the bucket (a permanent condition, not worth retrying)."""


class BlobStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def get(self, key: str) -> bytes:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise BlobNotFound(key) from exc
            raise
        data: bytes = response["Body"].read()
        return data

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )
