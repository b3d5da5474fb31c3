"""Anonymous question statistics for the KI's planning: counts per week, topic, language, region.

Nothing links a count to a person: no user id, no text, no time finer than
the week. Small cells are suppressed when shown (:data:`MIN_CELL`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database
from bot.storage.models import QuestionStatRow

MIN_CELL = 5
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

    def __init__(self, database: Database) -> None:
        self._database = database

    async def count(self, moment: datetime, topic: str, locale: str, region: str | None) -> None:
        """One more question of this kind in the moment's week."""
        key = (week_of(moment), topic, locale, region or NO_REGION)
        for _attempt in range(3):
            async with self._database.session() as session, session.begin():
                result = await session.execute(
                    update(QuestionStatRow)
                    .where(
                        QuestionStatRow.week == key[0],
                        QuestionStatRow.topic == key[1],
                        QuestionStatRow.locale == key[2],
                        QuestionStatRow.region_key == key[3],
                    )
                    .values(count=QuestionStatRow.count + 1)
                )
                if getattr(result, "rowcount", 0):
                    return
                try:
                    async with session.begin_nested():
                        session.add(QuestionStatRow(
                            week=key[0], topic=key[1], locale=key[2], region_key=key[3], count=1
                        ))  # fmt: skip
                    return
                except IntegrityError:
                    continue  # another worker added the row first: add to it

    async def table(self, since: date, by: str) -> tuple[list[StatCell], int | None]:
        """Counts since ``since`` per value of one dimension, largest first, and the total.

        Cells below :data:`MIN_CELL` show no number; so does a total below it.
        """
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
