"""Slows down one person who sends too much, without slowing anyone else."""

from __future__ import annotations

import time
from enum import Enum

from bot.core.ratelimit import KeyedBuckets, Monotonic


class Verdict(Enum):
    """What to do with one message."""

    HANDLE = "handle"
    WARN = "warn"
    DROP = "drop"


class FloodGuard:
    """A message budget per user: a burst, then ``per_minute`` messages a minute.

    Beyond it a message is not handled; the first such message in a minute is
    answered with a warning, the rest are dropped silently.
    """

    def __init__(self, burst: int, per_minute: int, clock: Monotonic = time.monotonic) -> None:
        self._budget = KeyedBuckets(per_minute / 60.0, burst, clock)
        self._warned = KeyedBuckets(1 / 60.0, 1, clock)

    def check(self, user_key: str) -> Verdict:
        """The verdict for one more message of ``user_key``."""
        if self._budget.try_take(user_key):
            return Verdict.HANDLE
        return Verdict.WARN if self._warned.try_take(user_key) else Verdict.DROP
