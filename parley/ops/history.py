"""A conversation as operators and the CLI see it."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from parley.adapters.blobs import BlobNotFound
from parley.adapters.store import OrderModel, Store
from parley.core.time import now_iso
from parley.mail.parsing import safe_file_name

if TYPE_CHECKING:
    from parley.app import Services


@dataclass(frozen=True)
class HistoryEntry:
    message_id: str
    received_at: str
    direction: str
    status: str
    verdict: str | None
    category: str | None
    rules: list[str]
    reason: str | None
    subject: str
    attachments: list[str]
    response_outcome: str | None = None  # auto-no-response-needed, needs-response

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def conversation(store: Store, order_id: str) -> list[HistoryEntry]:
    entries = []
    for item in store.messages_of_order(order_id):
        entries.append(
            HistoryEntry(
                message_id=item.message_id,
                received_at=item.received_at,
                direction=item.direction or "-",
                status=item.status,
                verdict=item.verdict,
                category=item.category,
                rules=sorted({v.rule for v in item.violations or []}),
                reason=item.reason,
                subject=item.delivered_subject or item.subject or "",  # as delivered
                attachments=[
                    a.name + (f" (removed: {a.removed_by})" if a.removed_by else "")
                    for a in item.attachments or []
                ],
                response_outcome=item.response_outcome,
            )
        )
    return entries


def export_conversation(svc: Services, order_id: str, path: Path) -> dict[str, object]:
    """One archive for a claim or chargeback: every message as received and as delivered,
    its attachments, and what the policy decided, with a manifest."""
    order = svc.store.get(OrderModel, order_id)
    if order is None:
        raise LookupError(f"no conversation {order_id}")
    messages = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in svc.store.messages_of_order(order_id):
            folder = f"messages/{item.received_at.replace(':', '')}-{item.message_id}"
            files = {"original": _copy(svc, archive, item.raw_key, f"{folder}/original.eml")}
            if item.body_key:
                files["sanitized"] = _copy(svc, archive, item.body_key, f"{folder}/sanitized.eml")
            if item.delivered_key:  # byte for byte what the recipient got
                files["delivered"] = _copy(
                    svc, archive, item.delivered_key, f"{folder}/delivered.eml"
                )
            for index, attachment in enumerate(item.delivered_attachments or []):
                name = f"{folder}/delivered/{index:03d}-{safe_file_name(attachment.name)}"
                files[f"delivered attachment {index}"] = _copy(svc, archive, attachment.key, name)
            for index, attachment in enumerate(item.attachments or []):
                name = f"{folder}/attachments/{index:03d}-{safe_file_name(attachment.name)}"
                files[f"attachment {index}"] = _copy(svc, archive, attachment.key, name)
            messages.append(
                {
                    "message_id": item.message_id,
                    "received_at": item.received_at,
                    "updated_at": item.updated_at,
                    "direction": item.direction,
                    "status": item.status,
                    "reason": item.reason,
                    "subject": item.subject,
                    "message_type": item.message_type,
                    "category": item.category,
                    "verdict": item.verdict,
                    "policy_version": item.policy_version,
                    "violations": [
                        {"rule": v.rule, "action": v.action, "evidence": v.evidence}
                        for v in item.violations or []
                    ],
                    "attachments": [
                        {
                            "name": a.name,
                            "content_type": a.content_type,
                            "size": int(a.size),
                            "removed_by": a.removed_by,
                        }
                        for a in item.attachments or []
                    ],
                    "feedback": item.feedback,
                    "response_outcome": item.response_outcome,
                    "files": files,
                }
            )
        manifest = {
            "conversation_id": order_id,
            "kind": order.kind or "order",
            "seller_id": order.seller_id,
            "buyer_id": order.buyer_id,
            "delivered_on": order.delivered_on,
            "cancelled_at": order.cancelled_at,
            "exported_at": now_iso(),
            "messages": messages,
        }
        archive.writestr("conversation.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return {"conversation_id": order_id, "messages": len(messages), "file": str(path)}


def _copy(svc: Services, archive: zipfile.ZipFile, key: str, name: str) -> str | None:
    """The stored object into the archive; None when it is gone (lifecycle expiry)."""
    try:
        archive.writestr(name, svc.blobs.get(key))
    except BlobNotFound:
        return None
    return name
