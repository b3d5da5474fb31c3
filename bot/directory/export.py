"""Writing a directory back out in the file format (version 1)."""

from __future__ import annotations

from datetime import time
from typing import Any

import yaml

from bot.directory.loader import FORMAT_VERSION
from bot.directory.model import WEEKDAYS, Centre, Directory


def _clock(value: time) -> str:
    return "24:00" if value == time(23, 59, 59) else value.strftime("%H:%M")


def _centre(centre: Centre) -> dict[str, Any]:
    data: dict[str, Any] = {"id": centre.id, "name": centre.name}
    if centre.organisation:
        data["organisation"] = centre.organisation
    data["kreis"] = centre.region
    data["town"] = centre.town
    for key in ("address", "phone", "email", "website"):
        if value := getattr(centre, key):
            data[key] = value
    data["topics"] = list(centre.topics)
    if centre.languages:
        data["languages"] = list(centre.languages)
    if centre.age_min is not None:
        data["age_min"] = centre.age_min
    if centre.age_max is not None:
        data["age_max"] = centre.age_max
    if centre.opening_hours:
        data["opening_hours"] = [
            {
                "days": [WEEKDAYS[day] for day in slot.days],
                "open": _clock(slot.opens),
                "close": _clock(slot.closes),
            }
            for slot in centre.opening_hours
        ]
    if centre.appointment_only:
        data["appointment_only"] = True
    descriptions = dict(centre.descriptions)
    for language in ["de", *sorted(set(descriptions) - {"de"})]:
        if language in descriptions:
            data[f"description_{language}"] = descriptions[language]
    return data


def export_directory(directory: Directory) -> str:
    """The directory as YAML text that ``parse_directory`` reads back unchanged."""
    document: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "timezone": directory.timezone,
        "regions": {
            region.key: {"name": region.name, "towns": list(region.towns)}
            for region in directory.regions
        },
    }
    if directory.topic_definitions:
        document["topics"] = dict(directory.topic_definitions)
    document["centres"] = [_centre(centre) for centre in directory.centres]
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
