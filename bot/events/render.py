"""Events and event notices as replies, in the reader's language (dates through Babel)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_date, format_time

from bot.core.builder import ReplyBuilder
from bot.core.messages import Choice, Reply, Span, Style
from bot.events.model import SOURCE_LANGUAGE, Event
from bot.i18n import N_, _
from bot.i18n.locales import babel_locale, is_rtl

KIND_NAMES = {
    "arbeitskreis": N_("Arbeitskreis meeting"),
    "fachkonferenz": N_("Conference"),
    "netzwerktreffen": N_("Network meeting"),
    "workshop": N_("Workshop"),
    "festival": N_("Festival"),
    "other": N_("Event"),
}

FIELD_NAMES = {
    "titles": N_("title"),
    "starts_at": N_("date and time"),
    "ends_at": N_("end"),
    "location": N_("place"),
    "online_url": N_("online link"),
    "registration": N_("registration"),
}


def when(event: Event, starts: datetime, locale: str) -> str:
    """``Montag, 14. Dezember 2026, 17:00–19:00`` in the reader's language and the event's zone."""
    language = babel_locale(locale)
    local = starts.astimezone(event.zone)
    text = "{date}, {time}".format(
        date=format_date(local, "full", locale=language),
        time=format_time(local, "short", tzinfo=event.zone, locale=language),
    )
    if event.ends_at is not None:
        end = (event.ends_at - event.starts_at + local).astimezone(event.zone)
        if end.date() == local.date():
            text += "–" + format_time(end, "short", tzinfo=event.zone, locale=language)
    return text


def event_choices(event: Event) -> tuple[Choice, ...]:
    """ "Remind me" and "add to calendar" for one event."""
    return (
        Choice("⏰ " + _("Remind me"), f"remind:{event.id}"),
        Choice("📅 " + _("Add to calendar"), f"ics:{event.id}"),
    )


def write_event(builder: ReplyBuilder, event: Event, starts: datetime, locale: str) -> None:
    """The event's title, time, place, kind, registration and description."""
    builder.line(Span(event.title(locale), Style.BOLD))
    builder.line("🗓️ ", builder.ltr(when(event, starts, locale)))
    if event.location:
        builder.line("📍 ", builder.ltr(event.location))
    if event.online_url:
        builder.line("💻 ", builder.ltr(event.online_url, Style.LINK))
    builder.line("🏷️ ", _(KIND_NAMES.get(event.kind, KIND_NAMES["other"])))
    if event.registration:
        builder.line("📝 ", _("Registration: {how}").format(how=event.registration))
    description = event.description(locale)
    if description:
        in_german = locale != SOURCE_LANGUAGE and locale not in event.descriptions
        builder.line(description + (" " + _("(in German)") if in_german else ""))


def event_reply(event: Event, starts: datetime, locale: str) -> Reply:
    """One event with its actions, as listed by /events."""
    builder = ReplyBuilder(is_rtl(locale))
    write_event(builder, event, starts, locale)
    return builder.build(event_choices(event))


def notice_reply(
    kind: str, event: Event, starts: datetime, details: dict[str, Any], locale: str
) -> Reply:
    """An announcement, reminder, change or cancellation notice about ``event``."""
    builder = ReplyBuilder(is_rtl(locale))
    choices: tuple[Choice, ...] = ()
    if kind == "announce":
        builder.line(Span("📣 " + _("New event:"), Style.BOLD))
        choices = event_choices(event)
    elif kind == "reminder":
        builder.line(Span("⏰ " + _("Reminder:"), Style.BOLD))
        choices = event_choices(event)[1:]
    elif kind == "change":
        fields = ", ".join(_(FIELD_NAMES[name]) for name in details.get("changed", ()))
        builder.line(
            Span("✏️ " + _("This event has changed: {fields}").format(fields=fields), Style.BOLD)
        )
        choices = event_choices(event)[1:]
    else:
        builder.line(Span("❌ " + _("This event has been cancelled:"), Style.BOLD))
        builder.line(event.title(locale))
        builder.line("🗓️ ", builder.ltr(when(event, starts, locale)))
        return builder.build()
    builder.blank()
    write_event(builder, event, starts, locale)
    return builder.build(choices)
