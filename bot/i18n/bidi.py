"""Direction marks for right-to-left replies that mix in Latin names and numbers."""

from __future__ import annotations

import unicodedata

LRI = "\u2066"  # left-to-right isolate
PDI = "\u2069"  # pop directional isolate
RLM = "\u200f"  # right-to-left mark


def has_ltr(text: str) -> bool:
    """True when ``text`` has a strong left-to-right character or a digit."""
    return any(unicodedata.bidirectional(ch) in ("L", "EN") for ch in text)


def isolate(text: str, rtl: bool) -> str:
    """Wrap left-to-right content in an isolate when it stands in right-to-left text."""
    if rtl and has_ltr(text):
        return f"{LRI}{text}{PDI}"
    return text


def start_rtl_lines(text: str) -> str:
    """Begin every line with a right-to-left mark so it is laid out right to left."""
    return "\n".join(f"{RLM}{line}" if line else line for line in text.split("\n"))
