"""Errors the message center raises; the API turns each into one HTTP status and a problem
document (functions/api/problems.py)."""

from __future__ import annotations


class CenterError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CenterError):
    status = 422


class NotFound(CenterError):
    """Also what a party gets for somebody else's data: ids are not confirmed to exist."""

    status = 404


class Forbidden(CenterError):
    status = 403


class NotAllowedNow(CenterError):
    """The request is well formed but the order's state forbids it (window, opt-out, ...)."""

    status = 409


class TooManyRequests(CenterError):
    """A per-party limit of the current window is reached; it resets with the window."""

    status = 429
