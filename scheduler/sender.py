"""Drains the delivery ledger: renders each notice in its recipient's language and sends it.

A row is claimed (status ``sending``) only when a sending slot is free, so at
most ``concurrency`` rows are ever in flight. Those are the only ones whose
outcome a crash can leave unknown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.core.clock import Clock
from bot.core.messages import Reply
from bot.core.transport import Outcome, Transport
from bot.storage.ledger import Ledger, Notice
from bot.storage.user_repository import UserRepository

log = logging.getLogger(__name__)

_DEFERRED_WAIT = 30.0

Render = Callable[[Notice, str], Awaitable[Reply | None]]


class NoticeSender:
    """Sends due ledger rows through the running transports, a bounded number at a time."""

    def __init__(
        self,
        ledger: Ledger,
        render: Render,
        users: UserRepository,
        clock: Clock,
        transports: Mapping[str, Transport],
        default_locale: str,
        concurrency: int = 32,
        wake: asyncio.Event | None = None,
    ) -> None:
        self._ledger = ledger
        self._render = render
        self._users = users
        self._clock = clock
        self._transports = transports
        self._default_locale = default_locale
        self.concurrency = concurrency
        self.wake = wake or asyncio.Event()
        self.drained: Callable[[int], Awaitable[None]] | None = None
        self._deferred_until = datetime.min.replace(tzinfo=UTC)

    async def drain(self) -> int:
        """Send every due row; return how many were handled."""
        handled = 0
        names = set(self._transports)
        in_flight: set[asyncio.Task[None]] = set()
        waited_for: datetime | None = None
        try:
            while True:
                free = self.concurrency - len(in_flight)
                batch = await self._ledger.claim(names, self._clock.now(), free) if free else []
                for notice in batch:
                    task = asyncio.create_task(self._send(notice))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                handled += len(batch)
                if not in_flight:
                    wait = (self._deferred_until - self._clock.now()).total_seconds()
                    if waited_for == self._deferred_until or not 0 < wait <= _DEFERRED_WAIT:
                        return handled
                    waited_for = self._deferred_until
                    await asyncio.sleep(wait)  # rows the platform deferred are due then
                    continue
                # Claim again once half the slots are free (or nothing is due): fewer,
                # larger claims.
                refill = max(1, self.concurrency // 2)
                while in_flight and self.concurrency - len(in_flight) < refill:
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                if not batch and in_flight:
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def run(self) -> None:
        """Drain whenever woken, and at least every few seconds, until cancelled."""
        while True:
            try:
                handled = await self.drain()
                if self.drained is not None:
                    await self.drained(handled)
            except Exception:
                log.exception("sending notices failed; trying again shortly")
            self.wake.clear()
            waiter = asyncio.ensure_future(self.wake.wait())
            try:
                await asyncio.wait([waiter], timeout=5.0)
            finally:
                waiter.cancel()

    async def _send(self, notice: Notice) -> None:
        try:
            await self._deliver(notice)
        except Exception:
            log.exception("notice %d could not be sent", notice.id)
            await self._ledger.failed(notice, "internal error", self._clock.now(), retry=True)

    async def _deliver(self, notice: Notice) -> None:
        now = self._clock.now()
        transport = self._transports.get(notice.transport)
        if transport is None or notice.chat_id is None:
            await self._ledger.failed(notice, "recipient or transport is gone", now, retry=False)
            return
        reply = await self._render(notice, notice.locale or self._default_locale)
        if reply is None:
            await self._ledger.failed(notice, "its subject is gone", now, retry=False)
            return
        delivery = await transport.send(notice.chat_id, reply, key=f"notice:{notice.id}")
        if delivery.outcome is Outcome.SENT:
            message_id = delivery.message_ids[-1] if delivery.message_ids else None
            await self._ledger.sent(notice.id, message_id, self._clock.now())
        elif delivery.outcome is Outcome.DEFERRED:
            retry_at = self._clock.now() + timedelta(seconds=delivery.retry_after)
            await self._ledger.deferred(notice, retry_at, delivery.reason)
            self._deferred_until = max(self._deferred_until, retry_at)
        elif delivery.outcome is Outcome.UNKNOWN:
            await self._ledger.unknown(notice.id, delivery.reason)
        elif delivery.outcome is Outcome.UNREACHABLE:
            await self._users.mark_unreachable(notice.transport, notice.chat_id)
            await self._ledger.blocked(notice.id, delivery.reason)
        else:
            retry = delivery.outcome is Outcome.FAILED
            await self._ledger.failed(notice, delivery.reason, self._clock.now(), retry=retry)
