"""The directory file format: the demo file, every problem with its line, round trips."""

from __future__ import annotations

import pytest

from bot.directory.export import export_directory
from bot.directory.loader import DirectoryError, parse_directory
from bot.directory.model import TOPICS, Directory

GOOD = """\
version: 1
regions:
  viersen:
    name: "Kreis Viersen"
    towns: [Viersen, Kempen]
centres:
  - id: mbe-viersen
    name: "Migrationsberatung"
    kreis: viersen
    town: Viersen
    topics: [residence]
    languages: [de, "no"]
    opening_hours:
      - {days: [mo, tu], open: "09:00", close: "12:00"}
    description_de: "Hilft bei Aufenthaltsfragen."
    description_uk: "Допомагає з питаннями перебування."
"""


def test_demo_directory_is_complete(demo_directory: Directory) -> None:
    assert len(demo_directory.centres) >= 40
    assert {region.key for region in demo_directory.regions} == {
        "viersen",
        "steinfurt",
        "rhein-sieg",
    }
    steinfurt = demo_directory.region("steinfurt")
    assert steinfurt is not None and len(steinfurt.towns) == 24
    for region in demo_directory.regions:
        covered = {t for c in demo_directory.centres if c.region == region.key for t in c.topics}
        assert covered == set(TOPICS), region.key


def test_a_valid_file_reads_with_all_fields() -> None:
    directory = parse_directory(GOOD)
    centre = directory.centres[0]
    assert directory.timezone == "Europe/Berlin"
    assert centre.languages == ("de", "no")  # "no" stays Norwegian, not false
    assert centre.descriptions == {
        "de": "Hilft bei Aufenthaltsfragen.",
        "uk": "Допомагає з питаннями перебування.",
    }
    assert centre.opening_hours[0].days == (0, 1)


def test_every_problem_is_reported_with_its_line() -> None:
    broken = (
        GOOD.replace("town: Viersen", "town: Rheine")
        .replace("topics: [residence]", "topics: [residence, jobs]\n    phon: 123")
        .replace('close: "12:00"', 'close: "08:00"')
    )
    with pytest.raises(DirectoryError) as caught:
        parse_directory(broken)
    messages = {(problem.line, problem.message) for problem in caught.value.problems}
    assert (10, "centre 'mbe-viersen': town 'Rheine' is not a town of 'viersen'") in messages
    assert (11, "centre 'mbe-viersen': unknown topic 'jobs'") in messages
    assert (12, "centre: unknown key 'phon'") in messages
    assert any(line == 15 and "before closing" in text for line, text in messages)
    assert len(caught.value.problems) == 4


def test_missing_required_fields_and_bad_yaml() -> None:
    with pytest.raises(DirectoryError) as caught:
        parse_directory("version: 1\nregions: {}\ncentres:\n  - id: x\n")
    text = str(caught.value)
    for field in ("name", "kreis", "town", "topics", "description_de"):
        assert f"{field} is required" in text
    with pytest.raises(DirectoryError) as caught:
        parse_directory("version: 1\ncentres: [\n")
    assert "not valid YAML" in str(caught.value)


def test_export_reads_back_unchanged(demo_directory: Directory) -> None:
    again = parse_directory(export_directory(demo_directory))
    assert again == demo_directory
    assert [c.descriptions for c in again.centres] == [
        c.descriptions for c in demo_directory.centres
    ]
