"""Staff compose an announcement in chat: `/broadcast`.

German text → optional versions per language → audience (group, region or
town, language) → now or later → a preview per language exactly as
recipients will see it, with their numbers → send (or ask a second staff
member to approve). The draft lives in memory until it is confirmed.
"""

from __future__ import annotations

from datetime import datetime

from bot.broadcasts.audience import GROUP_NAMES, Audience, AudienceError, parse_audience
from bot.broadcasts.model import MAX_TEXT, SOURCE_LANGUAGE
from bot.broadcasts.render import announcement, moment, number
from bot.core.context import Context
from bot.core.messages import Choice, Reply, Span, Style
from bot.i18n import _
from bot.i18n.locales import SHIPPED_LOCALES, language_name, native_name
from bot.storage.broadcast_repository import Draft
from handlers.staff_events import parse_start, unreadable_date

STEP_TEXT = "bc_text"
STEP_AT = "bc_at"
ALL = "-"
_MARK = "broadcast"


def _draft(context: Context) -> dict[str, str] | None:
    draft = context.services.drafts.get(context.user.id)
    return draft if draft is not None and draft.get("kind") == _MARK else None


def _gone(context: Context) -> list[Reply]:
    return context.reply(_("This draft is gone. Send /broadcast to start again."))


def _texts(draft: dict[str, str]) -> dict[str, str]:
    return {key[5:]: value for key, value in draft.items() if key.startswith("text:")}


async def start(context: Context) -> list[Reply]:
    """``/broadcast``: a new draft, starting with the German text."""
    context.services.drafts[context.user.id] = {"kind": _MARK, "lang": SOURCE_LANGUAGE}
    await context.update_user(step=STEP_TEXT)
    return context.reply(_("New announcement. Write the text in German."))


async def typed_text(context: Context) -> list[Reply]:
    """The text of one language version."""
    draft = _draft(context)
    if draft is None:
        await context.update_user(step=None)
        return _gone(context)
    if not context.text:
        return context.reply(_("Please write the announcement as text."))
    if len(context.text) > MAX_TEXT:
        return context.reply(
            _("This text is too long ({length} characters). Please shorten it to {limit}.").format(
                length=number(len(context.text), context.locale),
                limit=number(MAX_TEXT, context.locale),
            ),
        )
    draft[f"text:{draft.get('lang', SOURCE_LANGUAGE)}"] = context.text
    await context.update_user(step=None)
    return _languages_menu(context, draft)


def _languages_menu(context: Context, draft: dict[str, str]) -> list[Reply]:
    given = _texts(draft)
    choices = [
        Choice(native_name(code), f"bclang:{code}")
        for code in SHIPPED_LOCALES
        if code not in given
    ]
    choices.append(Choice("➡️ " + _("Continue"), f"bclang:{ALL}"))
    names = ", ".join(language_name(code, context.locale) for code in given)
    text = (
        _("Versions so far: {languages}.").format(languages=names)
        + "\n"
        + _(
            "Add a version in another language, or continue. People without a version "
            "in their language get the German text with a note."
        )
    )
    return context.reply(text, tuple(choices))


async def chose_language(context: Context) -> list[Reply]:
    """A language to add a version in, or "continue" to the audience."""
    draft = _draft(context)
    if draft is None:
        return _gone(context)
    code = context.choice_value
    if code in SHIPPED_LOCALES:
        draft["lang"] = code
        await context.update_user(step=STEP_TEXT)
        name = language_name(code, context.locale)
        return context.reply(_("Write the {language} version.").format(language=name))
    choices = tuple(Choice(_(label), f"bcgroup:{key}") for key, label in GROUP_NAMES.items())
    return context.reply(_("Who should get it?"), choices)


async def chose_group(context: Context) -> list[Reply]:
    """The group; then the region."""
    draft = _draft(context)
    if draft is None or context.choice_value not in GROUP_NAMES:
        return _gone(context)
    draft["group"] = context.choice_value
    regions = context.services.answering.directory.regions
    choices = [Choice(_("All regions"), f"bcregion:{ALL}")]
    choices += [Choice(region.name, f"bcregion:{region.key}") for region in regions]
    return context.reply(_("In which region?"), tuple(choices))


async def chose_region(context: Context) -> list[Reply]:
    """The region; then its towns, or the language."""
    draft = _draft(context)
    if draft is None:
        return _gone(context)
    region = context.services.answering.directory.region(context.choice_value)
    draft.pop("town", None)
    if region is None:
        draft.pop("region", None)
        return _language_question(context)
    draft["region"] = region.key
    if not region.towns or draft.get("group", "").startswith("subscribers"):
        return _language_question(context)
    choices = [Choice(_("The whole region"), f"bctown:{ALL}")]
    choices += [Choice(town, f"bctown:{index}") for index, town in enumerate(region.towns)]
    return context.reply(_("Only one town?"), tuple(choices))


