"""Writing answers in the user's locale: centres, emergencies, small talk, fallbacks.

Called inside ``Catalogs.use(locale)``; dates, times, lists and language names
come from Babel in that locale.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_time, get_day_names
from babel.lists import format_list

from bot.answering.ranking import Ranked
from bot.config import ContactConfig
from bot.core.builder import ReplyBuilder
from bot.core.messages import Span, Style
from bot.directory.hours import open_state
from bot.directory.model import Centre
from bot.directory.topics import topic_name
from bot.i18n import _
from bot.i18n.locales import babel_locale, language_name

_EMERGENCY_ORDER = ("violence", "suicide", "medical", "fire")


def _clock(moment: datetime | time, locale: str) -> str:
    return str(format_time(moment, format="short", locale=babel_locale(locale)))


def _day(moment: datetime, now: datetime, locale: str) -> str:
    if moment.date() == now.date():
        return _("today")
    if moment.date() == (now + timedelta(days=1)).date():
        return _("tomorrow")
    return str(get_day_names("wide", locale=babel_locale(locale))[moment.weekday()])


def _weekly_hours(centre: Centre, locale: str) -> str:
    names = get_day_names("abbreviated", locale=babel_locale(locale))
    parts = []
    for slot in centre.opening_hours:
        days = list(slot.days)
        runs: list[str] = []
        start = previous = days[0]
        for day in [*days[1:], None]:
            if day is not None and day == previous + 1:
                previous = day
                continue
            runs.append(names[start] if start == previous else f"{names[start]}–{names[previous]}")
            if day is not None:
                start = previous = day
        hours = f"{_clock(slot.opens, locale)}–{_clock(slot.closes, locale)}"
        parts.append(f"{', '.join(runs)} {hours}")
    return "; ".join(parts)


def _age_note(centre: Centre) -> str | None:
    if centre.age_min is not None and centre.age_max is not None:
        return _("Ages {low} to {high}").format(low=centre.age_min, high=centre.age_max)
    if centre.age_min is not None:
        return _("From age {low}").format(low=centre.age_min)
    if centre.age_max is not None:
        return _("Up to age {high}").format(high=centre.age_max)
    return None


def _description(centre: Centre, locale: str) -> tuple[str, str | None]:
    """The description in the user's language, else German or English with a note."""
    if locale in centre.descriptions:
        return centre.descriptions[locale], None
    if locale != "de" and "en" in centre.descriptions:
        return centre.descriptions["en"], _("(in English)")
    return centre.descriptions.get("de", ""), _("(in German)")


def _hours_line(centre: Centre, now: datetime, timezone: str, locale: str) -> str:
    state = open_state(centre, now, timezone)
    local_now = now.astimezone(ZoneInfo(timezone))
    if not centre.opening_hours:
        return _("By appointment only") if centre.appointment_only else _("No opening hours given")
    if state.is_open and state.closes_at is not None:
        line = _("Open now, until {time}").format(time=_clock(state.closes_at, locale))
    elif state.next_opening is not None:
        line = _("Closed now · opens {day} at {time}").format(
            day=_day(state.next_opening, local_now, locale),
            time=_clock(state.next_opening, locale),
        )
    else:
        line = _("Closed now")
    if centre.appointment_only:
        line += " · " + _("appointment needed")
    return line


def write_centre(
    builder: ReplyBuilder,
    number: int,
    ranked: Ranked,
    *,
    now: datetime,
    timezone: str,
    locale: str,
    show_contact: bool,
    show_week: bool,
    matched_topics: frozenset[str],
) -> None:
    """Append one centre's block to the reply."""
    centre = ranked.centre
    title = centre.name
    if centre.organisation and centre.organisation.casefold() not in centre.name.casefold():
        title = f"{centre.name} ({centre.organisation})"
    builder.line(f"{number}. ", builder.ltr(title, Style.BOLD))
    if centre.address:
        builder.line("📍 ", builder.ltr(centre.address))
    else:
        builder.line("📍 ", builder.ltr(centre.town))
    if centre.phone:
        builder.line("☎️ ", builder.ltr(centre.phone, Style.PHONE))
    if centre.email and (show_contact or not centre.phone):
        builder.line("✉️ ", builder.ltr(centre.email, Style.EMAIL))
    if centre.website and show_contact:
        builder.line("🌐 ", builder.ltr(centre.website, Style.LINK))
    builder.line("🕒 ", _hours_line(centre, now, timezone, locale))
    if ranked.open_then is True:
        builder.line("✅ ", _("Open at the time you asked about"))
    elif ranked.open_then is False:
        builder.line("⚠️ ", _("Not open at the time you asked about"))
    if show_week and centre.opening_hours:
        builder.line("📅 ", builder.ltr(_weekly_hours(centre, locale)))
    helps_with = [topic_name(topic) for topic in centre.topics if topic in matched_topics]
    if helps_with:
        topics_text = format_list(helps_with, locale=babel_locale(locale))
        builder.line("✔️ ", _("Helps with: {topics}").format(topics=topics_text))
    if centre.languages:
        names = [language_name(code, locale) for code in centre.languages]
        spoken = format_list(names, locale=babel_locale(locale))
        builder.line("🗣️ ", _("Languages: {languages}").format(languages=spoken))
    if age := _age_note(centre):
        builder.line("👤 ", age)
    text, note = _description(centre, locale)
    if text:
        builder.line(f"{text} {note}" if note else text)


