"""The seller's day: webhooks, what still needs an answer, away mode, and taking back an
automatic "no response needed"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from parley.center.access import CenterBase, Principal
from parley.center.errors import InvalidInput, NotAllowedNow, NotFound
from parley.core.time import parse_iso, utcnow
from parley.events.model import conversation_path, mask_addresses
from parley.models.tables import ClockModel
from parley.responses import clocks
from parley.responses.away import AwayError, away_of, parse_away, set_away
from parley.webhooks import dispatch, registry

DEFAULT_SINCE_DAYS = 90


class Workday(CenterBase):
    # -- webhooks ------------------------------------------------------------------------
    def webhooks(self, who: Principal) -> list[dict[str, Any]]:
        self._seller_only(who)
        return [registry.view(h) for h in registry.of_seller(who.party_id)]

    def add_webhook(self, who: Principal, url: str, events: list[str] | None) -> dict[str, Any]:
        self._seller_only(who)
        try:
            return registry.add(self.svc, who.party_id, url, events)
        except registry.WebhookError as exc:
            raise InvalidInput(str(exc), field=exc.field) from exc

    def remove_webhook(self, who: Principal, webhook_id: str) -> None:
        self._seller_only(who)
        try:
            registry.remove(self.svc, who.party_id, webhook_id)
        except registry.NoSuchWebhook as exc:
            raise NotFound(f"no webhook {webhook_id}", field="webhook_id") from exc

    def test_webhook(self, who: Principal, webhook_id: str) -> dict[str, Any]:
        self._seller_only(who)
        try:
            hook = registry.owned(self.svc, who.party_id, webhook_id)
        except registry.NoSuchWebhook as exc:
            raise NotFound(f"no webhook {webhook_id}", field="webhook_id") from exc
        return dispatch.send_test(self.svc, hook, utcnow())

    def webhook_deliveries(self, who: Principal, webhook_id: str, limit: int) -> dict[str, Any]:
        self._seller_only(who)
        try:
            items = registry.deliveries(self.svc, who.party_id, webhook_id, limit)
        except registry.NoSuchWebhook as exc:
            raise NotFound(f"no webhook {webhook_id}", field="webhook_id") from exc
        return {"webhook_id": webhook_id, "items": items}

    # -- what needs an answer ------------------------------------------------------------
    def needing_response(self, who: Principal, since: str | None) -> dict[str, Any]:
        """The seller's conversations whose response clock runs, oldest first, with deadlines."""
        self._seller_only(who)
        now = utcnow()
        try:
            start = parse_iso(since) if since else now - timedelta(days=DEFAULT_SINCE_DAYS)
        except ValueError as exc:
            raise InvalidInput("an ISO 8601 time like 2026-11-01T00:00:00Z", "since") from exc
        if start.tzinfo is None:
            raise InvalidInput("an ISO 8601 time with a zone (Z)", field="since")
        from parley.core.time import iso

        items = []
        for clock in ClockModel.by_seller.query(
            who.party_id,
            ClockModel.received_at >= iso(start),
            filter_condition=ClockModel.status == "open",
        ):
            items.append(
                {
                    "conversation_id": clock.order_id,
                    "message_ids": list(clock.message_ids or []),
                    "subject": mask_addresses(clock.subject or ""),
                    "received_at": clock.received_at,
                    "deadline_at": clock.deadline_at,
                    "seconds_left": int((parse_iso(clock.deadline_at) - now).total_seconds()),
                    "api_path": conversation_path(clock.order_id),
                }
            )
        return {"items": items, "next": None}

    # -- taking back an automatic "no response needed" ----------------------------------
    def needs_response(self, who: Principal, message_id: str) -> dict[str, Any]:
        record, _pair = self._own_message(who, message_id)
        if who.kind != "seller" or record.direction != "buyer_to_seller":
            raise NotAllowedNow("only a buyer message to you can be marked")
        reopened = clocks.reopen(self.svc, record, utcnow())
        if reopened is None:
            raise NotAllowedNow("this message's clock was not stopped as needing no response")
        return {
            "message_id": message_id,
            "conversation_id": record.order_id,
            "clock_running": True,
            "deadline_at": reopened.deadline_at,
        }

    # -- away -----------------------------------------------------------------------------
    def away(self, who: Principal) -> dict[str, Any] | None:
        found = away_of(self._me(who))
        return found.as_dict() if found else None

    def set_away(self, who: Principal, value: Any) -> None:
        self._seller_only(who)
        try:
            away = parse_away(value, utcnow())
        except AwayError as exc:
            raise InvalidInput(str(exc), field=exc.field) from exc
        set_away(self.svc, self._me(who), away)
