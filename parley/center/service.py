"""The message center's operations, each scoped to the one party that asks."""

from __future__ import annotations

from parley.center.access import Principal
from parley.center.preferences import Preferences
from parley.center.reading import Reading
from parley.center.sending import Sending
from parley.center.workday import Workday

__all__ = ["MessageCenter", "Principal"]


class MessageCenter(Reading, Sending, Preferences, Workday):
    """What the HTTP API offers, without HTTP: built once per process over the services."""
