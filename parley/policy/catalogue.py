"""Plain words for every rule and rejection reason, for the people who get a notice.

The words live in the language catalogues (parley/core/i18n/<lang>.json) under
`rule.<id>.what`, `rule.<id>.fix` and `reason.<id>`, so a translator edits one file.
"""

from __future__ import annotations

from parley.core.i18n import has, language, text


def rule_text(rule: str, locale: str | None) -> tuple[str, str]:
    """(what happened, how to fix it) for a rule id; an unknown id names itself."""
    if not has(f"rule.{rule}.what"):
        return (rule, "")
    lang = language(locale)
    return text(f"rule.{rule}.what", lang), text(f"rule.{rule}.fix", lang)


def reason_text(reason: str, locale: str | None) -> str:
    key = f"reason.{reason}"
    return text(key, language(locale)) if has(key) else reason
