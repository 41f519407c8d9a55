"""Preferences: sellers' reply templates, and both parties' settings."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from parley.adapters.store import PartyModel
from parley.center import notification_address
from parley.center.access import CenterBase, Principal
from parley.center.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
from parley.center.templates import DEFAULT_TEMPLATES, template_of
from parley.core.time import now_iso, utcnow
from parley.directory.registration import RegistrationError, normalize_email
from parley.models.tables import TemplateModel
from parley.policy.config import default_policy
from parley.policy.urls import link_host_problem

MAX_TEMPLATES = 50
HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class Preferences(CenterBase):
    """Reply templates and the parties' settings."""

    def templates(self, who: Principal) -> list[dict[str, object]]:
        self._seller_only(who)
        own = [template_of(t) for t in self.store.templates_of(who.party_id)]
        return [t.as_dict() for t in (*DEFAULT_TEMPLATES, *own)]

    def save_template(
        self, who: Principal, fields: Mapping[str, str], template_id: str | None = None
    ) -> dict[str, object]:
        self._seller_only(who)
        name = " ".join(fields.get("name", "").split())
        if not 1 <= len(name) <= 100:
            raise InvalidInput("1-100 characters", field="name")
        lang = fields.get("language", "")
        if not re.match(r"^[a-z]{2}$", lang):
            raise InvalidInput("a two-letter language code like en or de", field="language")
        subject = " ".join(fields.get("subject", "").split())
        if not 1 <= len(subject) <= 200:
            raise InvalidInput("1-200 characters", field="subject")
        text = fields.get("text", "").strip()
        if not 1 <= len(text) <= 2000:
            raise InvalidInput("1-2000 characters", field="text")
        if template_id is None:
            if self.store.template_count(who.party_id) >= MAX_TEMPLATES:
                raise NotAllowedNow(f"at most {MAX_TEMPLATES} templates per seller")
            template_id = f"t-{secrets.token_hex(6)}"
        elif self._template_item(who, template_id) is None:
            raise NotFound(f"no template {template_id}", field="template_id")
        item = TemplateModel(
            who.party_id,
            template_id,
            name=name,
            language=lang,
            subject=subject,
            text=text,
            updated_at=now_iso(),
            expires_at=self.svc.settings.retention.directory_expiry(utcnow()),
        )
        item.save()
        return template_of(item).as_dict()

    def delete_template(self, who: Principal, template_id: str) -> None:
        self._seller_only(who)
        item = self._template_item(who, template_id)
        if item is None:
            raise NotFound(f"no template {template_id}", field="template_id")
        item.delete()

    def settings_of(self, who: Principal) -> dict[str, Any]:
        me = self._me(who)
        if who.kind == "buyer":
            return {"kind": "buyer", "locale": me.locale, "opted_out": bool(me.opted_out)}
        return {
            "kind": "seller",
            "locale": me.locale,
            "fulfillment": me.fulfillment or "merchant",
            "messaging_enabled": me.messaging_enabled(),
            "notification_email": me.notification_email,
            # an address only: the code went to that address and is stored as a hash
            "notification_email_pending": notification_address.pending_of(me),
            "authorized_senders": sorted(me.authorized_senders or ()),
            "link_hosts": sorted(me.link_hosts or ()),
            # requested hosts count only once an operator approved them
            "link_hosts_pending": sorted(
                set(me.link_hosts or ()) - set(me.approved_link_hosts or ())
            ),
        }

    def update_settings(self, who: Principal, changes: Mapping[str, Any]) -> dict[str, Any]:
        me = self._me(who)
        allowed = (
            {"opted_out"}
            if who.kind == "buyer"
            else {"messaging_enabled", "notification_email", "authorized_senders", "link_hosts"}
        )
        for name in changes:
            if name not in allowed:
                raise InvalidInput(f"{name} is not a {who.kind} setting", field=name)
        actions: list[Any] = []
        for name, attribute in (
            ("opted_out", PartyModel.opted_out),
            ("messaging_enabled", PartyModel.messaging_enabled_setting),
        ):
            if name in changes:
                if not isinstance(changes[name], bool):
                    raise InvalidInput("true or false", field=name)
                actions.append(attribute.set(changes[name]))
        if "notification_email" in changes:  # validated first: the code mail goes last
            value = changes["notification_email"]
            notification = self._real_email(value, "notification_email") if value else None
        if "authorized_senders" in changes:
            senders = {
                self._real_email(v, "authorized_senders")
                for v in _strings(changes["authorized_senders"], "authorized_senders", 10)
            }
            actions.append(_set_or_clear(PartyModel.authorized_senders, senders))
        if "link_hosts" in changes:
            hosts = set()
            for value in _strings(changes["link_hosts"], "link_hosts", 20):
                host = value.strip().lower().rstrip(".")
                if not HOST.match(host):
                    raise InvalidInput(f"{value!r} is not a host name", field="link_hosts")
                problem = link_host_problem(host, default_policy().shortener_hosts)
                if problem:
                    raise InvalidInput(
                        f"{host} cannot be a link host: {problem}", field="link_hosts"
                    )
                hosts.add(host)
            actions.append(_set_or_clear(PartyModel.link_hosts, hosts))
        if "notification_email" in changes:
            actions += notification_address.change_actions(self.svc, me, notification)
        if actions:
            self.store.update(me, actions)
        return self.settings_of(who)

    def confirm_notification_email(self, who: Principal, code: str) -> dict[str, Any]:
        """The code mailed to the pending notification address makes it the active one."""
        if who.kind != "seller":
            raise Forbidden("only sellers have a notification address")
        notification_address.confirm(self.svc, self._me(who), code)
        return self.settings_of(who)

    def _real_email(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise InvalidInput("an email address", field=field)
        try:
            email = normalize_email(value, field)
        except RegistrationError as exc:
            raise InvalidInput(str(exc), field=field) from exc
        if email.endswith("@" + self.svc.settings.relay_domain):
            raise InvalidInput("a real address, not a relay alias", field=field)
        return email


def _strings(value: Any, field: str, limit: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("a list of strings", field=field)
    if len(value) > limit:
        raise InvalidInput(f"at most {limit}", field=field)
    return value


def _set_or_clear(attribute: Any, values: set[str]) -> Any:
    return attribute.set(values) if values else attribute.remove()
