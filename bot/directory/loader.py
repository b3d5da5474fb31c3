"""Reading and checking a directory file (format version 1).

Every problem is collected with its line number, so that ``directory check``
can report them all at once. Unknown keys are errors, not silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.directory.model import TOPICS, WEEKDAYS, Centre, Directory, Region, Slot

FORMAT_VERSION = 1
DEFAULT_TIMEZONE = "Europe/Berlin"

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_DESCRIPTION = re.compile(r"^description_([a-z]{2,3}(?:_[A-Za-z]{2,4})?)$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_TOP_KEYS = {"version", "timezone", "regions", "topics", "centres"}
_REGION_KEYS = {"name", "towns"}
_SLOT_KEYS = {"days", "open", "close"}
_CENTRE_KEYS = {
    "id", "name", "organisation", "kreis", "town", "address", "phone", "email", "website",
    "topics", "languages", "age_min", "age_max", "opening_hours", "appointment_only",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a directory file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class DirectoryError(Exception):
    """A directory file has problems; nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Checker:
    """Walks the YAML node tree, building the model and collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(Problem(_line(node), message))

    def mapping(self, node: Node, what: str, allowed: set[str]) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return {}
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in result:
                self.problem(key_node, f"{what}: key '{key}' appears twice")
            elif key not in allowed and not (
                what.startswith("centre") and _DESCRIPTION.match(key)
            ):
                self.problem(key_node, f"{what}: unknown key '{key}'")
            result[key] = value_node
        return result

    def text(self, node: Node | None, what: str, required: bool = False) -> str:
        if node is None:
            return ""
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            if required:
                self.problem(node, f"{what} must not be empty")
            return ""
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be a single value")
            return ""
        value = str(node.value).strip()
        if required and not value:
            self.problem(node, f"{what} must not be empty")
        return value

    def sequence(self, node: Node | None, what: str) -> list[Node]:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        return list(node.value)

    def integer(self, node: Node | None, what: str) -> int | None:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return None
        if isinstance(node, ScalarNode) and node.tag.endswith(":int"):
            value = int(node.value)
            if 0 <= value <= 130:
                return value
        self.problem(node, f"{what} must be a whole number of years (0 to 130) or null")
        return None

    def boolean(self, node: Node | None, what: str) -> bool:
        if node is None:
            return False
        if isinstance(node, ScalarNode) and node.value in ("true", "false"):
            return bool(node.value == "true")
        self.problem(node, f"{what} must be true or false")
        return False

    def clock(self, node: Node | None, what: str, owner: Node) -> time | None:
        if node is None:
            self.problem(owner, f"{what} is required")
            return None
        raw = str(node.value) if isinstance(node, ScalarNode) else ""
        if not _CLOCK.match(raw):
            self.problem(node, f'{what} must be a time like "09:30" (in quotes), got {raw!r}')
            return None
        if raw == "24:00":
            return time(23, 59, 59)
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))


def _check_regions(check: _Checker, node: Node | None, root: Node) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    if node is None:
        check.problem(root, "regions is required: every region (Kreis) with all its towns")
        return regions
    for key_node, value_node in node.value if isinstance(node, MappingNode) else []:
        key = str(key_node.value)
        if not _SLUG.match(key):
            check.problem(key_node, f"region key '{key}' must be a slug of a-z, 0-9 and -")
        if key in regions:
            check.problem(key_node, f"region '{key}' appears twice")
        fields = check.mapping(value_node, f"region '{key}'", _REGION_KEYS)
        name = check.text(fields.get("name"), f"region '{key}': name", required=True)
        if "name" not in fields:
            check.problem(value_node, f"region '{key}': name is required")
        towns: list[str] = []
        if "towns" not in fields:
            check.problem(value_node, f"region '{key}': towns is required")
        for town_node in check.sequence(fields.get("towns"), f"region '{key}': towns"):
            town = check.text(town_node, f"region '{key}': town", required=True)
            if town in towns:
                check.problem(town_node, f"region '{key}': town '{town}' appears twice")
            elif town:
                towns.append(town)
        regions[key] = Region(key=key, name=name, towns=tuple(towns))
    if not isinstance(node, MappingNode):
        check.problem(node, "regions must be a mapping of region keys to regions")
    return regions


def _check_topics(check: _Checker, node: Node | None) -> dict[str, str]:
    if node is None:
        return {}
    fields = check.mapping(node, "topics", set(TOPICS))
    return {
        key: check.text(value, f"topics: {key}", required=True) for key, value in fields.items()
    }


def _check_hours(check: _Checker, node: Node | None, what: str) -> tuple[Slot, ...]:
    if node is None:
        return ()
    slots: list[Slot] = []
    for slot_node in check.sequence(node, f"{what}: opening_hours"):
        fields = check.mapping(slot_node, f"{what}: opening hours entry", _SLOT_KEYS)
        days: list[int] = []
        if "days" not in fields:
            check.problem(slot_node, f"{what}: opening hours entry needs days")
        for day_node in check.sequence(fields.get("days"), f"{what}: days"):
            day = check.text(day_node, f"{what}: day").lower()
            if day not in WEEKDAYS:
                check.problem(day_node, f"{what}: unknown day '{day}' (use {', '.join(WEEKDAYS)})")
            else:
                days.append(WEEKDAYS.index(day))
        opens = check.clock(fields.get("open"), f"{what}: open", slot_node)
        closes = check.clock(fields.get("close"), f"{what}: close", slot_node)
        if opens and closes and opens >= closes:
            check.problem(slot_node, f"{what}: opening time must be before closing time")
        elif opens and closes and days:
            slots.append(Slot(days=tuple(days), opens=opens, closes=closes))
    return tuple(slots)


def _check_centre(
    check: _Checker, node: Node, regions: dict[str, Region], seen_ids: set[str]
) -> Centre | None:
    fields = check.mapping(node, "centre", _CENTRE_KEYS)
    if not fields and not isinstance(node, MappingNode):
        return None
    centre_id = check.text(fields.get("id"), "centre: id", required=True)
    what = f"centre '{centre_id or '?'}'"
    for required in ("id", "name", "kreis", "town", "topics", "description_de"):
        if required not in fields:
            check.problem(node, f"{what}: {required} is required")
    if centre_id and not _SLUG.match(centre_id):
        check.problem(fields["id"], f"{what}: id must be a slug of a-z, 0-9 and -")
    if centre_id in seen_ids:
        check.problem(fields["id"], f"{what}: id appears twice")
    seen_ids.add(centre_id)
    region_key = check.text(fields.get("kreis"), f"{what}: kreis", required=True)
    town = check.text(fields.get("town"), f"{what}: town", required=True)
    region = regions.get(region_key)
    if region_key and region is None and "kreis" in fields:
        check.problem(fields["kreis"], f"{what}: kreis '{region_key}' is not a key of regions")
    if region and town and town not in region.towns:
        check.problem(fields["town"], f"{what}: town '{town}' is not a town of '{region_key}'")
    topics: list[str] = []
    for topic_node in check.sequence(fields.get("topics"), f"{what}: topics"):
        topic = check.text(topic_node, f"{what}: topic")
        if topic not in TOPICS:
            check.problem(topic_node, f"{what}: unknown topic '{topic}'")
        elif topic not in topics:
            topics.append(topic)
    topics_node = fields.get("topics")
    if isinstance(topics_node, SequenceNode) and not topics_node.value:
        check.problem(topics_node, f"{what}: topics needs at least one topic")
    languages: list[str] = []
    for language_node in check.sequence(fields.get("languages"), f"{what}: languages"):
        language = check.text(language_node, f"{what}: language").lower()
        if not _LANGUAGE.match(language):
            check.problem(language_node, f"{what}: '{language}' is not an ISO 639 language code")
        elif language not in languages:
            languages.append(language)
    age_min = check.integer(fields.get("age_min"), f"{what}: age_min")
    age_max = check.integer(fields.get("age_max"), f"{what}: age_max")
    if age_min is not None and age_max is not None and age_min > age_max:
        check.problem(fields["age_min"], f"{what}: age_min is greater than age_max")
    email = check.text(fields.get("email"), f"{what}: email")
    if email and not _EMAIL.match(email):
        check.problem(fields["email"], f"{what}: '{email}' is not an e-mail address")
    website = check.text(fields.get("website"), f"{what}: website")
    if website and not website.startswith(("http://", "https://")):
        check.problem(fields["website"], f"{what}: website must start with https://")
    descriptions = {
        match.group(1): check.text(value, f"{what}: {key}", required=True)
        for key, value in fields.items()
        if (match := _DESCRIPTION.match(key))
    }
    return Centre(
        id=centre_id,
        name=check.text(fields.get("name"), f"{what}: name", required=True),
        organisation=check.text(fields.get("organisation"), f"{what}: organisation"),
        region=region_key,
        town=town,
        address=check.text(fields.get("address"), f"{what}: address"),
        phone=check.text(fields.get("phone"), f"{what}: phone"),
        email=email,
        website=website,
        topics=tuple(topics),
        languages=tuple(languages),
        age_min=age_min,
        age_max=age_max,
        opening_hours=_check_hours(check, fields.get("opening_hours"), what),
        appointment_only=check.boolean(
            fields.get("appointment_only"), f"{what}: appointment_only"
        ),
        descriptions=descriptions,
    )


def read_directory_file(path: Path) -> Directory:
    """Read and check a directory file.

    Raises:
        DirectoryError: when the file cannot be read as UTF-8 or has problems.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DirectoryError([Problem(0, "no such file")]) from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise DirectoryError([Problem(line, "the file is not UTF-8 text")]) from None
    except OSError as error:
        raise DirectoryError([Problem(0, f"cannot read the file: {error.strerror}")]) from None
    return parse_directory(text)


