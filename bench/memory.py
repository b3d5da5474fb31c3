"""Benchmark 4: resident memory of `wegweiser run` with 100,000 users and 10,000 reminders.

The database holds 100,000 onboarded Telegram users, 5,000 upcoming events with a 7-day
and a 1-day reminder slot each (10,000 planned reminders) and 2 "remind me" presses per
event. `wegweiser run` (child process, Telegram against the fake server, demo directory)
is read from /proc/PID/status (VmRSS now, VmHWM peak) after start-up (first answer
received, first scheduler tick done) and after traffic: TRAFFIC_USERS users each send
two questions and /events, all at once.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.botproc import CountingServer, Memory, database_url, wait_for, wegweiser
from bench.common import Row, Section, print_section, spread, timed_section, verdict
from bench.seed import LOCALES, add_reminders, add_users, copy_database, prepare, user_row_ids
from bot.app import open_app
from bot.config import Config, DatabaseConfig
from tests.evaluation import QUESTIONS, load_questions

USERS = 100_000
EVENTS = 5_000
OFFSETS = (7 * 1440, 1440)
FIRST_USER = 10_000_000
TRAFFIC_USERS = 100
TARGET_MB = 200.0
ROUNDS = 2
TELEGRAM = "messages_per_second = 10000\n"


@dataclass(frozen=True, slots=True)
class Reading:
    """Memory after start-up and after traffic; seconds from launch to the first answer."""

    started: Memory
    after: Memory
    first_answer: float
    traffic_seconds: float


def _questions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {code: [] for code in LOCALES}
    for item in load_questions(QUESTIONS):
        if item.get("kind", "centres") == "centres" and item["lang"] in found:
            found[item["lang"]].append(item["q"])
    return found


async def _round(
    server: CountingServer, folder: Path, prepared: Path, number: int, events: bool = True
) -> Reading:
    database = folder / f"memory-{number}.db"
    copy_database(prepared, database)
    bot = wegweiser(folder, server, database, telegram=TELEGRAM, name=f"memory-{number}")
    questions = _questions()
    users = [FIRST_USER + index for index in range(TRAFFIC_USERS)]
    first = users[0]
    before = {user: len(server.messages_to(user)) for user in users}
    await bot.start()
    server.send_text(first, questions[LOCALES[0]][0])  # right after launching
    try:
        await wait_for(server, lambda: len(server.messages_to(first)) > before[first], 180, "1st")
        first_answer = time.perf_counter() - bot.started
        await asyncio.sleep(3.0)  # the scheduler's first tick (reconciling 10,000 slots)
        started = bot.memory()
        launched = time.perf_counter()
        for index, user in enumerate(users):
            pool = questions[LOCALES[index % len(LOCALES)]]
            server.send_text(user, pool[index % len(pool)])
            server.send_text(user, "/events" if events else pool[(index + 3) % len(pool)])
            server.send_text(user, pool[(index + 7) % len(pool)])
        await wait_for(
            server,
            lambda: all(len(server.messages_to(user)) >= before[user] + 3 for user in users),
            600,
            "the traffic's replies",
        )
        traffic = time.perf_counter() - launched
        await asyncio.sleep(1.0)
        after = bot.memory()
    finally:
        await bot.stop()
    return Reading(started, after, first_answer, traffic)


async def _prepare(path: Path, server: CountingServer) -> int:
    await prepare(path)
    await add_users(path, USERS, FIRST_USER, server)
    reminded = await user_row_ids(path, range(FIRST_USER + USERS - 2_000, FIRST_USER + USERS))
    return await add_reminders(
        path, EVENTS, OFFSETS, starts_in=timedelta(days=30), reminded_by=reminded, per_event=2
    )


async def _upcoming_cost(folder: Path, prepared: Path) -> tuple[float, float]:
    """Seconds and traced peak MB of one `EventRepository.upcoming` call (what /events
    does), in this process on a copy of the database."""
    database = folder / "upcoming.db"
    copy_database(prepared, database)
    async with open_app(Config(database=DatabaseConfig(url=database_url(database)))) as app:
        now = app.services.clock.now()
        await app.services.events.upcoming(now, "viersen", False)  # warm-up
        tracemalloc.start()
        started = time.perf_counter()
        await app.services.events.upcoming(now, "viersen", False)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    return seconds, peak


async def measure(rounds: int = ROUNDS) -> Section:
    readings: list[Reading] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        folder = Path(name)
        async with CountingServer() as server:
            prepared = folder / "prepared.db"
            slots = await _prepare(prepared, server)
            size = prepared.stat().st_size / 1024 / 1024
            for number in range(rounds):
                readings.append(await _round(server, folder, prepared, number))
            if statistics.median(reading.after.hwm for reading in readings) > TARGET_MB:
                plain = await _round(server, folder, prepared, rounds, events=False)
                seconds, allocated = await _upcoming_cost(folder, prepared)
                with_events = statistics.median(r.traffic_seconds for r in readings)
                notes += [
                    "Target missed; measured causes:",
                    f"- the same traffic with a third question instead of /events: VmHWM "
                    f"{plain.after.hwm:.1f} MB, VmRSS {plain.after.rss:.1f} MB, answered in "
                    f"{plain.traffic_seconds:.1f} s (vs {with_events:.1f} s with /events);",
                    f"- one `EventRepository.upcoming` call (what /events runs) on this database, "
                    f"in process: {seconds * 1000:.0f} ms and {allocated:.1f} MB allocated at its "
                    f"peak (tracemalloc), for {EVENTS:,} events of which it shows 5.",
                ]
    peak = spread([reading.after.hwm for reading in readings])
    section = Section(
        "memory",
        f"4. Memory: `wegweiser run` with {USERS:,} users and {slots:,} reminders",
        [
            f"Database ({size:.0f} MB SQLite): {USERS:,} onboarded Telegram users, {EVENTS:,} "
            f"upcoming events with {slots:,} planned reminder slots (7 days and 1 day before) "
            'and 2 "remind me" presses each, the demo directory. `wegweiser run` as a child '
            "process with Telegram enabled against the fake server; a question is sent right "
            "after launch. Read from /proc/PID/status: after start-up (first answer received "
            f"and 3 s for the scheduler's first tick) and after traffic ({TRAFFIC_USERS} users "
            "each sending two questions and /events at once, all answered). "
            f"{rounds} rounds, each a fresh process on a fresh copy of the database.",
        ],
    )
    section.rows += [
        Row(
            "VmRSS after start-up",
            spread([reading.started.rss for reading in readings]).show(" MB", 1),
        ),
        Row(
            "VmRSS after traffic",
            spread([reading.after.rss for reading in readings]).show(" MB", 1),
        ),
        Row(
            "VmHWM (peak) after traffic",
            peak.show(" MB", 1),
            f"≤ {TARGET_MB:g} MB",
            verdict(peak.median, TARGET_MB, at_most=True),
        ),
        Row(
            f"process start → first answer ({USERS:,} users in the database)",
            spread([reading.first_answer for reading in readings]).show(" s"),
        ),
        Row(
            f"traffic: {TRAFFIC_USERS * 3} updates answered in",
            f"{statistics.median(reading.traffic_seconds for reading in readings):.1f} s (median)",
        ),
    ]
    section.notes += notes
    return section


def run() -> Section:
    return timed_section(lambda: asyncio.run(measure()))


if __name__ == "__main__":
    print_section(run())
