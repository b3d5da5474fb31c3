"""Upcoming events: `/events`, "remind me", "add to calendar"."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import Attachment, Reply, Span
from bot.events.ics import to_ics
from bot.events.render import event_reply
from bot.i18n import _
from bot.i18n.locales import is_rtl


async def list_events(context: Context) -> list[Reply]:
    """``/events``: the next events in the user's region, each with its actions."""
    services = context.services
    include_mso = await services.community.is_member(context.user.id)
    upcoming = await services.events.upcoming(context.now, context.user.region, include_mso)
    rtl = is_rtl(context.locale)
    if not upcoming:
        return [
            Reply.plain(
                _("There are no upcoming events in your region right now.")
                + "\n"
                + _("Send /subscribe to hear about new ones."),
                rtl=rtl,
            )
        ]
    intro = Reply.plain(_("Upcoming events:"), rtl=rtl)
    return [
        intro,
        *(event_reply(item.event, item.starts_at, context.locale) for item in upcoming),
    ]


def _event_id(context: Context) -> int | None:
    value = context.choice_value
    return int(value) if value.isdigit() else None


async def remind_me(context: Context) -> list[Reply]:
    """The "remind me" button of an event."""
    event_id = _event_id(context)
    event = await context.services.events.get(event_id) if event_id is not None else None
    rtl = is_rtl(context.locale)
    if event is None or event.cancelled:
        return [Reply.plain(_("This event is no longer planned."), rtl=rtl)]
    added = await context.services.events.remind(context.user.id, event.id, context.now)
    title = event.title(context.locale)
    text = (
        _("Done: I will remind you before “{title}”.")
        if added
        else _("You will already be reminded of “{title}”.")
    )
    return [Reply.plain(text.format(title=title), rtl=rtl)]


async def calendar_file(context: Context) -> list[Reply]:
    """The "add to calendar" button: the event as an .ics file."""
    event_id = _event_id(context)
    event = await context.services.events.get(event_id) if event_id is not None else None
    locale = context.locale
    if event is None:
        return [Reply.plain(_("This event is no longer planned."), rtl=is_rtl(locale))]
    text = _("Open the file to add “{title}” to your calendar.").format(title=event.title(locale))
    attachment = Attachment(f"event-{event.id}.ics", to_ics(event, locale), "text/calendar")
    return [Reply((Span(text),), rtl=is_rtl(locale), attachment=attachment)]
