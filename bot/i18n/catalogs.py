"""Loading gettext catalogs and switching the active locale."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from bot.i18n.locales import SHIPPED_LOCALES, SOURCE_LOCALE

DOMAIN = "wegweiser"


@dataclass(frozen=True, slots=True)
class _Active:
    code: str
    translations: gettext.NullTranslations


_SOURCE = _Active(SOURCE_LOCALE, gettext.NullTranslations())
_active: ContextVar[_Active | None] = ContextVar("wegweiser_locale", default=None)


def _current() -> _Active:
    return _active.get() or _SOURCE


def _(message: str) -> str:
    """Translate ``message`` into the active locale."""
    return _current().translations.gettext(message)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for extraction without translating it (module-level constants)."""
    return message


def locales_dir() -> Path:
    """Where compiled catalogs live: inside the installed package, else in the source tree."""
    packaged = Path(__file__).with_name("locales")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "locales"


class Catalogs:
    """All shipped translations, loaded once at start."""

    def __init__(self, directory: Path | None = None) -> None:
        root = directory or locales_dir()
        self._by_code: dict[str, gettext.NullTranslations] = {}
        missing = []
        for code in SHIPPED_LOCALES:
            mo_path = root / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo_path.is_file():
                missing.append(code)
                continue
            with mo_path.open("rb") as handle:
                self._by_code[code] = gettext.GNUTranslations(handle)
        if missing:
            raise FileNotFoundError(
                f"compiled catalogs missing for {', '.join(missing)} in {root}; "
                "run 'make i18n' (source checkout) or reinstall the package"
            )

    @contextmanager
    def use(self, code: str) -> Iterator[None]:
        """Make ``code`` the active locale for the enclosed block."""
        translations = self._by_code.get(code) or self._by_code[SOURCE_LOCALE]
        token = _active.set(
            _Active(code if code in self._by_code else SOURCE_LOCALE, translations)
        )
        try:
            yield
        finally:
            _active.reset(token)
