"""Free questions: find the advice centres that fit, asking once for the region if needed."""

from __future__ import annotations

from bot.answering.service import AnswerKind
from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.i18n import _
from bot.i18n.locales import is_rtl, shipped

STEP_ASK_REGION = "ask_region"
ALL_REGIONS = "-"


async def _answer(context: Context, text: str, may_ask_region: bool) -> list[Reply]:
    user = context.user
    answer = context.services.answering.answer(
        text,
        now=context.now,
        locale=user.locale,
        region=user.region,
        may_ask_region=may_ask_region,
    )
    if answer.kind is not AnswerKind.NEED_REGION:
        return [answer.reply]
    context.services.pending.put(user.id, text, context.now)
    await context.update_user(step=STEP_ASK_REGION, region_asked=True)
    directory = context.services.answering.directory
    choices = [Choice(region.name, f"askregion:{region.key}") for region in directory.regions]
    choices.append(Choice(_("All regions"), f"askregion:{ALL_REGIONS}"))
    prompt = _("In which region do you live? Then I can show you the right advice centres.")
    return [Reply.plain(prompt, tuple(choices), rtl=is_rtl(user.locale or ""))]


async def question(context: Context) -> list[Reply]:
    """Answer a free question."""
    if not context.text:
        return [Reply.plain(_("Please write your question as text."))]
    if context.user.locale is None:
        detected = context.services.answering.detect_locale(context.text)
        locale = detected or shipped(context.incoming.language_hint)
        await context.update_user(locale=locale or context.services.default_locale)
    with context.services.catalogs.use(context.user.locale or context.services.default_locale):
        return await _answer(context, context.text, may_ask_region=not context.user.region_asked)


async def chose_region_for_question(context: Context) -> list[Reply]:
    """The region was chosen for a waiting question: store it and answer."""
    directory = context.services.answering.directory
    region = directory.region(context.choice_value)
    await context.update_user(step=None, region=region.key if region else context.user.region)
    pending = context.services.pending.pop(context.user.id, context.now)
    if pending is None:
        return [Reply.plain(_("Thank you. Please write your question again."))]
    return await _answer(context, pending, may_ask_region=False)


async def typed_during_region_question(context: Context) -> list[Reply]:
    """Text instead of a region button: a place's name answers the waiting question."""
    place = context.services.answering.find_place(context.text)
    pending = context.services.pending.pop(context.user.id, context.now)
    if place is not None and pending is not None:
        await context.update_user(step=None, region=place[0], town=place[1])
        return await _answer(context, pending, may_ask_region=False)
    await context.update_user(step=None)
    return await _answer(context, context.text, may_ask_region=False)
