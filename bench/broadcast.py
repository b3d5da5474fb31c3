"""Benchmark 3: a 10,000-recipient announcement at 1,000 messages per second.

Users are created directly in the database (as tests/test_broadcast_process.py does),
the announcement is queued with `wegweiser broadcast create --audience all … --yes`,
then `wegweiser run` (child process, `[telegram] messages_per_second = 1000`) delivers it
to the fake Bot API server, which refuses sendMessage beyond 1,000 a second (one-second
sliding window, 429 with retry_after 1). The rate is timed from the first sendMessage
call to the last recipient's successful one.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench.botproc import ChildBot, CountingServer, blaster, wait_for, wegweiser
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
from bench.seed import add_users, copy_database, prepare
from tests.botapi import ApiCall

RECIPIENTS = 10_000
LIMIT = 1000
TARGET_SHARE = 0.9
TELEGRAM_RATE = 25
ROUNDS = 2
REFERENCE_SENDS = 3000
PROFILE_SENDS = 3000
SENDER_CONCURRENCY = 32  # scheduler/sender.py NoticeSender's default
FIRST_USER = 900_000
TELEGRAM = f"messages_per_second = {LIMIT}\n"
TEXTS = {
    "de": "Neues Förderprogramm für Vereine: Anträge bis 15. Januar im Integrationszentrum.",
    "ar": "برنامج دعم جديد للجمعيات: الطلبات حتى 15 يناير.",
    "uk": "Нова програма підтримки для об'єднань: заявки до 15 січня.",
    "tr": "Dernekler için yeni destek programı: başvurular 15 Ocak'a kadar.",
}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One announcement's delivery as the server saw it."""

    seconds: float
    sent: int
    refused: int
    start_to_first: float
    start_to_done: float
    bot_cpu: float
    server_cpu: float
    profile: Hotspots | None = None
    profile_problem: str = ""

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


def _delivery(
    calls: list[ApiCall], sent: list[ApiCall], launched: float, bot_cpu: float, server_cpu: float
) -> Delivery:
    """A delivery from the server's sendMessage calls (``sent``: the successful ones)."""
    return Delivery(
        seconds=sent[-1].time - calls[0].time,
        sent=len(sent),
        refused=sum(1 for call in calls if call.status == 429),
        start_to_first=calls[0].time - launched,
        start_to_done=sent[-1].time - launched,
        bot_cpu=bot_cpu,
        server_cpu=server_cpu,
    )


def _create(bot: ChildBot) -> str:
    """Queue the announcement with the CLI, as staff would."""
    texts = [argument for code, text in TEXTS.items() for argument in (f"--text-{code}", text)]
    config = bot.argv[bot.argv.index("--config") + 1]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", config, "broadcast", "create",
         "--audience", "all", *texts, "--yes"],
        capture_output=True, text=True, env=bot.env, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"broadcast create failed: {done.stderr}")
    return done.stdout.strip()


async def _round(
    server: CountingServer, folder: Path, prepared: Path, number: int, profile_after: int = 0
) -> Delivery:
    """One delivery on a fresh copy of the database; with ``profile_after``, sample the
    bot with py-spy until that many were sent, then stop (a partial delivery)."""
    database = folder / f"round-{number}.db"
    copy_database(prepared, database)
    bot = wegweiser(folder, server, database, telegram=TELEGRAM, name=f"broadcast-{number}")
    created = await asyncio.to_thread(_create, bot)
    if f"queued for {RECIPIENTS} recipients" not in created:
        raise RuntimeError(f"unexpected: {created}")
    first_call = len(server.calls_of("sendMessage"))
    first_ok = server.sent_ok
    wanted = profile_after or RECIPIENTS
    recipients = range(FIRST_USER, FIRST_USER + RECIPIENTS)
    before = {user: len(server.messages_to(user)) for user in recipients}
    await bot.start()
    launched = time.time()
    spy = Spy(bot.pid, folder / f"broadcast-{number}.txt") if profile_after else None
    try:
        await wait_for(server, lambda: server.sent_ok > first_ok, 120, "the first send")
        if spy is not None:
            await spy.start()
        bot_cpu, server_cpu = bot.cpu_seconds(), time.process_time()
        await wait_for(server, lambda: server.sent_ok - first_ok >= wanted, 600, "the sends")
        bot_cpu, server_cpu = bot.cpu_seconds() - bot_cpu, time.process_time() - server_cpu
        found = await spy.stop() if spy is not None else None
    finally:
        await bot.stop()
    calls = server.calls_of("sendMessage")[first_call:]
    sent = [call for call in calls if call.status == 200][:wanted]
    if not profile_after:
        missing = [user for user in recipients if len(server.messages_to(user)) <= before[user]]
        if missing:
            raise RuntimeError(f"{len(missing)} recipients got nothing")
    return replace(
        _delivery(calls, sent, launched, bot_cpu, server_cpu),
        profile=found,
        profile_problem=spy.problem if spy is not None else "",
    )