def write_emergency(builder: ReplyBuilder, kinds: frozenset[str]) -> None:
    """Emergency numbers first, in the order the situation needs them."""
    builder.line("🚨 ", Span(_("If you or someone else is in danger now, call:"), Style.BOLD))
    ordered = [kind for kind in _EMERGENCY_ORDER if kind in kinds] or ["medical"]
    lines: list[tuple[str, str]] = []
    if ordered[0] == "violence":
        lines.append(("110", _("police")))
    lines.append(("112", _("ambulance and fire brigade (free, 24 hours)")))
    if "violence" not in ordered[:1]:
        lines.append(("110", _("police")))
    if "violence" in ordered:
        lines.append(
            ("116 016", _("Violence against Women Support Line (free, 24 hours, many languages)"))
        )
    if "suicide" in ordered:
        lines.append(
            ("0800 111 0 111", _("TelefonSeelsorge crisis line (free, 24 hours, anonymous)"))
        )
        lines.append(("0800 111 0 222", _("TelefonSeelsorge, second number")))
    if "medical" in ordered:
        lines.append(("116 117", _("medical on-call service when it is not life-threatening")))
    for number, label in lines:
        builder.line("☎️ ", builder.ltr(number, Style.PHONE), f" — {label}")


def write_ki_contact(builder: ReplyBuilder, centre: Centre | None, contact: ContactConfig) -> None:
    """The Kommunales Integrationszentrum's contact, from the directory or the config."""
    if centre is not None:
        builder.line(builder.ltr(centre.name, Style.BOLD))
        if centre.address:
            builder.line("📍 ", builder.ltr(centre.address))
        if centre.phone:
            builder.line("☎️ ", builder.ltr(centre.phone, Style.PHONE))
        if centre.email:
            builder.line("✉️ ", builder.ltr(centre.email, Style.EMAIL))
        return
    if contact.name:
        builder.line(builder.ltr(contact.name, Style.BOLD))
    if contact.phone:
        builder.line("☎️ ", builder.ltr(contact.phone, Style.PHONE))
    if contact.email:
        builder.line("✉️ ", builder.ltr(contact.email, Style.EMAIL))
    if contact.website:
        builder.line("🌐 ", builder.ltr(contact.website, Style.LINK))
    if not (contact.name or contact.phone or contact.email):
        builder.line(_("Please ask at the town hall (Rathaus) of your town."))


SMALLTALK_ORDER = ("greeting", "how_are_you", "who_are_you", "thanks", "bye", "off_topic")


def smalltalk_text(kind: str) -> str:
    """A short friendly answer to small talk."""
    texts = {
        "greeting": _(
            "Hello! I help you find the right advice centre. Write your question, for example: "
            "“Where can I get help with my residence permit in Kempen?”"
        ),
        "how_are_you": _("I am fine, thank you! What can I help you with?"),
        "who_are_you": _(
            "I am Wegweiser, a chatbot of the Kommunales Integrationszentrum. I show you which "
            "advice centre can help you. I am a program, not a person."
        ),
        "thanks": _("You are welcome! Write again whenever you need help."),
        "bye": _("Goodbye and all the best!"),
        "off_topic": _(
            "I can only help you find advice centres: asylum, residence, work, recognition of "
            "diplomas, language courses, family, health, housing, debt, protection from violence "
            "and more. What do you need help with?"
        ),
    }
    return texts[kind]
