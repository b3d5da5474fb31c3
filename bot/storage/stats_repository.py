"""Anonymous question statistics for the KI's planning: counts per week, topic, language, region.

Nothing links a count to a person: no user id, no text, no time finer than
the week. Small cells are suppressed when shown (:data:`MIN_CELL`).

Counts are added up in memory and written together every few seconds
(:data:`FLUSH_SECONDS`), before every report and when the bot stops, so a
question costs no write of its own. A crash loses at most those seconds'
counts; a report from another process sees them once they are written.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import Database
from bot.storage.models import QuestionStatRow

log = logging.getLogger(__name__)

MIN_CELL = 5
FLUSH_SECONDS = 5.0
NO_REGION = "-"
DIMENSIONS = ("topic", "locale", "region")


def week_of(moment: datetime) -> date:
    """The Monday of the moment's ISO week."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class StatCell:
    """One shown count; ``count`` is None when it is below :data:`MIN_CELL`."""

    key: str
    count: int | None


class StatsRepository:
    """Counts questions and reports the counts with small cells hidden."""

    def __init__(self, database: Database, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._database = database
        self._flush_seconds = flush_seconds
        self._pending: Counter[tuple[date, str, str, str]] = Counter()
        self._flushing: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def count(self, moment: datetime, topic: str, locale: str, region: str | None) -> None:
        """One more question of this kind in the moment's week (written within seconds)."""
        self._pending[(week_of(moment), topic, locale, region or NO_REGION)] += 1
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._flush_seconds)
        try:
            await self.flush()
        except Exception:
            log.exception("question statistics could not be written; kept for the next try")

    async def flush(self) -> None:
        """Write the counts gathered in memory (one transaction)."""
        async with self._lock:
            pending, self._pending = self._pending, Counter()
            if not pending:
                return
            try:
                async with self._database.session() as session, session.begin():
                    for key, amount in sorted(pending.items()):
                        await _add(session, key, amount)
            except Exception:
                self._pending.update(pending)
                raise

    async def close(self) -> None:
        """Write what is gathered and stop the timer (the bot is stopping)."""
        if self._flushing is not None:
            self._flushing.cancel()
        await self.flush()

    async def table(self, since: date, by: str) -> tuple[list[StatCell], int | None]:
        """Counts since ``since`` per value of one dimension, largest first, and the total.

        Cells below :data:`MIN_CELL` show no number; so does a total below it.
        """
        await self.flush()
        column = {
            "topic": QuestionStatRow.topic,
            "locale": QuestionStatRow.locale,
            "region": QuestionStatRow.region_key,
        }[by]
        async with self._database.session() as session:
            rows = await session.execute(
                select(column, QuestionStatRow.count).where(QuestionStatRow.week >= since)
            )
            totals: Counter[str] = Counter()
            for key, count in rows:
                totals[key] += count
        total = sum(totals.values())
        cells = [
            StatCell(key, count if count >= MIN_CELL else None)
            for key, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        ]
        return cells, total if total >= MIN_CELL else None

    async def weekly(self, since: date) -> list[tuple[date, int | None]]:
        """Questions per week since ``since``, small weeks suppressed."""
        await self.flush()
        async with self._database.session() as session:
            rows = await session.execute(
                select(QuestionStatRow.week, QuestionStatRow.count).where(
                    QuestionStatRow.week >= since
                )
            )
            weeks: Counter[date] = Counter()
            for week, count in rows:
                weeks[week] += count
        return [(week, n if n >= MIN_CELL else None) for week, n in sorted(weeks.items())]


async def _add(session: AsyncSession, key: tuple[date, str, str, str], amount: int) -> None:
    """Add ``amount`` to one cell, creating it when it is new (also when another worker races)."""
    week, topic, locale, region = key
    cell = (
        QuestionStatRow.week == week,
        QuestionStatRow.topic == topic,
        QuestionStatRow.locale == locale,
        QuestionStatRow.region_key == region,
    )
    for _attempt in range(3):
        result = await session.execute(
            update(QuestionStatRow).where(*cell).values(count=QuestionStatRow.count + amount)
        )
        if getattr(result, "rowcount", 0):
            return
        try:
            async with session.begin_nested():
                session.add(QuestionStatRow(
                    week=week, topic=topic, locale=locale, region_key=region, count=amount
                ))  # fmt: skip
            return
        except IntegrityError:
            continue  # another worker added the row first: add to it
