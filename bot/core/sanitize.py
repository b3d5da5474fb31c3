"""Incoming text made safe to handle: valid Unicode, no control characters, composed form."""

from __future__ import annotations

import unicodedata

_KEPT_CONTROLS = {"\n", "\t"}


def clean_text(text: str) -> str:
    """``text`` without lone surrogates and control characters, in NFC.

    Broken input (a cut-off emoji, bytes that were not UTF-8, terminal escape
    sequences) never reaches the handlers or a platform's API.
    """
    valid = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text
    kept = "".join(
        ch for ch in valid if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return unicodedata.normalize("NFC", kept.replace("\r\n", "\n"))


def has_words(text: str) -> bool:
    """True when ``text`` has a letter or a digit: something a person could mean."""
    return any(character.isalnum() for character in text)


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)
