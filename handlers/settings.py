"""Changing language and region later."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import Reply
from bot.i18n.locales import shipped
from handlers import onboarding


async def change_language(context: Context) -> list[Reply]:
    """``/language``: show the language choice again."""
    return await onboarding.start(context)


async def change_region(context: Context) -> list[Reply]:
    """``/region``: choose region and town again."""
    await context.update_user(step=onboarding.STEP_REGION)
    if shipped(context.user.locale) is None:
        return await onboarding.start(context)
    return [onboarding.region_prompt(context)]
