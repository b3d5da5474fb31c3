"""Runs the handling of incoming events: one at a time per user, many users at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[None]]


class Dispatcher:
    """Orders work per key (a user) and bounds how much runs at once.

    A user's messages are handled in the order they came, so a reply never
    overtakes the one before it; a user who sends a lot only queues behind
    themselves.
    """

    def __init__(self, concurrency: int = 64, time_limit: float = 120.0) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._time_limit = time_limit
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, key: str, work: Work) -> asyncio.Task[None]:
        """Schedule ``work`` after everything already submitted for ``key``."""
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(previous, work))
        self._tails[key] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _run(self, previous: asyncio.Task[None] | None, work: Work) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        async with self._slots:
            try:
                await asyncio.wait_for(work(), self._time_limit)
            except TimeoutError:
                log.error("handling took longer than %.0f s and was stopped", self._time_limit)
            except Exception:
                log.exception("handling failed")

    async def drain(self, seconds: float) -> None:
        """Wait up to ``seconds`` for all submitted work; cancel what is left."""
        if not self._tasks:
            return
        _, left = await asyncio.wait(set(self._tasks), timeout=seconds)
        for task in left:
            task.cancel()
        if left:
            _, stuck = await asyncio.wait(left, timeout=5.0)
            if stuck:
                log.error("%d handler(s) did not stop when cancelled; left behind", len(stuck))
