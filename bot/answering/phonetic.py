"""Consonant skeletons for matching place names across scripts.

"Rheine", "Райне", "راينه" and "راینه" all reduce to the skeleton ``RN``; a
Ukrainian locative or a Persian spelling still lands on the same German town.
Vowels are dropped (Arabic script rarely writes them), consonants fall into
classes that survive transliteration (p/b, f/v/w, k/g/ch, t/d, s/z/sch).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.answering.normalize import fold

_GERMAN_RULES: tuple[tuple[str, str], ...] = (
    ("tsch", "S"), ("sch", "S"), ("chs", "KS"), ("ch", "K"), ("ck", "K"), ("ph", "F"),
    ("th", "T"), ("qu", "KF"), ("dt", "T"), ("tz", "S"), ("ts", "S"), ("z", "S"), ("x", "KS"),
    ("ae", "a"), ("oe", "o"), ("ue", "u"),
)  # fmt: skip
_LATIN_CLASSES = str.maketrans(
    {
        "b": "P", "p": "P", "f": "F", "v": "F", "w": "F", "k": "K", "g": "K", "c": "K",
        "q": "K", "t": "T", "d": "T", "s": "S", "l": "L", "m": "M", "n": "N", "r": "R",
        "j": "", "y": "", "h": "",
    }
)  # fmt: skip
_CYRILLIC = str.maketrans(
    {
        "б": "P", "п": "P", "в": "F", "ф": "F", "г": "K", "ґ": "K", "к": "K", "х": "K",
        "д": "T", "т": "T", "з": "S", "с": "S", "ж": "S", "ш": "S", "щ": "S", "ч": "S",
        "ц": "S", "л": "L", "м": "M", "н": "N", "р": "R", "й": "", "ь": "", "ъ": "",
        "а": "a", "е": "e", "є": "e", "и": "i", "і": "i", "ї": "i", "о": "o", "у": "u",
        "ы": "i", "э": "e", "ю": "u", "я": "a",
    }
)  # fmt: skip
# Arabic script: و and ج are ambiguous and produce variants (see _arabic_skeletons).
_ARABIC = str.maketrans(
    {
        "ب": "P", "پ": "P", "ف": "F", "ڤ": "F", "ك": "K", "ق": "K", "گ": "K", "غ": "K",
        "خ": "K", "ت": "T", "د": "T", "ط": "T", "ض": "T", "س": "S", "ز": "S", "ش": "S",
        "ص": "S", "ث": "S", "ذ": "S", "ظ": "S", "ژ": "S", "چ": "S", "ل": "L", "ڵ": "L",
        "م": "M", "ن": "N", "ر": "R", "ڕ": "R", "ا": "a", "ي": "", "ه": "", "ح": "",
        "ع": "", "ء": "", "ێ": "", "ۆ": "", "ە": "",
    }
)  # fmt: skip
_VOWELS = re.compile(r"[aeiouy]+")


def _squeeze(skeleton: str, initial_vowel: bool) -> str:
    """Collapse repeated classes and ``TS`` (German z, ц) into the final form."""
    out: list[str] = []
    for char in skeleton:
        if not char.isupper():
            continue
        if out and out[-1] == char:
            continue
        if char == "S" and out and out[-1] == "T":
            out[-1] = "S"
            continue
        out.append(char)
    return ("V" if initial_vowel else "") + "".join(out)


@lru_cache(maxsize=4096)
def latin_skeleton(word: str) -> str:
    """Skeleton of a word in Latin script, read with German spelling rules."""
    text = fold(word)
    text = re.sub(r"[^a-z]", "", text)
    if not text:
        return ""
    initial_vowel = text[0] in "aeiou"
    for pattern, replacement in _GERMAN_RULES:
        text = text.replace(pattern, replacement)
    return _squeeze(_VOWELS.sub("", text).translate(_LATIN_CLASSES), initial_vowel)


def _cyrillic_skeleton(word: str) -> str:
    mapped = word.translate(_CYRILLIC)
    initial_vowel = mapped[:1] in ("a", "e", "i", "o", "u")
    return _squeeze(mapped, initial_vowel)


def _arabic_skeletons(word: str) -> set[str]:
    initial_vowel = word[:1] in ("ا", "ع", "ء")
    options: list[str] = [""]
    for position, char in enumerate(word):
        if char == "و":
            choices = ("F", "") if position == 0 or position < len(word) - 1 else ("",)
        elif char == "ج":
            choices = ("K", "S")
        else:
            choices = (char.translate(_ARABIC),)
        options = [prefix + choice for prefix in options for choice in choices][:32]
    return {_squeeze(option, initial_vowel) for option in options}


@lru_cache(maxsize=8192)
def skeletons(word: str) -> frozenset[str]:
    """All plausible skeletons of a folded word in any supported script."""
    if re.search(r"[\u0600-\u06ff]", word):
        return frozenset(_arabic_skeletons(word))
    if re.search(r"[\u0400-\u04ff]", word):
        # Ukrainian г is German h (Борнгайм), Russian г is g (Гревен): try both.
        return frozenset({_cyrillic_skeleton(word), _cyrillic_skeleton(word.replace("г", "й"))})
    return frozenset({latin_skeleton(word)})


_GERMAN_SOUNDS: tuple[tuple[str, str], ...] = (
    ("tsch", "ch"), ("sch", "sh"), ("ch", "kh"), ("ck", "k"), ("ph", "f"), ("th", "t"),
    ("ei", "ai"), ("ey", "ai"), ("ie", "i"), ("eu", "oi"), ("au", "au"), ("ae", "e"),
    ("oe", "o"), ("ue", "u"), ("v", "f"), ("w", "v"), ("tz", "ts"), ("z", "ts"), ("qu", "kv"),
)  # fmt: skip
_CYRILLIC_SOUNDS = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "e",
        "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "", "к": "k", "л": "l",
        "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
        "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ъ": "",
        "ы": "i", "э": "e", "ю": "u", "я": "a",
    }
)  # fmt: skip
_ARABIC_SOUNDS = str.maketrans(
    {
        "ا": "a", "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "g", "چ": "ch", "ح": "",
        "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ڕ": "r", "ز": "z", "ژ": "zh", "س": "s",
        "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "g", "ف": "f",
        "ڤ": "v", "ق": "k", "ك": "k", "گ": "g", "ل": "l", "ڵ": "l", "م": "m", "ن": "n",
        "ه": "e", "و": "u", "ي": "i", "ۆ": "o", "ێ": "e", "ە": "e", "ء": "",
    }
)  # fmt: skip


def _collapse_doubles(text: str) -> str:
    return re.sub(r"(.)\1+", r"\1", text)


@lru_cache(maxsize=4096)
def german_sounds(name: str) -> str:
    """A rough Latin spelling of how a German name sounds (vowels kept)."""
    text = re.sub(r"[^a-z ]", "", fold(name))
    for pattern, replacement in _GERMAN_SOUNDS:
        text = text.replace(pattern, replacement)
    text = re.sub(r"(?<![skc])h", "", text)
    return _collapse_doubles(text)


@lru_cache(maxsize=8192)
def sounds(word: str) -> str:
    """A rough Latin spelling of how a folded word of any script sounds."""
    if re.search(r"[\u0600-\u06ff]", word):
        return _collapse_doubles(word.translate(_ARABIC_SOUNDS))
    if re.search(r"[\u0400-\u04ff]", word):
        return _collapse_doubles(word.translate(_CYRILLIC_SOUNDS))
    return german_sounds(word)
