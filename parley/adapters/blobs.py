"""S3: raw mail as SES stored it, attachments and sanitized copies."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


class BlobNotFound(LookupError):
    """The object is not in the bucket (a permanent condition, not worth retrying)."""


class BlobStore:
    """Objects are written without an encryption header: they take the bucket's default,
    SSE-S3 or the deployer's KMS key (`kmsKeyArn`), which a header would override."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def get(self, key: str) -> bytes:
        return self.get_with_metadata(key)[0]

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
        )

    def put_new(self, key: str, data: bytes, content_type: str) -> bool:
        """Write the object only if no object has that key (S3's conditional write,
        `If-None-Match: *`): True when this call created it, False when one was there."""
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                IfNoneMatch="*",
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}:
                return False
            raise
        return True

    def keys(self, prefix: str) -> list[str]:
        """Every object key under a prefix (erasure and export walk a message's folder)."""
        found: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            found += [str(item["Key"]) for item in page.get("Contents", [])]
        return found

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return False
            raise
        return True

    def delete(self, keys: list[str]) -> int:
        """Delete the objects that exist; how many did."""
        present = [key for key in keys if key and self.exists(key)]
        self._delete(present)
        return len(present)

    def delete_prefix(self, prefix: str) -> int:
        found = self.keys(prefix)
        self._delete(found)
        return len(found)

    def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            if batch:
                self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": batch})

    def refresh(self, key: str, metadata: dict[str, str]) -> bool:
        """Copy an object onto itself with added metadata: its lifecycle starts again today
        (a legal hold keeps evidence one full retention period from the hold)."""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return False
            raise
        self._s3.copy_object(
            Bucket=self._bucket,
            Key=key,
            CopySource={"Bucket": self._bucket, "Key": key},
            MetadataDirective="REPLACE",
            Metadata={**dict(head.get("Metadata") or {}), **metadata},
            ContentType=str(head.get("ContentType") or "application/octet-stream"),
        )
        return True

    def size(self, key: str) -> int:
        """The object's size in bytes, without reading it."""
        try:
            response = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise BlobNotFound(key) from exc
            raise
        return int(response["ContentLength"])

    def tag(self, key: str, tags: dict[str, str]) -> None:
        """Set the object's tags (lifecycle rules select on them)."""
        self._s3.put_object_tagging(
            Bucket=self._bucket,
            Key=key,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]},
        )

    def get_with_metadata(self, key: str) -> tuple[bytes, str, dict[str, str]]:
        """Bytes, content type and user metadata (uploads carry their file name there)."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise BlobNotFound(key) from exc
            raise
        data: bytes = response["Body"].read()
        return data, str(response.get("ContentType") or ""), dict(response.get("Metadata") or {})

    def download_url(self, key: str, filename: str, expires_s: int) -> str:
        """A short-lived link to one object, offered as a download under its own name."""
        safe = filename.replace('"', "").replace("\\", "")
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{safe}"',
            },
            ExpiresIn=expires_s,
        )
        return url

    def view_url(self, key: str, expires_s: int) -> str:
        """A short-lived link to one object, served with its stored content type."""
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_s
        )
        return url

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, name: str, expires_s: int
    ) -> dict[str, Any]:
        """A presigned POST: S3 itself refuses another size, type or name than announced."""
        fields = {
            "Content-Type": content_type,
            "x-amz-meta-name": name,
        }
        conditions: list[Any] = [{key_: value} for key_, value in fields.items()]
        conditions.append(["content-length-range", 1, max_bytes])
        form: dict[str, Any] = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=expires_s,
        )
        return form
