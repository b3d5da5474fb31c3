"""How often something may happen: a sliding window overall, token buckets per key."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Monotonic = Callable[[], float]


@dataclass(slots=True)
class TokenBucket:
    """``rate`` events per second on average, with bursts of up to ``burst``."""

    rate: float
    burst: float
    tokens: float = field(default=-1.0)
    updated: float = 0.0

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        if self.tokens < 0:
            self.tokens = self.burst

    def _refill(self, now: float) -> None:
        if self.updated:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def try_take(self, now: float) -> bool:
        """Take one token if there is one."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def reserve(self, now: float) -> float:
        """Take one token, going into debt if needed; return how long to wait for it."""
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def is_full(self, now: float) -> bool:
        """True when the bucket has refilled completely (nothing to remember)."""
        self._refill(now)
        return self.tokens >= self.burst


class SlidingWindow:
    """At most ``rate`` events in any one second (a platform counting per second sees no
    more), in bursts as they come; ``margin`` stretches the second for the time a
    request travels."""

    def __init__(self, rate: float, margin: float = 1.02) -> None:
        if rate <= 0:
            raise ValueError("a window needs a positive rate")
        self._capacity = max(1, math.floor(rate))
        self._period = self._capacity / rate * margin
        self._times: deque[float] = deque(maxlen=self._capacity)

    def reserve(self, now: float) -> float:
        """Book one event; return how long to wait before it."""
        times = self._times
        at = now
        if len(times) == self._capacity:
            at = max(now, times[0] + self._period)
        times.append(at)
        return at - now


class KeyedBuckets:
    """One bucket per key (a chat, a user), forgotten once full again."""

    def __init__(self, rate: float, burst: float, clock: Monotonic = time.monotonic) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._next_sweep = 0.0

    def _bucket(self, key: str, now: float) -> TokenBucket:
        if now >= self._next_sweep:
            self._buckets = {k: b for k, b in self._buckets.items() if not b.is_full(now)}
            self._next_sweep = now + 60.0
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self._rate, self._burst)
        return bucket

    def try_take(self, key: str) -> bool:
        """Allow one event for ``key`` now, or refuse it."""
        now = self._clock()
        return self._bucket(key, now).try_take(now)

    def reserve(self, key: str) -> float:
        """Book one event for ``key``; return the seconds to wait before it."""
        now = self._clock()
        return self._bucket(key, now).reserve(now)


class Pacer:
    """Spaces events out: an overall rate and a rate per key, waited for asynchronously."""

    def __init__(
        self,
        per_second: float,
        per_key_per_second: float,
        per_key_burst: float = 1.0,
        clock: Monotonic = time.monotonic,
    ) -> None:
        self._clock = clock
        self._overall = SlidingWindow(per_second)
        self._per_key = KeyedBuckets(per_key_per_second, per_key_burst, clock)
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Stop every event for ``seconds`` (after the platform said "retry after")."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def wait(self, key: str) -> None:
        """Return when one more event for ``key`` fits both rates."""
        delay = self._per_key.reserve(key)
        if delay > 0:
            await asyncio.sleep(delay)
        while True:
            now = self._clock()
            if now < self._paused_until:
                await asyncio.sleep(self._paused_until - now)
                continue
            delay = self._overall.reserve(now)
            if delay > 0:
                await asyncio.sleep(delay)
            return
