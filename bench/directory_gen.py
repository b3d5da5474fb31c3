"""A large, valid directory file: the demo's three Kreise plus nine more, 10,000 centres.

The demo directory's 54 centres come first, unchanged (so the project's question set
keeps its expected answers); the rest are variations of them: another Kreis and town,
address, phone, languages, opening hours, sometimes topics, ages and appointments.
The text is written as YAML and read back through the project's own checker.

``python -m bench.directory_gen FILE`` writes the file.
"""

from __future__ import annotations

import copy
import random
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.app import demo_directory_text
from bot.directory.loader import parse_directory
from bot.directory.model import TOPICS, WEEKDAYS, Centre, Directory

CENTRES = 10_000
SEED = 20_26

# Real Kreise of North Rhine-Westphalia and some of their towns (the demo has three more).
MORE_REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "kleve": ("Kreis Kleve", (
        "Kleve", "Emmerich am Rhein", "Geldern", "Goch", "Kalkar", "Kevelaer", "Rees",
        "Straelen", "Bedburg-Hau", "Issum", "Kerken", "Kranenburg", "Uedem", "Weeze",
    )),
    "wesel": ("Kreis Wesel", (
        "Wesel", "Dinslaken", "Moers", "Kamp-Lintfort", "Neukirchen-Vluyn", "Rheinberg",
        "Voerde", "Hamminkeln", "Xanten", "Hünxe", "Schermbeck", "Sonsbeck",
    )),
    "borken": ("Kreis Borken", (
        "Borken", "Bocholt", "Ahaus", "Gronau", "Stadtlohn", "Vreden", "Rhede", "Isselburg",
        "Südlohn", "Velen", "Raesfeld", "Legden", "Schöppingen", "Gescher",
    )),
    "coesfeld": ("Kreis Coesfeld", (
        "Coesfeld", "Dülmen", "Lüdinghausen", "Billerbeck", "Olfen", "Ascheberg",
        "Havixbeck", "Nottuln", "Rosendahl", "Nordkirchen",
    )),
    "warendorf": ("Kreis Warendorf", (
        "Warendorf", "Ahlen", "Beckum", "Oelde", "Sendenhorst", "Drensteinfurt",
        "Ennigerloh", "Everswinkel", "Sassenberg", "Telgte", "Wadersloh", "Ostbevern",
    )),
    "guetersloh": ("Kreis Gütersloh", (
        "Gütersloh", "Rheda-Wiedenbrück", "Verl", "Harsewinkel", "Schloß Holte-Stukenbrock",
        "Steinhagen", "Versmold", "Borgholzhausen", "Herzebrock-Clarholz", "Rietberg",
    )),
    "rhein-erft": ("Rhein-Erft-Kreis", (
        "Bergheim", "Brühl", "Elsdorf", "Erftstadt", "Frechen", "Hürth", "Kerpen",
        "Pulheim", "Wesseling", "Bedburg",
    )),
    "mettmann": ("Kreis Mettmann", (
        "Mettmann", "Ratingen", "Velbert", "Hilden", "Langenfeld", "Monheim am Rhein",
        "Erkrath", "Haan", "Heiligenhaus", "Wülfrath",
    )),
    "heinsberg": ("Kreis Heinsberg", (
        "Heinsberg", "Erkelenz", "Geilenkirchen", "Hückelhoven", "Übach-Palenberg",
        "Wassenberg", "Wegberg", "Gangelt", "Selfkant", "Waldfeucht",
    )),
}  # fmt: skip

STREETS = (
    "Bahnhofstraße", "Hauptstraße", "Kirchplatz", "Marktstraße", "Lindenallee",
    "Schulstraße", "Gartenweg", "Ringstraße", "Am Rathaus", "Mühlenstraße", "Feldweg",
    "Poststraße", "Wilhelmstraße", "Friedrich-Ebert-Straße", "Goethestraße",
)  # fmt: skip
LANGUAGES = ("en", "ar", "fa", "tr", "ru", "uk", "fr", "ku", "ps", "ti", "pl", "ro", "so", "sq")
HOURS: tuple[list[dict[str, Any]], ...] = (
    [{"days": ["mo", "tu", "th"], "open": "08:30", "close": "12:00"}],
    [{"days": ["mo", "we"], "open": "09:00", "close": "12:30"},
     {"days": ["tu", "th"], "open": "13:30", "close": "17:30"}],
    [{"days": ["mo", "tu", "we", "th", "fr"], "open": "08:00", "close": "16:00"}],
    [{"days": ["we"], "open": "14:00", "close": "18:00"}],
    [{"days": ["tu", "th"], "open": "10:00", "close": "13:00"},
     {"days": ["sa"], "open": "10:00", "close": "12:00"}],
    [{"days": ["mo", "tu", "we", "th"], "open": "07:30", "close": "12:00"},
     {"days": ["th"], "open": "14:00", "close": "18:00"}],
    [{"days": ["fr"], "open": "09:00", "close": "24:00"}],
    [],
)  # fmt: skip


