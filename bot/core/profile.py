"""How the bot presents itself on a platform: description and command list, per language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Catalogs, _


@dataclass(frozen=True, slots=True)
class BotProfile:
    """The bot's self-description in one language."""

    locale: str
    description: str
    short_description: str
    commands: tuple[tuple[str, str], ...]


def bot_profile(catalogs: Catalogs, locale: str, commands: list[tuple[str, str]]) -> BotProfile:
    """The profile in ``locale``; ``commands`` are (name, untranslated help) pairs."""
    with catalogs.use(locale):
        return BotProfile(
            locale=locale,
            description=_(
                "Wegweiser helps newcomers find the right advice centre: asylum, residence, "
                "work, recognition of diplomas, language courses, family, health, debts and "
                "more. Write your question in your own language. Free of charge; what you write "
                "is not stored."
            ),
            short_description=_("Find the right advice centre in your county, in your language."),
            commands=tuple((name, _(help_text)) for name, help_text in commands),
        )
