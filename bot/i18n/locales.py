"""Which locales the bot speaks, their native names and writing direction."""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

SOURCE_LOCALE = "en"
SHIPPED_LOCALES: tuple[str, ...] = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr", "ku")


@cache
def babel_locale(code: str) -> Locale:
    """The Babel locale for ``code``, falling back to English for unknown codes."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LOCALE)


def native_name(code: str) -> str:
    """The language's name in itself, capitalised where the script has case."""
    name = babel_locale(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def is_rtl(code: str) -> bool:
    """True when the locale is written right to left."""
    return babel_locale(code).character_order == "right-to-left"


def language_name(code: str, in_locale: str) -> str:
    """The name of language ``code`` in the language of ``in_locale``."""
    names = babel_locale(in_locale).languages
    return names.get(code) or names.get(code.split("_")[0]) or code


def shipped(code: str | None) -> str | None:
    """``code`` (or its base language) if the bot ships that locale, else None."""
    if not code:
        return None
    base = code.replace("-", "_").split("_")[0].lower()
    return base if base in SHIPPED_LOCALES else None
