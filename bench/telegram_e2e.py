"""Benchmark 2: updates handled per second through the real Telegram stack.

`wegweiser run` as a child process (python-telegram-bot, long polling, SQLite) against
the fake Bot API server running in this process, and, in the same run and on the same
server, a bare python-telegram-bot echo bot (Application, one MessageHandler replying
the text, 64 concurrent updates like the bot's default concurrency). The two bots take
turns (one token can have one poller), each started fresh and warmed up per round.

A round: USERS onboarded users (created in the database, in 9 languages and 3 Kreise)
each send QUESTIONS_PER_USER questions from the project's question set, all enqueued at
once; timed from the first update enqueued to the last reply received.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.botproc import ChildBot, CountingServer, echo_bot, wait_for, wegweiser
from bench.common import (
    NO_SPY,
    Hotspots,
    Row,
    Section,
    Spy,
    print_section,
    spread,
    timed_section,
    verdict,
)
from bench.seed import add_users, prepare
from tests.evaluation import QUESTIONS, load_questions

USERS = 150
QUESTIONS_PER_USER = 3
ROUNDS = 3
TARGET_RATIO = 0.5
FIRST_USER = 5_000_000
WARM_UP_USER = 4_000_000
LANGUAGES = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr", "ku")
# The reference sends as fast as the server answers; so must the bot under test.
TELEGRAM = "messages_per_second = 10000\n"


@dataclass(frozen=True, slots=True)
class Burst:
    """One timed burst: updates, seconds, CPU seconds of the bot and of the server,
    getUpdates calls and the updates they returned (re-deliveries included)."""

    updates: int
    seconds: float
    bot_cpu: float
    server_cpu: float
    wrong: int
    polls: int
    fetched: int
    profile: Hotspots | None = None
    profile_problem: str = ""

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


def _plan() -> tuple[dict[int, list[str]], dict[int, str]]:
    """Each user's questions in their language, and their locale."""
    by_language: dict[str, list[str]] = {code: [] for code in LANGUAGES}
    for item in load_questions(QUESTIONS):
        if item.get("kind", "centres") == "centres" and item["lang"] in by_language:
            by_language[item["lang"]].append(item["q"])
    plan: dict[int, list[str]] = {}
    locales: dict[int, str] = {}
    for index in range(USERS):
        language = LANGUAGES[index % len(LANGUAGES)]
        pool = by_language[language]
        start = (index // len(LANGUAGES)) * QUESTIONS_PER_USER
        plan[FIRST_USER + index] = [
            pool[(start + number) % len(pool)] for number in range(QUESTIONS_PER_USER)
        ]
        locales[FIRST_USER + index] = language
    return plan, locales


async def _warm_up(server: CountingServer, bot: ChildBot, plan: dict[int, list[str]]) -> None:
    """Wait until the bot polls, then let one user per language get an answer."""
    await wait_for(server, lambda: server.is_long_polling, 120, f"{bot.log.name} to poll")
    users = [WARM_UP_USER + index for index in range(len(LANGUAGES))]
    before = {user: len(server.messages_to(user)) for user in users}
    for index, user in enumerate(users):
        server.send_text(user, plan[FIRST_USER + index][0])
    await wait_for(
        server,
        lambda: all(len(server.messages_to(user)) > before[user] for user in users),
        120,
        "the warm-up answers",
    )
    await asyncio.sleep(0.5)


async def _burst(
    server: CountingServer, bot: ChildBot, plan: dict[int, list[str]], spy: Spy | None
) -> Burst:
    users = list(plan)
    before = {user: len(server.messages_to(user)) for user in users}
    calls_before = len(server.calls_of("sendMessage"))
    polls_before, fetched_before = len(server.calls_of("getUpdates")), server.updates_returned
    if spy is not None:
        await spy.start()
    cpu_before, server_cpu_before = bot.cpu_seconds(), time.process_time()
    started = time.time()
    for number in range(QUESTIONS_PER_USER):
        for user in users:
            server.send_text(user, plan[user][number])
    await wait_for(
        server,
        lambda: all(
            len(server.messages_to(user)) >= before[user] + QUESTIONS_PER_USER for user in users
        ),
        300,
        "every reply",
    )
    sends = [call for call in server.calls_of("sendMessage")[calls_before:] if call.status == 200]
    finished = max(call.time for call in sends)
    bot_cpu, server_cpu = bot.cpu_seconds() - cpu_before, time.process_time() - server_cpu_before
    polls = len(server.calls_of("getUpdates")) - polls_before
    fetched = server.updates_returned - fetched_before
    profile = await spy.stop() if spy is not None else None
    problem = spy.problem if spy is not None else ""
    await asyncio.sleep(0.3)  # anything beyond one reply per question would show now
    wrong = sum(
        abs(len(server.messages_to(user)) - before[user] - QUESTIONS_PER_USER) for user in users
    )
    for user in users:
        for message in server.messages_to(user)[before[user] :]:
            if "something went wrong" in (message.text or "").lower():
                wrong += 1
    updates = len(users) * QUESTIONS_PER_USER
    seconds = finished - started
    return Burst(updates, seconds, bot_cpu, server_cpu, wrong, polls, fetched, profile, problem)


async def _round(
    server: CountingServer, bot: ChildBot, plan: dict[int, list[str]], profile: Path | None = None
) -> Burst:
    await bot.start()
    try:
        await _warm_up(server, bot, plan)
        spy = Spy(bot.pid, profile) if profile is not None else None
        return await _burst(server, bot, plan, spy)
    finally:
        await bot.stop()


def _cause(ours: list[Burst], reference: list[Burst], found: Hotspots | None) -> list[str]:
    """The measured cause, in words."""
    fetched = statistics.median(burst.fetched / burst.updates for burst in ours)
    polls = statistics.median(burst.polls for burst in ours)
    echo = statistics.median(burst.fetched / burst.updates for burst in reference)
    ours_cpu = statistics.median(burst.bot_cpu * 1000 / burst.updates for burst in ours)
    echo_cpu = statistics.median(burst.bot_cpu * 1000 / burst.updates for burst in reference)
    lines = [
        "",
        f"Cause (measured): wegweiser spends {ours_cpu:.1f} ms of CPU per update (all "
        f"threads), the echo bot {echo_cpu:.1f} ms; the difference is the work of a real "
        "answer (reading the person, understanding and ranking, rendering, the handled "
        f"mark). getUpdates handed wegweiser every update {fetched:.1f} times "
        f"({polls:.0f} calls per burst; the echo bot: {echo:.1f}×).",
    ]
    if fetched > 3:
        lines[-1] += (
            " The poller keeps the offset at the oldest update still being handled and polls "
            "again as updates finish, so each poll downloads, and python-telegram-bot "
            "deserializes, the same ≤100 updates in flight again."
        )
    if found is not None:
        polling = found.share("run", "bot/transports/telegram/polling.py")
        handling = found.share("_process", "bot/transports/telegram/transport.py")
        database = found.own_share("aiosqlite/")
        lines.append(
            f"Of the bot's busy samples, {polling:.0%} are under `Poller.run` (getUpdates and "
            f"deserializing), {handling:.0%} under `TelegramTransport._process` (handling and "
            f"replying) and {database:.0%} in aiosqlite's own frames (SQLite calls in its "
            "worker threads and the hand-off to them; per question the user row is read, "
            "and its handled mark written together with those of other updates)."
        )
    return lines


def _rows(name: str, bursts: list[Burst]) -> list[Row]:
    rate = spread([burst.rate for burst in bursts])
    cpu = spread([burst.bot_cpu * 1000 / burst.updates for burst in bursts])
    server = spread([burst.server_cpu * 1000 / burst.updates for burst in bursts])
    polls = spread([burst.polls for burst in bursts])
    fetched = spread([burst.fetched / burst.updates for burst in bursts])
    return [
        Row(f"{name}: updates handled per second", rate.show("/s", 0)),
        Row(f"{name}: bot CPU per update", cpu.show(" ms")),
        Row(f"{name}: fake server CPU per update (this process)", server.show(" ms")),
        Row(f"{name}: getUpdates calls per burst", polls.show("", 0)),
        Row(f"{name}: updates received per update sent", fetched.show("×", 1)),
    ]


async def measure(rounds: int = ROUNDS) -> Section:
    plan, locales = _plan()
    ours: list[Burst] = []
    reference: list[Burst] = []
    profile: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as name:
        folder = Path(name)
        async with CountingServer() as server:
            database = folder / "bot.db"
            await prepare(database)
            warm_up_locales = list(LANGUAGES)
            await add_users(database, len(LANGUAGES), WARM_UP_USER, server, warm_up_locales)
            await add_users(
                database, USERS, FIRST_USER, server, [locales[user] for user in sorted(locales)]
            )
            for _ in range(rounds):
                reference.append(await _round(server, echo_bot(folder, server, 64), plan))
                bot = wegweiser(folder, server, database, telegram=TELEGRAM)
                ours.append(await _round(server, bot, plan))
            ratios = [o.rate / r.rate for o, r in zip(ours, reference, strict=True)]
            if statistics.median(ratios) < TARGET_RATIO:
                for attempt in range(2):  # py-spy now and then gives up on a busy process
                    bot = wegweiser(folder, server, database, telegram=TELEGRAM, name="profiled")
                    profiled = await _round(server, bot, plan, folder / f"e2e-{attempt}.txt")
                    if profiled.profile is not None:
                        break
                profile = [
                    "",
                    "Profile of `wegweiser run` during one more burst (target missed; "
                    f"{profiled.rate:.0f} updates/s while sampled):",
                ]
                found = profiled.profile
                profile += found.lines(top=12) if found else [profiled.profile_problem or NO_SPY]
                profile += _cause(ours, reference, found)
    ratio = spread(ratios)
    section = Section(
        "telegram",
        "2. Telegram end to end: updates per second, beside a bare PTB echo bot",
        [
            f"`wegweiser run` as a **child process** (the fake Bot API server of "
            "tests/botapi runs in the benchmark process, so they do not share a CPU-bound "
            f"loop), long polling, SQLite. Per round: {USERS} users already onboarded in "
            f"the database (9 languages, 3 Kreise) each send {QUESTIONS_PER_USER} questions "
            f"of tests/data/questions.yaml in their language; all {USERS * QUESTIONS_PER_USER} "
            "updates are enqueued at once and timed from the first enqueued to the last "
            "reply received. Reference in the same run, on the same server: "
            "bench/echo_bot.py, a python-telegram-bot `Application` with one "
            "`MessageHandler` replying the text (concurrent_updates=64, the bot's default "
            f"concurrency). The bots take turns, {rounds} rounds each, each process started "
            f"fresh and warmed up with one answer per language. Bot config: `{TELEGRAM.strip()}` "
            "(else the 25/s default caps it), per-chat pacing at its default (1/s, burst 3).",
        ],
    )
    section.rows += _rows("wegweiser", ours)
    section.rows += _rows("echo bot", reference)
    section.rows.append(
        Row(
            "ratio wegweiser / echo (per round, side by side)",
            ratio.show("", 2),
            f"≥ {TARGET_RATIO:g}",
            verdict(ratio.median, TARGET_RATIO, at_most=False),
        )
    )
    wrong = sum(burst.wrong for burst in ours + reference)
    section.notes.append(
        f"Replies not exactly one per question, or error replies, over all rounds: {wrong}."
    )
    section.notes += profile
    return section


def run() -> Section:
    return timed_section(lambda: asyncio.run(measure()))


if __name__ == "__main__":
    print_section(run())
