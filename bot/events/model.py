"""An event as the bot knows it, independent of storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

KINDS = ("arbeitskreis", "fachkonferenz", "netzwerktreffen", "workshop", "festival", "other")
AUDIENCES = ("public", "mso")
CHANNELS = ("arbeitskreis", "events")
SOURCE_LANGUAGE = "de"


@dataclass(frozen=True, slots=True)
class Event:
    """A meeting or event; times are aware datetimes, ``rrule`` an iCalendar RRULE or ""."""

    id: int
    uid: str
    kind: str
    audience: str
    region: str | None
    titles: dict[str, str]
    descriptions: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    timezone: str
    location: str = ""
    online_url: str = ""
    registration: str = ""
    rrule: str = ""
    cancelled: bool = False
    updated_at: datetime | None = field(default=None, compare=False)

    @property
    def channel(self) -> str:
        """The subscription channel that announces it: MSO events go to the Arbeitskreis."""
        for_msos = self.audience == "mso" or self.kind == "arbeitskreis"
        return "arbeitskreis" if for_msos else "events"

    @property
    def zone(self) -> ZoneInfo:
        """The event's time zone."""
        return ZoneInfo(self.timezone)

    def title(self, language: str) -> str:
        """The title in ``language``, else German."""
        return self.titles.get(language) or self.titles[SOURCE_LANGUAGE]

    def description(self, language: str) -> str:
        """The description in ``language``, else German, else empty."""
        return self.descriptions.get(language) or self.descriptions.get(SOURCE_LANGUAGE, "")


# Fields whose change is worth telling the people who expect the event.
NOTABLE_FIELDS = ("titles", "starts_at", "ends_at", "location", "online_url", "registration")


def changed_fields(before: Event, after: Event) -> list[str]:
    """The notable fields that differ between two versions of an event."""
    return [name for name in NOTABLE_FIELDS if getattr(before, name) != getattr(after, name)]
