"""Errors the message center raises; the API turns each into one HTTP status."""

from __future__ import annotations


class CenterError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        body = {"error": type(self).__name__.removesuffix("Error").lower() or "error"}
        body["message"] = self.message
        if self.field:
            body["field"] = self.field
        return body


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
