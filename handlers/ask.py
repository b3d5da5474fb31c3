"""Free questions: find the advice centres that fit, asking once for the region if needed."""

from __future__ import annotations

from bot.answering.service import Answer, AnswerKind
from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.core.sanitize import has_words
from bot.i18n import _
from bot.i18n.locales import is_rtl, shipped

STEP_ASK_REGION = "ask_region"
ALL_REGIONS = "-"


def handover_offer(context: Context, question: str) -> Reply:
    """Ask whether to pass the question to staff; keep it in memory until the answer."""
    context.services.pending.put(context.user.id, question, context.now)
    text = _(
        "Shall I pass your question to the staff of the Kommunales Integrationszentrum? "
        "They see your question, your language and your region — not your name."
    )
    choices = (
        Choice(_("Yes, pass it on"), "handover:yes"),
        Choice(_("No, thanks"), "handover:no"),
    )
    return context.reply(text, choices)[0]


def _statistics_topic(answer: Answer) -> str | None:
    """What the question is counted as: its main topic, an emergency, or unanswered."""
    if answer.kind is AnswerKind.EMERGENCY:
        return "emergency"
    if answer.kind is AnswerKind.NOTHING:
        return "unanswered"
    if answer.kind is AnswerKind.CENTRES:
        topics = answer.query.topics
        return max(topics, key=lambda topic: topics[topic]) if topics else "institution"
    return None


async def _answer(context: Context, text: str, may_ask_region: bool) -> list[Reply]:
    user = context.user
    services = context.services
    answer = services.answering.answer(
        text,
        now=context.now,
        locale=user.locale,
        region=user.region,
        may_ask_region=may_ask_region,
    )
    if answer.kind is not AnswerKind.NEED_REGION:
        topic = _statistics_topic(answer)
        if topic is not None:
            region = answer.query.region or user.region
            await services.stats.count(context.now, topic, answer.locale, region)
        wants_person = answer.query.human or answer.kind is AnswerKind.NOTHING
        if wants_person and services.relay.has_room and answer.kind is not AnswerKind.EMERGENCY:
            return [answer.reply, handover_offer(context, text)]
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
    if not has_words(context.text):
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
