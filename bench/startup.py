"""Benchmark 5: start-up, and reconciling 10,000 reminders at start.

Start-up: `wegweiser run` (child process, Telegram against the fake server); one question
is enqueued right after launching, timed until its answer arrives. Warm: a database
that has run before (schema, demo directory, the asking user onboarded). Cold: no
database file yet (migrations and the demo directory import happen first).

Reconcile: what the scheduler does at start (scheduler/runner.py `Timekeeper.tick`, run
once at start and then every few seconds): take the lease, fire every due reminder slot
into the delivery ledger (scheduler/reminders.py `fire_due_reminders`), find the next due
slot and set a wake-up. Measured in process on the Timekeeper `bot.serve.timekeeper`
builds, with 10,000 planned slots not yet due, and with 10,000 due slots (as after a
day of downtime), where SQL statement times and py-spy show where the time goes.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.botproc import CountingServer, database_url, wait_for, wegweiser
from bench.common import (
    Row,
    Section,
    Spy,
    SqlTimes,
    print_section,
    spread,
    timed_section,
)
from bench.seed import add_reminders, add_users, copy_database, prepare, user_row_ids
from bot.app import open_app
from bot.config import Config, DatabaseConfig
from bot.serve import timekeeper
from bot.storage.models import DeliveryRow

WARM_RUNS = 5
COLD_RUNS = 3
PLANNED_RUNS = 3
SLOTS = 10_000
ASKER = 7_000_000
REMINDED = 8_000_000
REMINDED_USERS = 2_000
QUESTION = "Ich brauche Hilfe mit meinen Schulden"


@dataclass(frozen=True, slots=True)
class Launch:
    """Seconds from launch to the first getUpdates and to the first answer; its text."""

    polling: float
    answer: float
    text: str


async def _launch(server: CountingServer, folder: Path, database: Path, name: str) -> Launch:
    bot = wegweiser(folder, server, database, name=name)
    polls = len(server.calls_of("getUpdates"))
    before = len(server.messages_to(ASKER))
    await bot.start()
    launched = time.time()
    server.send_text(ASKER, QUESTION)
    try:
        await wait_for(server, lambda: len(server.messages_to(ASKER)) > before, 300, "answer")
        answered = time.time() - launched
    finally:
        await bot.stop()
    first_poll = server.calls_of("getUpdates")[polls]
    text = server.messages_to(ASKER)[before].text or ""
    return Launch(first_poll.time - launched, answered, text)


async def _planned_tick(folder: Path, prepared: Path, number: int) -> float:
    database = folder / f"planned-{number}.db"
    copy_database(prepared, database)
    async with open_app(Config(database=DatabaseConfig(url=database_url(database)))) as app:
        keeper = timekeeper(app, [])
        started = time.perf_counter()
        await keeper.tick()
        return time.perf_counter() - started


async def _due_tick(folder: Path, prepared: Path) -> tuple[float, int, list[str]]:
    """The first tick with SLOTS due slots, in process: seconds, ledger rows written, and
    where the time went (SQL statement times, then py-spy's samples)."""
    database = folder / "due-run.db"
    copy_database(prepared, database)
    async with open_app(Config(database=DatabaseConfig(url=database_url(database)))) as app:
        keeper = timekeeper(app, [])
        times = SqlTimes()
        times.attach(app.database.engine.sync_engine)
        spy = Spy(os.getpid(), folder / "tick.txt")
        sampling = await spy.start()
        started = time.perf_counter()
        await keeper.tick()
        seconds = time.perf_counter() - started
        found = await spy.stop() if sampling else None
        async with app.database.session() as session:
            notices = await session.scalar(select(func.count()).select_from(DeliveryRow))
    scans = times.plan(database, "SELECT users.id")
    statements = sum(times.count.values())
    recipients = sum(
        seconds for text, seconds in times.total.items() if text.startswith("SELECT users.id")
    )
    per_slot = (
        " per slot: event, recipients, dedupe check, insert, slot update"
        if statements >= 4 * SLOTS
        else " per slot"
    )
    profile = [
        f"Measured: {statements:,} SQL statements for {SLOTS:,} slots "
        f"({statements / SLOTS:.1f}{per_slot}), {seconds / SLOTS * 1000:.1f} ms per slot, in "
        f"one tick of {seconds:.1f} s (`fire_due_reminders` fires a chunk of slots per "
        "transaction, so answering is not held up behind SQLite's write lock for the whole "
        "tick). The recipients query "
        f"(`recipients` in bot/storage/event_repository.py) alone takes {recipients:.1f} s; "
        "SQLite's plan for it: "
        + ("; ".join(f"`{scan}`" for scan in scans) or "no full scans")
        + ".",
        "",
        *times.lines(seconds),
    ]
    profile += spy.lines(found, 8)
    return seconds, int(notices or 0), profile


async def _reminder_database(
    path: Path, base: Path, server: CountingServer, slots: int, due: bool
) -> None:
    copy_database(base, path)
    reminded = await user_row_ids(path, range(REMINDED, REMINDED + REMINDED_USERS))
    if due:  # starts in 12 h, the 1-day reminder was due 12 h ago: fired late, not missed
        await add_reminders(
            path, slots, (1440,), starts_in=timedelta(hours=12), reminded_by=reminded, per_event=2
        )
    else:
        await add_reminders(
            path, slots // 2, (7 * 1440, 1440), starts_in=timedelta(days=30),
            reminded_by=reminded, per_event=2,
        )  # fmt: skip


async def measure() -> Section:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as name:
        folder = Path(name)
        async with CountingServer() as server:
            base = folder / "base.db"
            await prepare(base)
            await add_users(base, 1, ASKER, server, ["de"], ["viersen"])
            await add_users(base, REMINDED_USERS, REMINDED, server)
            warm = []
            for number in range(WARM_RUNS):
                copy_database(base, folder / f"warm-{number}.db")
                warm.append(await _launch(server, folder, folder / f"warm-{number}.db", "warm"))
            cold = [
                await _launch(server, folder, folder / f"cold-{number}.db", "cold")
                for number in range(COLD_RUNS)
            ]
            planned = folder / "planned.db"
            await _reminder_database(planned, base, server, SLOTS, due=False)
            ticks = [await _planned_tick(folder, planned, n) for n in range(PLANNED_RUNS)]
            due = folder / "due.db"
            await _reminder_database(due, base, server, SLOTS, due=True)
            due_seconds, notices, profile = await _due_tick(folder, due)
    errors = sum("went wrong" in launch.text for launch in [*warm, *cold])
    section = Section(
        "startup",
        "5. Start-up and reconciling 10,000 reminders",
        [
            "Start-up: `wegweiser run` as a child process; one question is enqueued right after "
            "launching and timed until its answer reaches the server. Warm: a database that "
            "has run before (schema, demo directory, the user onboarded); cold: no database "
            "file yet (the user is new there, so the first reply asks for the region). "
            "Reconcile: the scheduler's first tick (`Timekeeper.tick` as `bot.serve.timekeeper` "
            "builds it, in process: lease, `fire_due_reminders` into the delivery ledger, next "
            f"wake-up), with {SLOTS:,} planned slots not yet due ({SLOTS // 2:,} events × 7-day "
            f"and 1-day reminders; {PLANNED_RUNS} runs) and with {SLOTS:,} due slots "
            f"({SLOTS:,} events starting in 12 h whose 1-day reminder is due, as after a day of "
            "downtime; 2 people asked to be reminded of each; 1 run). The database has "
            f"{REMINDED_USERS + 1:,} users. The brief sets no target here.",
        ],
    )
    section.rows += [
        Row(
            "warm: process start → first getUpdates",
            spread([launch.polling for launch in warm]).show(" s"),
        ),
        Row(
            "warm: process start → first answer",
            spread([launch.answer for launch in warm]).show(" s"),
        ),
        Row(
            "cold (new database): process start → first answer",
            spread([launch.answer for launch in cold]).show(" s"),
        ),
        Row(
            f"first tick with {SLOTS:,} planned slots, none due",
            spread([seconds * 1000 for seconds in ticks]).show(" ms", 0),
        ),
        Row(
            f"first tick firing {SLOTS:,} due slots into {notices:,} notices",
            f"{due_seconds:.1f} s (1 run, sampled by py-spy) = "
            f"{due_seconds / SLOTS * 1000:.1f} ms per slot",
        ),
    ]
    if errors:
        section.notes.append(f"{errors} of the timed first answers were error replies.")
    section.notes += [
        "",
        f"Where the tick firing {SLOTS:,} due slots spent its time:",
        *profile,
    ]
    return section


def run() -> Section:
    return timed_section(lambda: asyncio.run(measure()))


if __name__ == "__main__":
    print_section(run())
