"""`wegweiser events …` and `wegweiser mso …` as staff use them: real processes, one database."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import wegweiser

GOOD_ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Kreis Viersen//KI//DE
BEGIN:VEVENT
UID:fachkonferenz-2027@kreis-viersen.example
SUMMARY:Fachkonferenz Integration 2027
DTSTART;TZID=Europe/Berlin:20270311T090000
DTEND;TZID=Europe/Berlin:20270311T160000
LOCATION:Forum Viersen
END:VEVENT
BEGIN:VEVENT
UID:netzwerk-1@kreis-viersen.example
SUMMARY:Netzwerktreffen
DTSTART;TZID=Europe/Berlin:20270120T170000
RRULE:FREQ=MONTHLY;INTERVAL=3
END:VEVENT
END:VCALENDAR
"""


def test_staff_add_show_update_and_cancel_an_event(home: Path) -> None:
    added = wegweiser(
        home, "events", "add", "--title-de", "Arbeitskreis MSO Viersen",
        "--title-tr", "MSO Çalışma Grubu", "--start", "2027-05-06T17:00",
        "--end", "2027-05-06T19:00", "--region", "viersen", "--audience", "mso",
        "--kind", "arbeitskreis", "--location", "Kreishaus, Raum 101",
        "--rrule", "FREQ=MONTHLY;INTERVAL=6",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "added event 1: Arbeitskreis MSO Viersen" in added.stdout
    assert "Donnerstag, 6. Mai 2027, 17:00–19:00" in added.stdout
    assert "reminders:  4 planned" in added.stdout  # two offsets, two occurrences a year
    listed = wegweiser(home, "events", "list")
    assert "Arbeitskreis MSO Viersen" in listed.stdout and "(repeats)" in listed.stdout

    moved = wegweiser(home, "events", "update", "1", "--start", "2027-05-07T18:00")
    assert moved.returncode == 0 and "changed: starts_at, ends_at" in moved.stdout
    shown = wegweiser(home, "events", "show", "1")
    assert "Freitag, 7. Mai 2027, 18:00–20:00" in shown.stdout

    cancelled = wegweiser(home, "events", "cancel", "1")
    assert cancelled.returncode == 0
    assert "status:     cancelled" in wegweiser(home, "events", "show", "1").stdout
    assert "no upcoming events" in wegweiser(home, "events", "list").stdout


def test_bad_event_input_is_refused_clearly(home: Path) -> None:
    no_title = wegweiser(home, "events", "add", "--start", "2027-05-06T17:00")
    assert no_title.returncode == 2 and "--title-de" in no_title.stderr
    bad_time = wegweiser(home, "events", "add", "--title-de", "X", "--start", "6.5.2027")
    assert bad_time.returncode == 2 and "not a date and time" in bad_time.stderr
    bad_region = wegweiser(
        home, "events", "add", "--title-de", "X", "--start", "2027-05-06T17:00",
        "--region", "mars",
    )  # fmt: skip
    assert bad_region.returncode == 2 and "unknown region 'mars'" in bad_region.stderr
    too_long = wegweiser(
        home, "events", "add", "--title-de", "X", "--start", "2027-05-06T17:00",
        "--location", "Kreishaus " * 60,
    )  # fmt: skip
    assert too_long.returncode == 2, too_long.stderr
    assert "events.location: 599 characters are too long; at most 500 fit" in too_long.stderr
    assert wegweiser(home, "events", "show", "1").returncode == 1  # nothing was stored
    assert wegweiser(home, "events", "show", "9").returncode == 1


def test_an_ics_import_adds_then_updates_and_a_broken_file_changes_nothing(
    home: Path, tmp_path: Path
) -> None:
    calendar = tmp_path / "termine.ics"
    calendar.write_text(GOOD_ICS, encoding="utf-8")
    first = wegweiser(home, "events", "import", str(calendar), "--region", "viersen")
    assert first.returncode == 0, first.stderr
    assert "2 added, 0 updated" in first.stdout
    again = wegweiser(home, "events", "import", str(calendar), "--region", "viersen")
    assert "0 added, 2 updated" in again.stdout

    broken = tmp_path / "broken.ics"
    broken.write_text(GOOD_ICS.replace("SUMMARY:Netzwerktreffen\n", ""), encoding="utf-8")
    refused = wegweiser(home, "events", "import", str(broken))
    assert refused.returncode == 1
    assert "SUMMARY (the title) is missing; nothing was changed" in refused.stderr
    listed = wegweiser(home, "events", "list").stdout
    assert listed.count("\n") == 2  # still the two events


def test_staff_register_an_mso_and_see_its_contacts(home: Path) -> None:
    added = wegweiser(home, "mso", "add", "--name", "Afrika e.V.", "--region", "steinfurt")
    assert added.returncode == 0, added.stderr
    code = added.stdout.split("invite code ")[1].split()[0]
    assert f"?start=mso-{code}" in added.stdout and f"/start mso-{code}" in added.stdout
    joined = wegweiser(home, "chat", "--user", "amara", stdin=f"/start mso-{code}\n3\n")
    assert "Afrika e.V." in joined.stdout
    assert (
        f"{code}  Afrika e.V.  [steinfurt]  1 contact(s)" in wegweiser(home, "mso", "list").stdout
    )
    assert "console:amara" in wegweiser(home, "mso", "show", code).stdout
    assert wegweiser(home, "mso", "remove", code).returncode == 0
    assert "no MSOs registered" in wegweiser(home, "mso", "list").stdout
