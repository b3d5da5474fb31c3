"""Text normalisation shared by questions, lexicons and directory names.

Questions arrive in many scripts, with and without diacritics, in Arabic with
letter variants and clitics. Everything is folded the same way before any
comparison, so that lexicon authors write words in their natural spelling.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_VARIANTS = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي", "ۍ": "ي",
        "ة": "ه", "ۀ": "ه", "ہ": "ه", "ک": "ك", "ؤ": "و", "ـ": "", "\u200c": "", "\u200d": "",
        "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7",
        "٨": "8", "٩": "9", "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5",
        "۶": "6", "۷": "7", "۸": "8", "۹": "9", "ı": "i", "ё": "е", "’": "'", "`": "'",
    }
)  # fmt: skip

_INVISIBLE = re.compile("[\u200b\u200e\u200f\u2066-\u2069\u202a-\u202e\ufeff]")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
_CLITICS = ("وبال", "وال", "فال", "بال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Case-fold, drop diacritics and unify letter variants."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = text.translate(_ARABIC_VARIANTS).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).translate(_ARABIC_VARIANTS)


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text))


def script(word: str) -> str:
    """``"arabic"``, ``"cyrillic"`` or ``"latin"`` (also for digits and others)."""
    if _ARABIC_LETTER.search(word):
        return "arabic"
    if _CYRILLIC_LETTER.search(word):
        return "cyrillic"
    return "latin"


def variants(word: str) -> tuple[str, ...]:
    """The word and, for Arabic script, the word without prefixed clitics."""
    if not _ARABIC_LETTER.match(word):
        return (word,)
    found = [word]
    for clitic in _CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= 2:
            found.append(word[len(clitic) :])
    return tuple(dict.fromkeys(found))
