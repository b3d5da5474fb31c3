"""First contact: language, optional region and town, a short privacy notice."""

from __future__ import annotations

import re

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.directory.model import TOPICS
from bot.i18n import _
from bot.i18n.bidi import start_rtl_lines
from bot.i18n.locales import SHIPPED_LOCALES, is_rtl, native_name, shipped
from handlers import ask, privacy, subscriptions

STEP_LANGUAGE = "language"
STEP_LANGUAGE_ONLY = "language_only"  # the region came with a deep link
STEP_REGION = "region"
STEP_TOWN = "town"
SKIP = "-"

# Deep-link parameters: `/start lang-ar`, `/start region-steinfurt_topic-asylum`, …
_LINK_PART = re.compile(r"(?:^|_)(lang|region|topic|mso)-")


def deep_link(text: str) -> dict[str, str]:
    """The parts of a start parameter: ``lang-ar_topic-language_course`` → lang, topic."""
    _, _, payload = text.strip().partition(" ")
    payload = payload.strip()
    marks = list(_LINK_PART.finditer(payload))
    parts: dict[str, str] = {}
    ends = [mark.start() for mark in marks[1:]] + [len(payload)] if marks else []
    for mark, end in zip(marks, ends, strict=True):
        parts.setdefault(mark.group(1), payload[mark.end() : end])
    return parts


def language_choices(first: str | None) -> tuple[Choice, ...]:
    """Every shipped language by its native name; the likely one first."""
    codes = sorted(SHIPPED_LOCALES, key=lambda code: code != first)
    return tuple(Choice(native_name(code), f"lang:{code}") for code in codes)


def _language_prompt(context: Context, first: str | None) -> Reply:
    catalogs = context.services.catalogs
    codes = sorted(SHIPPED_LOCALES, key=lambda code: code != first)
    lines = []
    for code in codes:
        with catalogs.use(code):
            line = _("Please choose your language.")
        lines.append(start_rtl_lines(line) if is_rtl(code) else line)
    welcome = "👋 Wegweiser\n" + "\n".join(dict.fromkeys(lines))
    return Reply.plain(welcome, language_choices(first))


async def start(context: Context) -> list[Reply]:
    """``/start``: begin (again) with the choice of language.

    A deep link (flyer, QR code) may preset the language, the region and a
    topic whose advice centres are shown once onboarding is done.
    """
    link = deep_link(context.text)
    directory = context.services.answering.directory
    topic = link.get("topic", "")
    if topic in TOPICS:
        context.services.pending_topics.put(context.user.id, topic, context.now)
    joined: list[Reply] = []
    region_key = link.get("region", "")
    if "mso" in link:
        confirmation, mso_region = await subscriptions.join_mso(context, link["mso"])
        joined.append(confirmation)
        region_key = region_key or mso_region or ""
    region = directory.region(region_key)
    if region is not None:
        await context.update_user(region=region.key, town=None, region_asked=True)
    language = shipped(link.get("lang"))
    if language is not None:
        return [*joined, *await _set_language(context, language, ask_region=region is None)]
    hint = shipped(context.user.locale) or shipped(context.incoming.language_hint)
    await context.update_user(step=STEP_LANGUAGE if region is None else STEP_LANGUAGE_ONLY)
    return [*joined, _language_prompt(context, hint)]


def region_prompt(context: Context) -> Reply:
    """Ask for the region, with a way to skip."""
    directory = context.services.answering.directory
    choices = [Choice(region.name, f"region:{region.key}") for region in directory.regions]
    choices.append(Choice(_("Skip"), f"region:{SKIP}"))
    text = _("Where do you live? Choose your region (optional).")
    return Reply.plain(text, tuple(choices), rtl=is_rtl(context.user.locale or ""))


async def _set_language(context: Context, code: str, ask_region: bool) -> list[Reply]:
    with context.services.catalogs.use(code):
        confirmation = Reply.plain(_("Language: {language}").format(language=native_name(code)))
        if not ask_region:
            await context.update_user(locale=code, step=None, onboarded=True)
            return [confirmation, *_finish(context)]
        await context.update_user(locale=code, step=STEP_REGION)
        return [confirmation, region_prompt(context)]


async def chose_language(context: Context) -> list[Reply]:
    """A language button was pressed."""
    code = shipped(context.choice_value)
    if code is None:
        return [_language_prompt(context, None)]
    return await _set_language(context, code, ask_region=context.user.step != STEP_LANGUAGE_ONLY)


async def typed_during_language(context: Context) -> list[Reply]:
    """Text while choosing a language: a language's name, or straight away a question."""
    typed = context.text.casefold()
    for code in SHIPPED_LOCALES:
        if typed in {code, native_name(code).casefold()}:
            ask_region = context.user.step != STEP_LANGUAGE_ONLY
            return await _set_language(context, code, ask_region=ask_region)
    detected = context.services.answering.detect_locale(context.text)
    locale = detected or shipped(context.incoming.language_hint) or context.services.default_locale
    await context.update_user(locale=locale, step=None, onboarded=True)
    with context.services.catalogs.use(locale):
        return await ask.question(context)


def _finish(context: Context) -> list[Reply]:
    lines = [
        "🔒 " + _("I store only your language, region and town — never what you write."),
        _("Send /privacy to see what is stored, /region or /language to change it."),
    ]
    consent: tuple[Choice, ...] = ()
    if context.user.consent_at is None:
        lines.append(_("Do you agree that I store this to help you?"))
        consent = privacy.consent_choices()
    notice = "\n".join(lines)
    invite = _(
        "Now write your question in your own words, for example: “I need help with my residence permit.”"  # noqa: E501
    )
    rtl = is_rtl(context.user.locale or "")
    topic = context.services.pending_topics.pop(context.user.id, context.now)
    if topic is not None:
        answer = context.services.answering.answer_topic(
            topic,
            now=context.now,
            locale=context.locale,
            region=context.user.region,
        )
        return [Reply.plain(notice, consent, rtl=rtl), answer.reply]
    return [Reply.plain(notice, consent, rtl=rtl), Reply.plain(invite, rtl=rtl)]


async def chose_region(context: Context) -> list[Reply]:
    """A region button was pressed (or skipped)."""
    directory = context.services.answering.directory
    region = directory.region(context.choice_value)
    if region is None:
        await context.update_user(step=None, onboarded=True)
        return _finish(context)
    await context.update_user(region=region.key, town=None, step=STEP_TOWN, region_asked=True)
    choices = [Choice(town, f"town:{index}") for index, town in enumerate(region.towns)]
    choices.append(Choice(_("Skip"), f"town:{SKIP}"))
    text = _("Which town? (optional)")
    return [Reply.plain(text, tuple(choices), rtl=is_rtl(context.user.locale or ""))]


async def chose_town(context: Context) -> list[Reply]:
    """A town button was pressed (or skipped)."""
    directory = context.services.answering.directory
    region = directory.region(context.user.region or "")
    value = context.choice_value
    town = None
    if region is not None and value.isdigit() and int(value) < len(region.towns):
        town = region.towns[int(value)]
    await context.update_user(town=town, step=None, onboarded=True)
    return _finish(context)


async def typed_during_region(context: Context) -> list[Reply]:
    """Text while choosing region or town: a place's name, or a question."""
    place = context.services.answering.find_place(context.text)
    if place is not None:
        region, town = place
        await context.update_user(
            region=region, town=town, step=None, onboarded=True, region_asked=True
        )
        return _finish(context)
    await context.update_user(step=None, onboarded=True, region_asked=True)
    return await ask.question(context)
