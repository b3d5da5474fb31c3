"""When an event happens (recurrence) and when its reminders are due (wall-clock offsets)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bot.events.model import Event

_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNIT_MINUTES = {"d": 1440, "h": 60, "m": 1}
UTC = ZoneInfo("UTC")


def parse_offset(text: str) -> int:
    """``"7d"``, ``"1d"``, ``"2h"``, ``"30m"`` → minutes.

    Raises:
        ValueError: for anything else.
    """
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"not a reminder offset like 7d, 1d, 2h or 30m: {text!r}")
    return int(match.group(1)) * _UNIT_MINUTES[match.group(2)]


def occurrences(event: Event, after: datetime, until: datetime) -> list[datetime]:
    """Start times (aware, in the event's zone) in ``[after, until]``; one for a single event."""
    local_start = event.starts_at.astimezone(event.zone)
    if not event.rrule:
        return [local_start] if after <= local_start <= until else []
    naive_start = local_start.replace(tzinfo=None)
    rule = rrulestr(event.rrule, dtstart=naive_start)
    found: list[datetime] = []
    for naive in rule.xafter(naive_start, count=1000, inc=True):
        moment = naive.replace(tzinfo=event.zone)
        if moment > until:
            break
        if moment >= after:
            found.append(moment)
    return found


def reminder_due(occurrence: datetime, offset_minutes: int) -> datetime:
    """When a reminder ``offset_minutes`` before ``occurrence`` is due, in UTC.

    Whole days are counted on the wall clock of the event's zone: a reminder
    "1 day before" a 17:00 meeting comes at 17:00 the day before, also across
    a change to or from summer time. Hours and minutes are real elapsed time.
    """
    days, minutes = divmod(offset_minutes, 1440)
    local = occurrence - timedelta(days=days)
    zone = occurrence.tzinfo
    assert zone is not None
    wall = local.replace(tzinfo=None).replace(tzinfo=zone)  # re-resolve the UTC offset
    return (wall.astimezone(UTC) - timedelta(minutes=minutes)).astimezone(UTC)
