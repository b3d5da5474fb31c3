"""Writes that are gathered rather than made one by one: handled marks, question counts,
"last seen". Nothing may get lost on the way: each is stored, or stored before anyone
is told it was."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App, open_app
from bot.config import Config, DatabaseConfig
from bot.core.clock import FixedClock
from bot.core.messages import Incoming
from bot.storage.batch import GroupCommit
from bot.storage.handled_events import HandledEvents
from bot.storage.models import HandledEventRow, QuestionStatRow, UserRow
from bot.storage.stats_repository import week_of


async def test_items_arriving_together_share_a_write_and_each_waits_for_it() -> None:
    batches: list[list[int]] = []
    finished: list[int] = []

    async def write(items: list[int]) -> None:
        await asyncio.sleep(0.01)
        batches.append(items)

    group: GroupCommit[int] = GroupCommit(write)

    async def add(item: int) -> None:
        await group.add(item)
        assert any(item in batch for batch in batches)  # stored before add returned
        finished.append(item)

    await asyncio.gather(*(add(item) for item in range(50)))
    await add(50)  # a lone item later gets its own write
    assert sorted(item for batch in batches for item in batch) == list(range(51))
    assert len(batches) <= 3
    assert batches[-1] == [50]
    assert sorted(finished) == list(range(51))


async def test_a_failed_write_reaches_every_waiter_of_its_batch() -> None:
    async def write(items: list[str]) -> None:
        if "bad" in items:
            raise RuntimeError("disk full")

    group: GroupCommit[str] = GroupCommit(write)
    outcomes = await asyncio.gather(
        group.add("a"), group.add("bad"), group.add("c"), return_exceptions=True
    )
    assert [type(outcome) for outcome in outcomes] == [RuntimeError] * 3
    await group.add("d")  # the next batch is written as usual


async def test_handled_marks_made_at_once_are_all_stored(app: App, clock: FixedClock) -> None:
    handled = HandledEvents(app.database, "telegram")
    assert await handled.newest_number() == -1
    ids = [str(number) for number in range(1000, 1200)]
    await asyncio.gather(*(handled.mark(event_id, clock.now()) for event_id in ids))
    await asyncio.gather(handled.mark("1000", clock.now()), handled.mark("1000", clock.now()))
    async with app.database.session() as session:
        stored = set(await session.scalars(select(HandledEventRow.event_id)))
    assert stored == set(ids)
    assert all([await handled.was_handled(event_id) for event_id in ("1000", "1199")])
    assert not await handled.was_handled("1200")
    assert await handled.newest_number() == 1199
    await handled.unmark("1199")
    assert await handled.newest_number() == 1198


async def _ask(app: App, who: str, text: str) -> None:
    await app.handle(Incoming("console", who, who, text=text, language_hint="de"))


async def test_question_counts_reach_the_report_and_survive_a_restart(
    database_url: str, clock: FixedClock
) -> None:
    config = Config(database=DatabaseConfig(url=database_url))
    async with open_app(config, clock) as app:
        for number in range(6):
            await _ask(app, f"p{number}", "Wo ist das Jobcenter in Viersen?")
        _cells, total = await app.services.stats.table(week_of(clock.now()), "locale")
        assert total == 6
        await _ask(app, "p7", "Wo ist das Jobcenter in Viersen?")
    # Stopping wrote the count gathered since the report.
    async with open_app(config, clock) as app, app.database.session() as session:
        counts = list(await session.scalars(select(QuestionStatRow.count)))
    assert sum(counts) == 7


@pytest.mark.parametrize("later", [timedelta(minutes=59), timedelta(hours=1)])
async def test_last_seen_is_kept_to_the_hour(
    app: App, clock: FixedClock, later: timedelta
) -> None:
    first = clock.now()
    await _ask(app, "amal", "Hallo")
    clock.set(first + later)
    await _ask(app, "amal", "Wo ist das Jobcenter?")
    async with app.database.session() as session:
        row = await session.scalar(select(UserRow).where(UserRow.external_id == "amal"))
    assert row is not None
    expected = first + later if later >= timedelta(hours=1) else first
    assert row.last_seen_at == expected
