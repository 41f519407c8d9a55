"""How a party's name is shown to the other side: the same in relayed mail and every API view.

The marketplace chooses (`displayName`): `full` (the registered name, the default), `first-name`
or `none`. Sellers are businesses and always appear under their registered business name;
the choice applies to buyers. A name the sender's mail program puts in `From` is never shown:
where it appears in the text (a signature, a quoted "Bobby S. wrote:"), it is replaced by the
shown name, and with `first-name` or `none` so is the registered name and its other words.
"""

from __future__ import annotations

from email.utils import getaddresses

DISPLAY_NAME_MODES = ("full", "first-name", "none")
_MIN_WORD = 3  # shorter words ("Li", "Wu", "de") are too common to take out of running text


def shown_name(name: str, kind: str, mode: str = "full") -> str:
    """The name the other party sees for a party of `kind` (seller or buyer)."""
    words = name.split()
    if kind == "seller" or mode == "full":
        return " ".join(words)
    if mode == "first-name":
        return words[0] if words else ""
    return ""


def client_name(from_header: str | None) -> str:
    """The display name a mail program wrote into From (what the sender never chose to show)."""
    if not from_header:
        return ""
    found = getaddresses([from_header])
    return " ".join(found[0][0].split()) if found else ""


def name_replacements(registered: str, client: str, shown: str) -> dict[str, str]:
    """Names that must not reach the recipient -> what stands in their place.

    The mail client's name (when it has two words or more: one word is too common to replace
    in running text) and, when the shown name is shorter than the registered one, the
    registered name and each of its words beyond the shown ones.
    """
    replacements: dict[str, str] = {}
    registered = " ".join(registered.split())
    if len(client.split()) >= 2 and client.casefold() != shown.casefold():
        replacements[client] = shown
    if registered and registered.casefold() != shown.casefold():
        replacements[registered] = shown
        kept = {w.casefold() for w in shown.split()}
        for word in registered.split():
            word = word.strip(".,")
            if len(word) >= _MIN_WORD and word.casefold() not in kept:
                replacements.setdefault(word, "")
    return replacements