def parse_directory(text: str) -> Directory:
    """Parse and check a directory file's text.

    Raises:
        DirectoryError: listing every problem with its line number.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise DirectoryError([Problem(line, f"not valid YAML: {error.problem}")]) from None
    except yaml.YAMLError as error:
        raise DirectoryError([Problem(1, f"not valid YAML: {error}")]) from None
    if root is None:
        raise DirectoryError([Problem(1, "the file is empty")])
    check = _Checker()
    fields = check.mapping(root, "the file", _TOP_KEYS)
    if fields or isinstance(root, MappingNode):
        version = fields.get("version")
        if version is None:
            check.problem(root, f"version is required (version: {FORMAT_VERSION})")
        elif check.text(version, "version") != str(FORMAT_VERSION):
            check.problem(version, f"unsupported version; this bot reads version {FORMAT_VERSION}")
    timezone = check.text(fields.get("timezone"), "timezone") or DEFAULT_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        check.problem(fields.get("timezone", root), f"unknown timezone '{timezone}'")
    regions = _check_regions(check, fields.get("regions"), root)
    topics = _check_topics(check, fields.get("topics"))
    centres: list[Centre] = []
    seen_ids: set[str] = set()
    if "centres" not in fields:
        check.problem(root, "centres is required")
    for centre_node in check.sequence(fields.get("centres"), "centres"):
        centre = _check_centre(check, centre_node, regions, seen_ids)
        if centre is not None:
            centres.append(centre)
    if check.problems:
        raise DirectoryError(sorted(check.problems, key=lambda problem: problem.line))
    return Directory(
        timezone=timezone,
        regions=tuple(regions.values()),
        topic_definitions=topics,
        centres=tuple(centres),
    )
