"""The message center's operations, each scoped to the one party that asks.

Built once per process over the services. Its parts load on first use, with what they
import: a request that reads conversations never imports the sending path (ingest, the
outbound builder, registration) nor the preferences' policy config, so the API's cold start
pays only for the part its first request uses.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from parley.center.access import Principal

if TYPE_CHECKING:
    from parley.app import Services
    from parley.center.preferences import Preferences
    from parley.center.reading import Reading
    from parley.center.sending import Sending
    from parley.center.workday import Workday

__all__ = ["MessageCenter", "Principal"]


class MessageCenter:
    """What the HTTP API offers, without HTTP: one attribute per part."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    @cached_property
    def reading(self) -> Reading:
        """Conversations, messages and their downloads."""
        from parley.center.reading import Reading

        return Reading(self.svc)

    @cached_property
    def sending(self) -> Sending:
        """Uploads, typed messages, replies, questions; messaging actions and clock stops."""
        from parley.center.sending import Sending

        return Sending(self.svc)

    @cached_property
    def preferences(self) -> Preferences:
        """Templates and settings."""
        from parley.center.preferences import Preferences

        return Preferences(self.svc)

    @cached_property
    def workday(self) -> Workday:
        """Webhooks, what needs an answer, away mode."""
        from parley.center.workday import Workday

        return Workday(self.svc)

    def settings_with_away(self, who: Principal) -> dict[str, Any]:
        """The party's settings (see Preferences); a seller's include `away`."""
        shown = self.preferences.settings_of(who)
        if who.kind == "seller":
            shown["away"] = self.workday.away(who)
        return shown
