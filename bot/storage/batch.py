"""Group commit: writes that arrive together share one transaction.

Each caller waits until its own item is committed, so nothing is confirmed
before it is stored. While one batch is being written the next one gathers,
so under load the number of transactions stays small without delaying a
lone write by more than ``gather_seconds``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class GroupCommit(Generic[Item]):
    """Collects items and hands them to ``write`` in batches."""

    def __init__(
        self, write: Callable[[list[Item]], Awaitable[None]], gather_seconds: float = 0.0
    ) -> None:
        self._write = write
        self._gather_seconds = gather_seconds
        self._items: list[Item] = []
        self._committed: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def add(self, item: Item) -> None:
        """Store ``item`` with the others of its batch; return once they are committed."""
        self._items.append(item)
        if self._committed is None:
            self._committed = asyncio.get_running_loop().create_future()
        committed = self._committed
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        await asyncio.shield(committed)

    async def _write_batches(self) -> None:
        while self._items:
            await asyncio.sleep(self._gather_seconds)  # let the items arriving now join in
            items, self._items = self._items, []
            committed, self._committed = self._committed, None
            assert committed is not None
            try:
                await self._write(items)
            except Exception as error:  # every waiter of the batch learns of it
                committed.set_exception(error)
                committed.exception()  # retrieved here too: a batch nobody awaits stays quiet
            except BaseException:  # cancelled while writing: the waiters must not hang
                committed.cancel()
                raise
            else:
                committed.set_result(None)
