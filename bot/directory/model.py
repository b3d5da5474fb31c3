"""Immutable directory model, as read from a file or the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

TOPICS: tuple[str, ...] = (
    "asylum",
    "residence",
    "work",
    "recognition",
    "language_course",
    "integration_course",
    "youth",
    "family",
    "women",
    "violence_protection",
    "pregnancy",
    "health",
    "housing",
    "debt",
    "school_education",
    "discrimination",
    "community",
    "mso_support",
    "funding",
    "translation_help",
)

WEEKDAYS: tuple[str, ...] = ("mo", "tu", "we", "th", "fr", "sa", "su")


@dataclass(frozen=True, slots=True)
class Slot:
    """One opening interval on some weekdays (0 = Monday), wall-clock local time."""

    days: tuple[int, ...]
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Region:
    """A Kreis with all its towns."""

    key: str
    name: str
    towns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Centre:
    """One advice centre."""

    id: str
    name: str
    region: str
    town: str
    topics: tuple[str, ...]
    descriptions: dict[str, str] = field(hash=False)
    organisation: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    languages: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    opening_hours: tuple[Slot, ...] = ()
    appointment_only: bool = False

    def serves_age(self, age: int) -> bool:
        """True when a person of ``age`` is within the centre's age range."""
        if self.age_min is not None and age < self.age_min:
            return False
        return not (self.age_max is not None and age > self.age_max)


@dataclass(frozen=True, slots=True)
class Directory:
    """A whole directory: timezone, regions, topic definitions and centres."""

    timezone: str
    regions: tuple[Region, ...]
    topic_definitions: dict[str, str] = field(hash=False)
    centres: tuple[Centre, ...] = ()

    def region(self, key: str) -> Region | None:
        """The region with ``key``, if any."""
        return next((region for region in self.regions if region.key == key), None)

    def region_of_town(self, town: str) -> Region | None:
        """The region that lists ``town``."""
        return next((region for region in self.regions if town in region.towns), None)
