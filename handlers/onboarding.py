"""First contact: language, optional region and town, a short privacy notice."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.i18n import _
from bot.i18n.bidi import start_rtl_lines
from bot.i18n.locales import SHIPPED_LOCALES, is_rtl, native_name, shipped
from handlers import ask

STEP_LANGUAGE = "language"
STEP_REGION = "region"
STEP_TOWN = "town"
SKIP = "-"


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
    """``/start``: begin (again) with the choice of language."""
    hint = shipped(context.user.locale) or shipped(context.incoming.language_hint)
    await context.update_user(step=STEP_LANGUAGE)
    return [_language_prompt(context, hint)]


def region_prompt(context: Context) -> Reply:
    """Ask for the region, with a way to skip."""
    directory = context.services.answering.directory
    choices = [Choice(region.name, f"region:{region.key}") for region in directory.regions]
    choices.append(Choice(_("Skip"), f"region:{SKIP}"))
    text = _("Where do you live? Choose your region (optional).")
    return Reply.plain(text, tuple(choices), rtl=is_rtl(context.user.locale or ""))


async def _set_language(context: Context, code: str) -> list[Reply]:
    await context.update_user(locale=code, step=STEP_REGION)
    with context.services.catalogs.use(code):
        confirmation = _("Language: {language}").format(language=native_name(code))
        return [Reply.plain(confirmation), region_prompt(context)]


async def chose_language(context: Context) -> list[Reply]:
    """A language button was pressed."""
    code = shipped(context.choice_value)
    if code is None:
        return [_language_prompt(context, None)]
    return await _set_language(context, code)


async def typed_during_language(context: Context) -> list[Reply]:
    """Text while choosing a language: a language's name, or straight away a question."""
    typed = context.text.casefold()
    for code in SHIPPED_LOCALES:
        if typed in {code, native_name(code).casefold()}:
            return await _set_language(context, code)
    detected = context.services.answering.detect_locale(context.text)
    locale = detected or shipped(context.incoming.language_hint) or context.services.default_locale
    await context.update_user(locale=locale, step=None, onboarded=True)
    with context.services.catalogs.use(locale):
        return await ask.question(context)


def _finish(context: Context) -> list[Reply]:
    notice = "\n".join(
        (
            "🔒 " + _("I store only your language, region and town — never what you write."),
            _("Send /privacy to see what is stored, /region or /language to change it."),
        )
    )
    invite = _(
        "Now write your question in your own words, for example: “I need help with my residence permit.”"  # noqa: E501
    )
    rtl = is_rtl(context.user.locale or "")
    return [Reply.plain(notice, rtl=rtl), Reply.plain(invite, rtl=rtl)]


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
