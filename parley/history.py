"""A conversation as operators and the CLI see it."""

from __future__ import annotations

from dataclasses import dataclass

from parley.adapters.store import Store


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
                subject=item.subject or "",
                attachments=[
                    a.name + (f" (removed: {a.removed_by})" if a.removed_by else "")
                    for a in item.attachments or []
                ],
            )
        )
    return entries
