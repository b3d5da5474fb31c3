"""Translations: the current locale lives in a ContextVar, set per message and per delivery.

Handlers call :func:`_`; the composition root loads the
catalogs once and enters a user's locale with :meth:`Catalogs.use`.
"""

from bot.i18n.catalogs import N_, Catalogs, _

__all__ = ["N_", "Catalogs", "_"]