async def _reference(server: CountingServer, folder: Path, raw: bool) -> Delivery:
    """Bare PTB ``send_message`` (or plain aiohttp POSTs) with the bot's sending
    concurrency, on the same server."""
    first_call = len(server.calls_of("sendMessage"))
    child = blaster(folder, server, FIRST_USER, REFERENCE_SENDS, SENDER_CONCURRENCY, raw)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = time.process_time()
    await child.start()
    launched = time.time()
    assert child.process is not None
    if await asyncio.wait_for(child.process.wait(), 300) != 0:
        raise RuntimeError(f"the PTB reference failed: {child.log_text[-2000:]}")
    server_cpu = time.process_time() - server_cpu
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime
    calls = server.calls_of("sendMessage")[first_call:]
    sent = [call for call in calls if call.status == 200]
    return _delivery(calls, sent, launched, cpu, server_cpu)


def _cause(
    ours: list[Delivery], ptb: list[Delivery], raw: list[Delivery], found: Hotspots | None
) -> list[str]:
    """The measured cause, in words."""

    def cpu(deliveries: list[Delivery]) -> float:
        return statistics.median(d.bot_cpu * 1000 / d.sent for d in deliveries)

    def rate(deliveries: list[Delivery]) -> float:
        return statistics.median(d.rate for d in deliveries)

    lines = [
        "",
        f"Cause (measured): the bot is CPU-bound, {cpu(ours):.1f} ms of CPU per message "
        f"(all threads; {rate(ours):.0f} msg/s), while {LIMIT:,}/s leaves "
        f"{1000 / LIMIT:.1f} ms. A bare python-telegram-bot `send_message` alone costs "
        f"{cpu(ptb):.1f} ms per message ({rate(ptb):.0f} msg/s); plain JSON POSTs through "
        f"aiohttp cost {cpu(raw):.2f} ms ({rate(raw):.0f} msg/s).",
    ]
    if found is not None:
        sending = found.share("_post", "bot/transports/telegram/sender.py")
        claim = found.share("claim", "bot/storage/ledger.py")
        stored = found.share("_store_sent", "bot/storage/ledger.py")
        database = found.own_share("aiosqlite/")
        lines.append(
            f"Of the bot's busy samples (all threads): {sending:.0%} under "
            f"`TelegramSender._post` (plain Bot API calls through aiohttp), {claim:.0%} "
            f"claiming ledger rows (`Ledger.claim`), {stored:.0%} recording them sent "
            f"(`Ledger._store_sent`, many rows per transaction), {database:.0%} in "
            "aiosqlite's own frames (SQLite calls in its worker threads and the hand-off "
            "to them)."
        )
    return lines


