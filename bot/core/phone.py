"""Phone numbers in the international form that messengers make tappable."""

from __future__ import annotations

import re

_NATIONAL = re.compile(r"^0(?!0)(\d[\d /-]{4,})$")
_MARKS = "\u2066\u2069\u200e\u200f"


def international_phone(text: str, country_code: str = "49") -> str:
    """``02162 580 3410`` → ``+49 2162 580 3410``; anything else unchanged.

    Short numbers (112, 116 016) and numbers already international stay as
    they are; direction marks around the number are kept.
    """
    core = text.strip(_MARKS)
    match = _NATIONAL.match(core)
    if match is None:
        return text
    lead = text[: len(text) - len(text.lstrip(_MARKS))]
    tail = text[len(text.rstrip(_MARKS)) :]
    return f"{lead}+{country_code} {match.group(1)}{tail}"
