"""Access (GDPR Art. 15 and 20): everything stored about one party, in one archive.

JSON for the records, `.eml` for the mail (each message as the party sent it, or as it was
delivered to them), the files, and a manifest with a SHA-256 per file. What the other party
sent is exported only as delivered: their real addresses never leave through an export.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pynamodb.attributes import MapAttribute
from pynamodb.models import Model

from parley.adapters import keys
from parley.adapters.blobs import BlobNotFound
from parley.adapters.store import ClockModel, MessageModel, PairModel, PartyModel
from parley.center.access import Principal
from parley.center.errors import CenterError, NotFound
from parley.center.reading import Reading
from parley.core.time import now_iso, parse_iso
from parley.mail.parsing import safe_file_name
from parley.ops.erase import Party

if TYPE_CHECKING:
    from parley.app import Services

EXPORT_LINK_SECONDS = 3600


class ExportError(LookupError):
    """Nothing is stored about the party named."""


def export_party(svc: Services, party_ref: str, target: Path | IO[bytes]) -> dict[str, Any]:
    """Write the archive; returns its summary (what the manifest counts)."""
    party = Party.parse(party_ref)
    item = svc.store.get(PartyModel, party.key)
    orders = list(svc.store.orders_of(party.kind, party.party_id))
    if item is None and not orders:
        raise ExportError(f"nothing is stored about {party.key}")
    archive = _Archive(target)
    archive.json("party.json", _plain(item) if item else None)
    pairs = {
        p.pair_id: p for p in svc.store.batch_get(PairModel, sorted({o.pair_id for o in orders}))
    }
    archive.json("aliases.json", [_aliases(party, p) for p in pairs.values()])
    who = Principal(party.kind, party.party_id)
    reading = Reading(svc)
    counts = {"conversations": 0, "messages": 0, "attachments": 0}
    clock_ids: list[str] = []
    for order in orders:
        counts["conversations"] += 1
        folder = f"conversations/{order.order_id}"
        entries = []
        for record in svc.store.messages_of_order(order.order_id):
            clock_ids.append(f"{order.order_id}#{record.message_id}")
            entry = _message(svc, archive, reading, who, record, folder, counts)
            if entry is not None:
                entries.append(entry)
        archive.json(f"{folder}/conversation.json", {**_fields(order), "messages": entries})
    clock_ids = []
    for order in orders:
        clock_ids += [
            f"{order.order_id}#{m.message_id}" for m in svc.store.messages_of_order(order.order_id)
        ]
    clocks = svc.store.batch_get(ClockModel, clock_ids)
    archive.json("clocks.json", [_plain(c) for c in sorted(clocks, key=lambda c: c.received_at)])
    if party.kind == "seller":
        archive.json("templates.json", [_plain(t) for t in svc.store.templates_of(party.party_id)])
        archive.json("webhooks.json", _webhooks(party.party_id))
    summary = {"party": party.key, "exported_at": now_iso(), **counts}
    archive.close(summary)
    return summary


def _message(
    svc: Services,
    archive: _Archive,
    reading: Reading,
    who: Principal,
    record: MessageModel,
    folder: str,
    counts: dict[str, int],
) -> dict[str, Any] | None:
    sent = (record.direction or "").startswith(who.kind)
    if not sent and not Reading._visible(who, record):
        return None  # never reached them (blocked, in flight): it is not theirs
    base = f"{folder}/{record.received_at.replace(':', '')}-{record.message_id}"
    entry: dict[str, Any] = {
        "message_id": record.message_id,
        "received_at": record.received_at,
        "direction": record.direction,
        "sent_by_me": sent,
        "status": record.status,
        "message_type": record.message_type,
        "category": record.category,
        "verdict": record.verdict,
        "policy_version": record.policy_version,
        "rules": sorted({v.rule for v in record.violations or []}),
        "files": {},
    }
    if sent:
        entry["subject"] = record.subject
        entry["reason"] = record.reason
        entry["violations"] = [
            {"rule": v.rule, "action": v.action, "evidence": v.evidence}
            for v in record.violations or []
        ]
        if archive.copy(svc, record.raw_key, f"{base}/as-sent.eml"):
            entry["files"]["as_sent"] = f"{base}/as-sent.eml"
    try:
        view = reading.message(who, record.message_id)
    except CenterError:
        view = None
    if view is not None and not sent:
        entry["subject"] = view["subject"]
        name = f"{base}/as-received.eml"
        archive.write(name, _received_copy(svc, record, view))
        entry["files"]["as_received"] = name
    entry["attachments"] = []
    stored_files = record.attachments or []
    if not sent and record.delivered_key:  # what reached them: the cleaned files as delivered
        stored_files = record.delivered_attachments or []
    for index, attachment in enumerate(stored_files):
        shown = (view or {}).get("attachments", [])
        visible = {a["attachment_id"]: a for a in shown}
        if not sent and str(index) not in visible:
            continue  # removed from their copy by the policy
        label = visible[str(index)]["name"] if str(index) in visible else attachment.name
        name = f"{base}/attachments/{index:03d}-{safe_file_name(label)}"
        stored = bool(attachment.key) and archive.copy(svc, attachment.key, name)
        counts["attachments"] += int(stored)
        entry["attachments"].append(
            {
                "name": label,
                "content_type": attachment.content_type,
                "size": int(attachment.size),
                "removed_by": attachment.removed_by,
                "file": name if stored else None,
            }
        )
    counts["messages"] += 1
    return entry


def _received_copy(svc: Services, record: MessageModel, view: dict[str, Any]) -> bytes:
    """The message as it reached the party: the sender shown only by name and alias."""
    if record.delivered_key:  # byte for byte the copy they were sent
        try:
            return svc.blobs.get(record.delivered_key)
        except BlobNotFound:
            pass
    message = EmailMessage()
    message["Subject"] = view["subject"]
    message["Date"] = format_datetime(parse_iso(record.received_at))
    message["X-Parley-Message-Id"] = record.message_id
    message.set_content(view["text"] or "")
    for index, attachment in enumerate(record.attachments or []):
        shown = {a["attachment_id"]: a for a in view["attachments"]}
        if str(index) not in shown or not attachment.key:
            continue
        try:
            data = svc.blobs.get(attachment.key)
        except BlobNotFound:
            continue
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=shown[str(index)]["name"],
        )
    return message.as_bytes()


def _webhooks(seller_id: str) -> list[dict[str, Any]]:
    """The seller's endpoints (the signing secret is shown only when created) and every
    delivery still kept, with attempts and outcome."""
    from parley.models.tables import DeliveryModel
    from parley.webhooks.registry import delivery_view, of_seller

    found = []
    for hook in of_seller(seller_id):
        fields = {k: v for k, v in _fields(hook).items() if k != "secret"}
        deliveries = [delivery_view(d) for d in DeliveryModel.by_webhook.query(hook.webhook_id)]
        found.append({**fields, "deliveries": deliveries})
    return found


def _aliases(party: Party, pair: PairModel) -> dict[str, Any]:
    mine = pair.buyer_alias if party.kind == "buyer" else pair.seller_alias
    theirs = pair.seller_alias if party.kind == "buyer" else pair.buyer_alias
    other = pair.seller_id if party.kind == "buyer" else pair.buyer_id
    return {
        "counterpart": f"{'seller' if party.kind == 'buyer' else 'buyer'}:{other}",
        "my_alias": mine,
        "write_to": theirs,
        "orders": sorted(pair.order_ids or []),
        "created_at": pair.created_at,
    }


def _plain(item: Model | None) -> dict[str, Any] | None:
    return None if item is None else _fields(item)


def _fields(item: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in item.get_attributes():
        value = getattr(item, name, None)
        out[name] = _json_value(value)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, MapAttribute):
        return {k: _json_value(v) for k, v in value.as_dict().items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class _Archive:
    """A zip with a manifest of every file it holds."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self._files: list[dict[str, Any]] = []

    def write(self, name: str, data: bytes) -> None:
        self._zip.writestr(name, data)
        self._files.append(
            {"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )

    def json(self, name: str, value: Any) -> None:
        self.write(name, json.dumps(value, indent=2, ensure_ascii=False).encode())

    def copy(self, svc: Services, key: str, name: str) -> bool:
        try:
            self.write(name, svc.blobs.get(key))
        except BlobNotFound:
            return False
        return True

    def close(self, summary: dict[str, Any]) -> None:
        manifest = {**summary, "files": self._files}
        self._zip.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        self._zip.close()


def request_export(svc: Services, who: Principal) -> dict[str, Any]:
    """The message center's export: built now, stored under exports/, offered by a link that
    expires (the object itself goes after the exports retention)."""
    buffer = io.BytesIO()
    export_id = uuid.uuid4().hex
    try:
        summary = export_party(svc, f"{who.kind}:{who.party_id}", buffer)
    except ExportError as exc:
        raise NotFound(str(exc)) from exc
    key = export_key(who, export_id)
    svc.blobs.put(key, buffer.getvalue(), "application/zip")
    return {**download(svc, who, export_id), "summary": summary}


def export_key(who: Principal, export_id: str) -> str:
    return keys.export_key(who.kind, who.party_id, export_id)


def download(svc: Services, who: Principal, export_id: str) -> dict[str, Any]:
    key = export_key(who, export_id)
    if key not in svc.blobs.keys(key):  # a listing: the API may list only under exports/
        raise NotFound(f"no export {export_id}", field="export_id")
    return {
        "export_id": export_id,
        "status": "ready",
        "download_url": svc.blobs.download_url(
            key, f"parley-export-{export_id}.zip", EXPORT_LINK_SECONDS
        ),
        "expires_in": EXPORT_LINK_SECONDS,
    }