async def measure(rounds: int = ROUNDS) -> Section:
    deliveries: list[Delivery] = []
    references: list[Delivery] = []
    raw: list[Delivery] = []
    profile: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as name:
        folder = Path(name)
        async with CountingServer() as server:
            server.limit_rate(global_per_second=LIMIT)
            prepared = folder / "prepared.db"
            await prepare(prepared)
            await add_users(prepared, RECIPIENTS, FIRST_USER, server)
            for number in range(rounds):
                deliveries.append(await _round(server, folder, prepared, number))
                await asyncio.sleep(1.5)  # let the server's one-second window empty
                references.append(await _reference(server, folder, raw=False))
                await asyncio.sleep(1.5)
                raw.append(await _reference(server, folder, raw=True))
                await asyncio.sleep(1.5)
            shares = [delivery.rate / LIMIT for delivery in deliveries]
            if statistics.median(shares) < TARGET_SHARE:
                profiled = await _round(server, folder, prepared, rounds, PROFILE_SENDS)
                profile = [
                    "",
                    f"Profile of `wegweiser run` over {PROFILE_SENDS:,} more sends (target "
                    f"missed; {profiled.rate:.0f} messages/s while sampled; all threads):",
                ]
                found = profiled.profile
                profile += found.lines(top=12) if found else [profiled.profile_problem or NO_SPY]
                profile += _cause(deliveries, references, raw, found)
    share = spread(shares)
    section = Section(
        "broadcast",
        f"3. Broadcast: {RECIPIENTS:,} recipients at {LIMIT:,} messages/s",
        [
            f"{RECIPIENTS:,} onboarded users inserted into the database (texts in 4 languages, "
            "users in 9 locales), the announcement queued with `wegweiser broadcast create "
            f"--audience all --yes`, then `wegweiser run` as a child process with "
            f"`{TELEGRAM.strip()}`. The fake server refuses sendMessage beyond {LIMIT:,} in "
            "any one-second window (`limit_rate`, 429 retry_after 1). Timed from the first "
            f"sendMessage call to the last recipient's successful one; {rounds} rounds, each on "
            "a fresh copy of the database and a fresh process. Side by side, after each round: "
            f"a bare python-telegram-bot process calling `Bot.send_message` for "
            f"{REFERENCE_SENDS:,} of the same chats, {SENDER_CONCURRENCY} in flight (the "
            "notice sender's concurrency), without pacing: what PTB itself can send from one "
            "process here; and the same sends as plain JSON POSTs through one aiohttp session "
            "(bench/echo_bot.py blast-raw).",
        ],
    )
    # At 25/s the bot's pacing sets the time unless the bot cannot even keep that pace.
    derived = [RECIPIENTS / min(TELEGRAM_RATE, d.rate) for d in deliveries]
    section.rows += [
        Row("wegweiser: achieved rate", spread([d.rate for d in deliveries]).show(" msg/s", 0)),
        Row(
            f"wegweiser: achieved share of the {LIMIT:,}/s limit",
            share.show("", 2),
            f"≥ {TARGET_SHARE:g}",
            verdict(share.median, TARGET_SHARE, at_most=False),
        ),
        Row(
            "wegweiser: bot CPU per message (all threads)",
            spread([d.bot_cpu * 1000 / d.sent for d in deliveries]).show(" ms"),
        ),
        Row(
            "wegweiser: fake server CPU per message (this process)",
            spread([d.server_cpu * 1000 / d.sent for d in deliveries]).show(" ms"),
        ),
        Row(
            "wegweiser: 429 refusals per round",
            spread([float(d.refused) for d in deliveries]).show("", 0),
        ),
        Row(
            "wegweiser: process start → first send / → last recipient (medians)",
            f"{statistics.median(d.start_to_first for d in deliveries):.1f} s / "
            f"{statistics.median(d.start_to_done for d in deliveries):.1f} s",
        ),
        Row(
            f"derived: {RECIPIENTS:,} recipients at Telegram's {TELEGRAM_RATE}/s",
            f"**{statistics.median(derived):,.0f} s ≈ {statistics.median(derived) / 60:.1f} "
            f"min** ({RECIPIENTS:,} / min({TELEGRAM_RATE}/s, the measured rate): at "
            f"{TELEGRAM_RATE}/s the pacing, not the bot, sets the time)",
        ),
        Row(
            "bare PTB send_message: rate",
            spread([d.rate for d in references]).show(" msg/s", 0),
        ),
        Row(
            "bare PTB send_message: CPU per message",
            spread([d.bot_cpu * 1000 / d.sent for d in references]).show(" ms"),
        ),
        Row("plain aiohttp POST: rate", spread([d.rate for d in raw]).show(" msg/s", 0)),
        Row(
            "plain aiohttp POST: CPU per message",
            spread([d.bot_cpu * 1000 / d.sent for d in raw]).show(" ms"),
        ),
        Row(
            "plain aiohttp POST: 429 refusals per round",
            spread([float(d.refused) for d in raw]).show("", 0),
        ),
    ]
    section.notes += profile
    return section


def run() -> Section:
    return timed_section(lambda: asyncio.run(measure()))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print_section(run())
