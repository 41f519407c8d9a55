"""SES v2 sending. Classifies failures as transient (retry) or permanent (record)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024
_PERMANENT_CODES = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "AccountSuspendedException",
    "SendingPausedException",
    "BadRequestException",
    "InvalidParameterValue",
}


class PermanentSendError(Exception):
    """SES refused the message for good; retrying would not help."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


@dataclass(frozen=True)
class SentMail:
    ses_message_id: str


class Mailer:
    def __init__(self, sesv2: Any, configuration_set: str | None = None) -> None:
        self._ses = sesv2
        self._configuration_set = configuration_set

    def send_raw(
        self, *, sender: str, recipient: str, data: bytes, tags: dict[str, str] | None = None
    ) -> SentMail:
        if len(data) > SES_MAX_MESSAGE_BYTES:
            raise PermanentSendError("MessageTooLarge", f"{len(data)} bytes exceeds SES's 40 MB")
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": data}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if tags:  # come back in the configuration set's events (bounce, complaint, ...)
            request["EmailTags"] = [{"Name": k, "Value": v} for k, v in tags.items()]
        try:
            response = self._ses.send_email(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            if code in _PERMANENT_CODES:
                raise PermanentSendError(code, str(error.get("Message", ""))) from exc
            raise
        return SentMail(ses_message_id=str(response["MessageId"]))
