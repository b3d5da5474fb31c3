"""Events to and from iCalendar (RFC 5545) files."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as IcsEvent

from bot.events.model import Event
from bot.events.schedule import UTC

PRODUCT = "-//Wegweiser//Events//DE"
DEFAULT_TIMEZONE = "Europe/Berlin"


class IcsError(ValueError):
    """A calendar file that cannot be imported; the message says why."""


def to_ics(event: Event, language: str = "de") -> bytes:
    """One event as a calendar file, with the zone's definition so calendars show it right."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    entry = IcsEvent()
    entry.add("uid", event.uid)
    entry.add("summary", event.title(language))
    entry.add("dtstart", event.starts_at.astimezone(event.zone))
    if event.ends_at is not None:
        entry.add("dtend", event.ends_at.astimezone(event.zone))
    entry.add("dtstamp", (event.updated_at or event.starts_at).astimezone(UTC))
    if event.location or event.online_url:
        entry.add("location", event.location or event.online_url)
    description = "\n\n".join(
        part
        for part in (event.description(language), event.online_url, event.registration)
        if part
    )
    if description:
        entry.add("description", description)
    if event.rrule:
        entry.add("rrule", _rrule_dict(event.rrule))
    if event.cancelled:
        entry.add("status", "CANCELLED")
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _rrule_dict(rule: str) -> dict[str, str]:
    parts = (item.partition("=") for item in rule.split(";") if item)
    return {key.lower(): value for key, _, value in parts}


def _moment(value: object, zone: str, what: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo(zone))
    raise IcsError(f"{what}: not a date or time")


def _zone_of(value: object) -> str:
    key = getattr(getattr(value, "tzinfo", None), "key", None)
    return key if isinstance(key, str) and key != "UTC" else DEFAULT_TIMEZONE


def from_ics(content: bytes, region: str | None, audience: str, kind: str) -> list[Event]:
    """The events of a calendar file (not yet stored: id 0).

    Raises:
        IcsError: when the file is not iCalendar or an event lacks a start or a title.
    """
    try:
        calendar = Calendar.from_ical(content)
    except ValueError as error:
        raise IcsError(f"not an iCalendar file: {error}") from None
    events: list[Event] = []
    for number, entry in enumerate(calendar.walk("VEVENT"), start=1):
        label = f"event {number}"
        summary = str(entry.get("summary", "")).strip()
        if not summary:
            raise IcsError(f"{label}: SUMMARY (the title) is missing")
        if entry.get("dtstart") is None:
            raise IcsError(f"{label} ({summary}): DTSTART is missing")
        start_value = entry.get("dtstart").dt
        zone = _zone_of(start_value)
        starts = _moment(start_value, zone, f"{label} DTSTART")
        ends: datetime | None = None
        if entry.get("dtend") is not None:
            ends = _moment(entry.get("dtend").dt, zone, f"{label} DTEND")
        elif entry.get("duration") is not None:
            ends = starts + timedelta(seconds=entry.get("duration").dt.total_seconds())
        if ends is not None and ends < starts:
            raise IcsError(f"{label} ({summary}): DTEND is before DTSTART")
        rule = entry.get("rrule")
        events.append(
            Event(
                id=0,
                uid=str(entry.get("uid", "")).strip(),
                kind=kind,
                audience=audience,
                region=region,
                titles={"de": summary},
                descriptions={"de": str(entry.get("description", "")).strip()},
                starts_at=starts,
                ends_at=ends,
                timezone=zone,
                location=str(entry.get("location", "")).strip(),
                rrule=rule.to_ical().decode() if rule is not None else "",
                cancelled=str(entry.get("status", "")).upper() == "CANCELLED",
            )
        )
    if not events:
        raise IcsError("the file has no events (VEVENT)")
    return events
