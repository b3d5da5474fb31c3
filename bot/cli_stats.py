"""``wegweiser stats``: anonymous question counts per topic, language, region and week."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from bot.app import App
from bot.storage.stats_repository import DIMENSIONS, MIN_CELL, week_of


def add_parser(commands: Any) -> None:
    """Add the ``stats`` command to the main parser."""
    stats = commands.add_parser("stats", help="question counts (no personal data; < 5 hidden)")
    stats.add_argument("--weeks", type=int, default=4, help="this many weeks back (default 4)")


def _cell(count: int | None) -> str:
    return f"<{MIN_CELL}" if count is None else str(count)


async def stats_command(app: App, args: argparse.Namespace) -> int:
    """Print the tables; counts below five show as "<5"."""
    repository = app.services.stats
    weeks = max(1, args.weeks)
    since = week_of(app.services.clock.now()) - timedelta(weeks=weeks - 1)
    print(f"questions since {since.isoformat()} (counts below {MIN_CELL} hidden)")
    print("\nper week")
    for week, count in await repository.weekly(since):
        print(f"  {week.isoformat()}  {_cell(count):>6}")
    total: int | None = None
    for by in DIMENSIONS:
        cells, total = await repository.table(since, by)
        print(f"\nper {by}")
        for cell in cells:
            print(f"  {cell.key:<28} {_cell(cell.count):>6}")
    print(f"\ntotal {_cell(total)}")
    return 0
