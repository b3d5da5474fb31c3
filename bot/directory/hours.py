"""Opening hours: is a centre open at a moment, and when does it open next.

All computation happens in the directory's timezone; callers pass aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.directory.model import Centre

_SEARCH_DAYS = 14


@dataclass(frozen=True, slots=True)
class OpenState:
    """Whether a centre is open at a moment, until when, and when it opens next."""

    is_open: bool
    closes_at: datetime | None
    next_opening: datetime | None


def _intervals(centre: Centre, day: datetime) -> list[tuple[datetime, datetime]]:
    """The centre's open intervals on the local calendar day of ``day``."""
    result = []
    for slot in centre.opening_hours:
        if day.weekday() in slot.days:
            opens = day.replace(hour=slot.opens.hour, minute=slot.opens.minute, second=0)
            closes = day.replace(
                hour=slot.closes.hour, minute=slot.closes.minute, second=slot.closes.second
            )
            result.append((opens, closes))
    return sorted(result)


def open_state(centre: Centre, moment: datetime, timezone: str) -> OpenState:
    """Compute the state of ``centre`` at ``moment`` in the directory's ``timezone``."""
    local = moment.astimezone(ZoneInfo(timezone)).replace(microsecond=0)
    midnight = local.replace(hour=0, minute=0, second=0)
    is_open = False
    closes_at: datetime | None = None
    for offset in range(_SEARCH_DAYS + 1):
        day = (midnight + timedelta(days=offset)).replace(tzinfo=ZoneInfo(timezone))
        for opens, closes in _intervals(centre, day):
            if opens <= local < closes:
                is_open, closes_at = True, closes
            elif opens > local:
                return OpenState(is_open, closes_at, opens)
    return OpenState(is_open, closes_at, None)


def open_during(centre: Centre, start: datetime, end: datetime, timezone: str) -> bool:
    """True when the centre is open at some moment between ``start`` and ``end``."""
    local_start = start.astimezone(ZoneInfo(timezone))
    local_end = end.astimezone(ZoneInfo(timezone))
    day = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < local_end:
        for opens, closes in _intervals(centre, day):
            if opens < local_end and closes > local_start:
                return True
        day = (day + timedelta(days=1)).replace(tzinfo=ZoneInfo(timezone))
    return False