def _slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe",
                           "Ü": "ue"})  # fmt: skip
    folded = text.translate(table).lower()
    cleaned = "".join(character if character.isalnum() else "-" for character in folded)
    return "-".join(part for part in cleaned.split("-") if part)


def _short_name(region_name: str) -> str:
    """ "Kreis Viersen" → "Viersen", "Rhein-Sieg-Kreis" → "Rhein-Sieg"."""
    return region_name.removeprefix("Kreis ").removesuffix("-Kreis")


def _hours(centre: Centre) -> list[dict[str, Any]]:
    return [
        {
            "days": [WEEKDAYS[day] for day in slot.days],
            "open": slot.opens.strftime("%H:%M"),
            "close": "24:00" if slot.closes.second == 59 else slot.closes.strftime("%H:%M"),
        }
        for slot in centre.opening_hours
    ]


def _entry(centre: Centre) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": centre.id,
        "name": centre.name,
        "organisation": centre.organisation,
        "kreis": centre.region,
        "town": centre.town,
        "address": centre.address,
        "phone": centre.phone,
        "email": centre.email,
        "website": centre.website,
        "topics": list(centre.topics),
        "languages": list(centre.languages),
        "age_min": centre.age_min,
        "age_max": centre.age_max,
        "opening_hours": _hours(centre),
        "appointment_only": centre.appointment_only,
    }
    entry.update({f"description_{code}": text for code, text in centre.descriptions.items()})
    return entry


def _variant(
    template: Centre,
    number: int,
    region: tuple[str, str, tuple[str, ...]],
    template_region_name: str,
    rng: random.Random,
) -> dict[str, Any]:
    key, region_name, towns = region
    town = rng.choice(towns)
    entry = _entry(template)
    entry["id"] = f"{template.id}-{key}-{number}"
    entry["kreis"] = key
    entry["town"] = town
    for field in ("name", "organisation"):
        text = entry[field].replace(template_region_name, region_name)
        entry[field] = text.replace(_short_name(template_region_name), _short_name(region_name))
    if template.town in entry["name"]:
        entry["name"] = entry["name"].replace(template.town, town)
    postcode = rng.randint(32_000, 53_999)
    entry["address"] = f"{rng.choice(STREETS)} {rng.randint(1, 120)}, {postcode} {town}"
    entry["phone"] = f"+49 {rng.randint(2000, 6999)} {rng.randint(100, 999)} {rng.randint(10, 99)}"
    entry["email"] = f"{_slug(town)}-{number}@example.org"
    entry["website"] = f"https://example.org/{key}/{number}"
    spoken = ["de", *rng.sample(LANGUAGES, rng.randint(0, 6))]
    entry["languages"] = spoken
    entry["opening_hours"] = copy.deepcopy(rng.choice(HOURS))
    entry["appointment_only"] = rng.random() < 0.15 or not entry["opening_hours"]
    if rng.random() < 0.3:
        extra = rng.choice(TOPICS)
        if extra not in entry["topics"]:
            entry["topics"] = [*entry["topics"], extra]
    if rng.random() < 0.1 and len(entry["topics"]) > 1:
        entry["topics"] = entry["topics"][:-1]
    if rng.random() < 0.05 and entry["age_min"] is None and entry["age_max"] is None:
        entry["age_min"], entry["age_max"] = 18, 65
    return entry


def generate(centres: int = CENTRES, seed: int = SEED) -> str:
    """The directory file's text: demo centres, then variations up to ``centres``."""
    rng = random.Random(seed)
    demo = parse_directory(demo_directory_text())
    demo_names = {region.key: region.name for region in demo.regions}
    regions: dict[str, Any] = {
        region.key: {"name": region.name, "towns": list(region.towns)} for region in demo.regions
    }
    for key, (name, towns) in MORE_REGIONS.items():
        regions[key] = {"name": name, "towns": list(towns)}
    all_regions = [(key, value["name"], tuple(value["towns"])) for key, value in regions.items()]
    entries = [_entry(centre) for centre in demo.centres]
    number = 0
    while len(entries) < centres:
        template = demo.centres[number % len(demo.centres)]
        region = all_regions[rng.randrange(len(all_regions))]
        entries.append(_variant(template, number, region, demo_names[template.region], rng))
        number += 1
    document = {
        "version": 1,
        "timezone": demo.timezone,
        "regions": regions,
        "topics": dict(demo.topic_definitions),
        "centres": entries,
    }
    header = (
        f"# Generated by bench/directory_gen.py: {centres} fictional centres "
        f"in {len(regions)} Kreise.\n"
    )
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=200)
    return header + body


def generated_directory(centres: int = CENTRES) -> Directory:
    """The generated directory, checked by the project's own loader."""
    return parse_directory(generate(centres))


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("directory-10000.yaml")
    target.write_text(generate(), encoding="utf-8")
    directory = parse_directory(target.read_text(encoding="utf-8"))
    print(f"{target}: {len(directory.centres)} centres in {len(directory.regions)} regions")


if __name__ == "__main__":
    main()
