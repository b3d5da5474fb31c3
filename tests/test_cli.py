"""The wegweiser command as staff and scripts use it: real processes, a real database (a SQLite
file under XDG_DATA_HOME, or the test's PostgreSQL database)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.app import demo_directory_text
from bot.storage.database import Database
from bot.storage.models import UserRow
from tests import postgres
from tests.database_support import everything_stored, process_environment


def wegweiser(
    home: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = process_environment({**os.environ, "XDG_DATA_HOME": str(home)})
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_ask_json_answers_the_arabic_jobcenter_question(home: Path) -> None:
    result = wegweiser(home, "ask", "--json", "وين الجوب سنتر في راينه؟")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert answer["lang"] == "ar"
    assert answer["centres"][0] == "jobcenter-kreis-steinfurt-rheine"
    assert len(answer["centres"]) <= 3
    assert "Jobcenter" in answer["text"]


def test_ask_reads_one_question_a_line(home: Path) -> None:
    questions = (
        "Wo kann ich Deutsch lernen in Kempen?\n\nhello\n"
        "Мені потрібна допомога з боргами в Зігбурзі\n"
    )
    result = wegweiser(home, "ask", "--json", "-", stdin=questions)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [answer["lang"] for answer in answers] == ["de", "en", "uk"]
    assert answers[1]["centres"] == []
    assert answers[2]["centres"][0] == "schuldnerberatung-diakonie-bornheim"


def test_ask_with_language_and_region(home: Path) -> None:
    result = wegweiser(home, "ask", "--json", "--lang", "fr", "--region", "viersen", "Schulden")
    answer = json.loads(result.stdout)
    assert answer["lang"] == "fr"
    assert answer["centres"][0] == "schuldnerberatung-diakonie-willich"
    assert "Langues" in answer["text"]
    bad = wegweiser(home, "ask", "--region", "nowhere", "Schulden")
    assert bad.returncode == 2
    assert "unknown region 'nowhere'" in bad.stderr


def test_directory_check_reports_every_problem(tmp_path: Path, home: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        demo_directory_text().replace("kreis: viersen", "kreis: vierzen", 1)
        + "  - id: extra\n    nme: typo\n",
        encoding="utf-8",
    )
    result = wegweiser(home, "directory", "check", str(broken))
    assert result.returncode == 1
    assert "kreis 'vierzen' is not a key of regions" in result.stdout
    assert "unknown key 'nme'" in result.stdout
    assert all(line.startswith(f"{broken}:") for line in result.stdout.splitlines())


def test_import_is_all_or_nothing_and_export_round_trips(tmp_path: Path, home: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(
        "version: 1\nregions:\n  borken:\n    name: Kreis Borken\n    towns: [Bocholt, Ahaus]\n"
        "centres:\n  - id: jc-borken\n    name: Jobcenter Kreis Borken\n    kreis: borken\n"
        "    town: Ahaus\n    topics: [work]\n    description_de: Arbeit und Bürgergeld.\n",
        encoding="utf-8",
    )
    assert wegweiser(home, "directory", "import", str(small)).returncode == 0
    exported = wegweiser(home, "directory", "export")
    assert "jc-borken" in exported.stdout and "mbe-caritas-viersen" not in exported.stdout

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        demo_directory_text().replace("topics: [", "topics: [nonsense, ", 1), "utf-8"
    )
    result = wegweiser(home, "directory", "import", str(broken))
    assert result.returncode == 1
    assert "unknown topic 'nonsense'" in result.stderr
    assert wegweiser(home, "directory", "export").stdout == exported.stdout

    answer = json.loads(wegweiser(home, "ask", "--json", "Jobcenter in Bocholt").stdout)
    assert answer["centres"] == ["jc-borken"]


def test_chat_piped_onboards_and_answers(home: Path, database_url: str) -> None:
    script = "1\n2\n7\nIch brauche Hilfe bei Schulden, sagt Quokka\n"
    result = wegweiser(home, "chat", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1) Deutsch" in out and "العربية" in out
    assert "Steinfurt" in out
    assert "Schuldnerberatung" in out
    row, stored = asyncio.run(stored_by_the_process(home, database_url))
    assert row == ("de", "steinfurt", "Ibbenbüren")
    assert "Quokka" not in stored
    if not postgres.enabled():  # the file itself, free pages and all
        assert b"Quokka" not in (home / "wegweiser" / "wegweiser.db").read_bytes()


async def stored_by_the_process(home: Path, database_url: str) -> tuple[tuple[object, ...], str]:
    """The one user's (locale, region, town), and every row of every table as text."""
    if not postgres.enabled():
        database_url = f"sqlite+aiosqlite:///{home / 'wegweiser' / 'wegweiser.db'}"
    database = Database(database_url)
    try:
        async with database.session() as session:
            row = (
                await session.execute(select(UserRow.locale, UserRow.region_key, UserRow.town))
            ).one()
        return tuple(row), await everything_stored(database)
    finally:
        await database.close()


def test_bad_config_exits_2_with_one_line_per_problem(tmp_path: Path, home: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[bot]\ndefault_locale = "xx"\nextra = 1\n', encoding="utf-8")
    result = wegweiser(home, "--config", str(config), "ask", "hallo")
    assert result.returncode == 2
    assert result.stderr.count("wegweiser: config:") == 2


def test_merge_into_an_empty_database_is_not_mixed_with_the_demo(
    tmp_path: Path, home: Path
) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(
        "version: 1\nregions:\n  kleve:\n    name: Kreis Kleve\n    towns: [Kleve, Goch]\n"
        "centres:\n  - id: sb-kleve\n    name: Schuldnerberatung Kleve\n    kreis: kleve\n"
        "    town: Kleve\n    topics: [debt]\n    description_de: Hilfe bei Schulden.\n",
        encoding="utf-8",
    )
    result = wegweiser(home, "directory", "import", "--merge", str(small))
    assert result.returncode == 0, result.stderr
    assert "imported 1 centres in 1 regions" in result.stdout
    exported = wegweiser(home, "directory", "export").stdout
    assert "sb-kleve" in exported and "viersen" not in exported


def test_unreadable_files_are_reported_not_crashed_on(tmp_path: Path, home: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"version: 1\nregions:\n  k:\n    name: K\xf6ln\n")
    result = wegweiser(home, "directory", "check", str(latin1))
    assert result.returncode == 1
    assert f"{latin1}:4: the file is not UTF-8 text" in result.stdout
    missing = wegweiser(home, "directory", "import", str(tmp_path / "none.yaml"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr + result.stderr
