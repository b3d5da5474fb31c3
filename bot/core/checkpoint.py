"""When an incoming event counts as handled, so that a crash neither repeats nor loses a reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.clock import Clock


class ReplyCheckpoint:
    """Marks one event as handled just before its first reply can reach the user.

    - A crash before any send: the event is not marked; the platform delivers
      it again after the restart and it is answered then (nothing lost).
    - A crash while a send is under way or after it: the event is marked and
      is not answered again (never twice). Only a reply in flight at the very
      moment of the crash can be lost.
    - The platform refused a send before anything reached the user (429) and
      the sender waits: the mark is taken back for the wait.
    """

    def __init__(
        self,
        mark: Callable[[datetime], Awaitable[None]],
        unmark: Callable[[], Awaitable[None]],
        clock: Clock,
    ) -> None:
        self._mark = mark
        self._unmark = unmark
        self._clock = clock
        self._marked = False
        self._delivered = 0

    async def before_send(self) -> None:
        """A message is about to go out."""
        if not self._marked:
            await self._mark(self._clock.now())
            self._marked = True

    def sent(self) -> None:
        """A message reached the platform."""
        self._delivered += 1

    async def refused(self) -> None:
        """The platform refused a message without delivering it; the sender will wait."""
        if self._marked and self._delivered == 0:
            await self._unmark()
            self._marked = False

    async def done(self) -> None:
        """Handling is over (also when there was nothing to send)."""
        await self.before_send()
