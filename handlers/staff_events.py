"""Staff keep events in chat: `/newevent` (guided), `/editevent` (new time), `/cancelevent`.

Only identities listed in ``[staff] admins`` see these; for everyone else the
commands and their buttons do not exist. The draft lives in memory until it
is published or discarded.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.events.model import KINDS, Event
from bot.events.render import KIND_NAMES, event_reply
from bot.i18n import _

STEP_TITLE = "ev_title"
STEP_WHEN = "ev_when"
STEP_PLACE = "ev_place"
STEP_MOVE = "ev_move"
ZONE = "Europe/Berlin"
ALL = "-"

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ ,]+(\d{1,2})[:.](\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")


def parse_start(text: str) -> datetime | None:
    """``03.12.2026 17:00`` or ``2026-12-03 17:00`` as a time in Berlin; None if unreadable."""
    text = text.strip()
    if match := _GERMAN_DATE.match(text):
        day, month, year, hour, minute = map(int, match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day, hour, minute = map(int, match.groups())
    else:
        return None
    try:
        return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(ZONE))
    except ValueError:
        return None


def unreadable_date() -> str:
    """Asks again for a date, with an example."""
    return _("I could not read a future date. Please write it like 03.12.2026 17:00.")


async def _audit(context: Context, action: str, event_id: int) -> None:
    await context.services.staff.audit(context.identity, action, f"event {event_id}", context.now)
    context.services.outbox.set()


def _draft(context: Context) -> dict[str, str]:
    return context.services.drafts.setdefault(context.user.id, {})


async def new_event(context: Context) -> list[Reply]:
    """``/newevent``: start a draft with its German title."""
    context.services.drafts[context.user.id] = {}
    await context.update_user(step=STEP_TITLE)
    return context.reply(_("New event. What is its title (in German)?"))


async def typed_title(context: Context) -> list[Reply]:
    """The title of the draft."""
    if not context.text or context.text.startswith("/"):
        return context.reply(_("Please write the title as text."))
    _draft(context)["title"] = context.text[:300]
    await context.update_user(step=STEP_WHEN)
    return context.reply(_("When does it start? For example: 03.12.2026 17:00"))


async def typed_start(context: Context) -> list[Reply]:
    """The start of the draft."""
    starts = parse_start(context.text)
    if starts is None or starts <= context.now:
        return context.reply(unreadable_date())
    _draft(context)["starts"] = starts.isoformat()
    await context.update_user(step=STEP_PLACE)
    return context.reply(_("Where? Write the address or the online link, or “-” for none."))


async def typed_place(context: Context) -> list[Reply]:
    """The place of the draft; then the region."""
    place = context.text.strip()
    _draft(context)["place"] = "" if place in ("-", "–") else place[:500]
    await context.update_user(step=None)
    directory = context.services.answering.directory
    choices = [Choice(region.name, f"evregion:{region.key}") for region in directory.regions]
    choices.append(Choice(_("All regions"), f"evregion:{ALL}"))
    return context.reply(_("For which region?"), tuple(choices))


async def chose_region(context: Context) -> list[Reply]:
    """The region of the draft; then the audience."""
    _draft(context)["region"] = context.choice_value
    choices = (
        Choice(_("Everyone"), "evaud:public"),
        Choice(_("MSO contacts only"), "evaud:mso"),
    )
    return context.reply(_("Who is it for?"), choices)


async def chose_audience(context: Context) -> list[Reply]:
    """The audience of the draft; then the kind."""
    _draft(context)["audience"] = "mso" if context.choice_value == "mso" else "public"
    choices = tuple(Choice(_(KIND_NAMES[kind]), f"evkind:{kind}") for kind in KINDS)
    return context.reply(_("What kind of event is it?"), choices)


def _event_of(draft: dict[str, str]) -> Event | None:
    if not {"title", "starts", "audience", "kind"} <= set(draft):
        return None
    starts = datetime.fromisoformat(draft["starts"])
    place = draft.get("place", "")
    online = place.startswith(("http://", "https://"))
    region = draft.get("region", ALL)
    return Event(
        id=0, uid="", kind=draft["kind"], audience=draft["audience"],
        region=None if region == ALL else region, titles={"de": draft["title"]},
        descriptions={}, starts_at=starts, ends_at=starts + timedelta(hours=2), timezone=ZONE,
        location="" if online else place, online_url=place if online else "",
    )  # fmt: skip


async def chose_kind(context: Context) -> list[Reply]:
    """The kind of the draft; then a preview to publish or discard."""
    draft = _draft(context)
    draft["kind"] = context.choice_value if context.choice_value in KINDS else "other"
    event = _event_of(draft)
    if event is None:
        return context.reply(_("This draft is gone. Send /newevent to start again."))
    preview = event_reply(event, event.starts_at, context.locale)
    choices = (Choice(_("Publish"), "evok:yes"), Choice(_("Discard"), "evok:no"))
    question = _("Publish this event? Subscribers are told at once.")
    return [Reply(preview.spans, rtl=preview.rtl), *context.reply(question, choices)]


async def confirmed(context: Context) -> list[Reply]:
    """Publish or discard the draft."""
    draft = context.services.drafts.pop(context.user.id, {})
    event = _event_of(draft)
    if context.choice_value != "yes" or event is None:
        return context.reply(_("Discarded."))
    stored = await context.services.events.add(event, context.now)
    await _audit(context, "event.add", stored.id)
    text = _("Published as event {id}. Subscribers are told now.").format(id=stored.id)
    return context.reply(text)


async def _pick(context: Context, prefix: str, question: str) -> list[Reply]:
    upcoming = await context.services.events.upcoming(context.now, None, True, limit=10)
    if not upcoming:
        return context.reply(_("There are no upcoming events."))
    choices = tuple(
        Choice(
            f"{item.starts_at:%d.%m.} {item.event.title('de')}"[:60], f"{prefix}:{item.event.id}"
        )
        for item in upcoming
    )
    return context.reply(question, choices)


async def edit_event(context: Context) -> list[Reply]:
    """``/editevent``: choose an event to move."""
    return await _pick(context, "evedit", _("Which event do you want to move?"))


async def chose_event_to_move(context: Context) -> list[Reply]:
    """An event to move was chosen; ask for the new start."""
    context.services.drafts[context.user.id] = {"move": context.choice_value}
    await context.update_user(step=STEP_MOVE)
    return context.reply(_("When does it start now? For example: 03.12.2026 17:00"))


async def typed_new_start(context: Context) -> list[Reply]:
    """The new start of a moved event: reminders move, recipients are told."""
    starts = parse_start(context.text)
    if starts is None or starts <= context.now:
        return context.reply(unreadable_date())
    draft = context.services.drafts.pop(context.user.id, {})
    await context.update_user(step=None)
    event_id = draft.get("move", "")
    event = await context.services.events.get(int(event_id)) if event_id.isdigit() else None
    if event is None:
        return context.reply(_("This event is no longer planned."))
    length = event.ends_at - event.starts_at if event.ends_at else None
    moved = replace(event, starts_at=starts, ends_at=starts + length if length else None)
    await context.services.events.update(moved, context.now)
    await _audit(context, "event.update", event.id)
    return context.reply(_("Moved. Everyone who expects the event is told."))


async def cancel_event(context: Context) -> list[Reply]:
    """``/cancelevent``: choose an event to cancel."""
    return await _pick(context, "evcancel", _("Which event do you want to cancel?"))


async def chose_event_to_cancel(context: Context) -> list[Reply]:
    """Ask once more before cancelling."""
    choices = (
        Choice(_("Yes, cancel it"), f"evcancelok:{context.choice_value}"),
        Choice(_("No"), "evcancelok:-"),
    )
    return context.reply(_("Really cancel this event? Everyone who expects it is told."), choices)


async def cancel_confirmed(context: Context) -> list[Reply]:
    """Cancel the chosen event."""
    value = context.choice_value
    if not value.isdigit() or await context.services.events.get(int(value)) is None:
        return context.reply(_("Nothing was cancelled."))
    await context.services.events.cancel(int(value), context.now)
    await _audit(context, "event.cancel", int(value))
    return context.reply(_("Cancelled. Everyone who expected the event is told."))