async def chose_town(context: Context) -> list[Reply]:
    """The town (or the whole region); then the language."""
    draft = _draft(context)
    if draft is None:
        return _gone(context)
    region = context.services.answering.directory.region(draft.get("region", ""))
    value = context.choice_value
    if region is not None and value.isdigit() and int(value) < len(region.towns):
        draft["town"] = region.towns[int(value)]
    return _language_question(context)


def _language_question(context: Context) -> list[Reply]:
    choices = [Choice(_("All languages"), f"bcaudlang:{ALL}")]
    choices += [Choice(native_name(code), f"bcaudlang:{code}") for code in SHIPPED_LOCALES]
    return context.reply(_("Only people who use one language?"), tuple(choices))


async def chose_audience_language(context: Context) -> list[Reply]:
    """The language filter; then when to send."""
    draft = _draft(context)
    if draft is None:
        return _gone(context)
    if context.choice_value in SHIPPED_LOCALES:
        draft["audlang"] = context.choice_value
    else:
        draft.pop("audlang", None)
    choices = (Choice(_("Send now"), "bcwhen:now"), Choice(_("At a later time"), "bcwhen:later"))
    return context.reply(_("When should it go out?"), choices)


async def chose_when(context: Context) -> list[Reply]:
    """Now: the preview. Later: ask for the time."""
    draft = _draft(context)
    if draft is None:
        return _gone(context)
    if context.choice_value == "later":
        await context.update_user(step=STEP_AT)
        return context.reply(_("When? For example: 03.12.2026 09:00"))
    draft.pop("at", None)
    return await _preview(context, draft)


async def typed_time(context: Context) -> list[Reply]:
    """The time to send at; then the preview."""
    draft = _draft(context)
    if draft is None:
        await context.update_user(step=None)
        return _gone(context)
    at = parse_start(context.text)
    if at is None or at <= context.now:
        return context.reply(unreadable_date())
    draft["at"] = at.isoformat()
    await context.update_user(step=None)
    return await _preview(context, draft)


def _audience(context: Context, draft: dict[str, str]) -> Audience:
    terms = [draft.get("group", "all")]
    if "region" in draft:
        terms.append(f"region:{draft['region']}")
    if "town" in draft:
        terms.append(f"town:{draft['town']}")
    if "audlang" in draft:
        terms.append(f"lang:{draft['audlang']}")
    regions = {region.key: region.towns for region in context.services.answering.directory.regions}
    return parse_audience(",".join(terms), regions)


async def _preview(context: Context, draft: dict[str, str]) -> list[Reply]:
    try:
        audience = _audience(context, draft)
    except AudienceError:
        return _gone(context)
    texts = _texts(draft)
    counts = await context.services.broadcasts.count(audience)
    replies = [
        preview(context, texts, code, counts.get(code, 0))
        for code in SHIPPED_LOCALES
        if code in counts or code in texts
    ]
    directory = context.services.answering.directory
    names = {region.key: region.name for region in directory.regions}
    lines = [
        _("Audience: {audience}").format(audience=audience.describe(context.locale, names)),
        _("Recipients now: {count}").format(count=number(sum(counts.values()), context.locale)),
    ]
    if "at" in draft:
        at = moment(datetime.fromisoformat(draft["at"]), context.locale, directory.timezone)
        lines.append(_("Sending at {time}").format(time=at))
    if context.services.require_approval:
        lines.append(_("A second staff member must approve it before it goes out."))
        send = Choice(_("Ask for approval"), "bcsend:yes")
    else:
        send = Choice(_("Send"), "bcsend:yes")
    choices = (send, Choice(_("Discard"), "bcsend:no"))
    return [*replies, *context.reply("\n".join(lines), choices)]


def preview(context: Context, texts: dict[str, str], code: str, count: int) -> Reply:
    """One language's preview: a label, then the message exactly as recipients get it."""
    label = _("Preview for {language} ({count} recipients):").format(
        language=language_name(code, context.locale), count=number(count, context.locale)
    )
    with context.services.catalogs.use(code):
        message = announcement(texts, code)
    return Reply((Span(label, Style.BOLD), Span("\n\n"), *message.spans), rtl=message.rtl)


async def confirmed(context: Context) -> list[Reply]:
    """Send (or submit for approval), or discard."""
    draft = _draft(context)
    context.services.drafts.pop(context.user.id, None)
    if draft is None:
        return _gone(context)
    if context.choice_value != "yes":
        return context.reply(_("Discarded. Nothing was sent."))
    at = datetime.fromisoformat(draft["at"]) if "at" in draft else None
    stored = await context.services.broadcasts.create(
        Draft(context.identity, context.user.id, _texts(draft), _audience(context, draft), at),
        context.now,
        context.services.require_approval,
    )
    context.services.outbox.set()
    if context.services.require_approval:
        text = _("Announcement {id} waits for a second staff member's approval.")
    elif at is not None:
        text = _("Announcement {id} is scheduled. /broadcasts shows it; you can cancel it there.")
    else:
        text = _(
            "Announcement {id} goes out to {count} people now. You get a report when it is done."
        )
    return context.reply(
        text.format(id=stored.id, count=number(stored.recipients, context.locale))
    )
