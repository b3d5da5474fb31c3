"""Drains the delivery ledger: renders each notice in its recipient's language and sends it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bot.core.clock import Clock
from bot.core.messages import Reply
from bot.core.transport import Outcome, Transport
from bot.events.render import notice_reply
from bot.i18n import Catalogs
from bot.storage.event_repository import EventRepository
from bot.storage.ledger import Ledger, Notice
from bot.storage.user_repository import UserRepository

log = logging.getLogger(__name__)


class NoticeSender:
    """Sends due ledger rows through the running transports, a few at a time."""

    def __init__(
        self,
        ledger: Ledger,
        events: EventRepository,
        users: UserRepository,
        catalogs: Catalogs,
        clock: Clock,
        transports: Mapping[str, Transport],
        default_locale: str,
        concurrency: int = 16,
    ) -> None:
        self._ledger = ledger
        self._events = events
        self._users = users
        self._catalogs = catalogs
        self._clock = clock
        self._transports = transports
        self._default_locale = default_locale
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self.wake = asyncio.Event()

    async def drain(self) -> int:
        """Send every due row; return how many were handled."""
        handled = 0
        names = set(self._transports)
        while True:
            batch = await self._ledger.claim(names, self._clock.now(), self._concurrency * 4)
            if not batch:
                return handled
            await asyncio.gather(*(self._send_paced(notice) for notice in batch))
            handled += len(batch)

    async def _send_paced(self, notice: Notice) -> None:
        async with self._slots:
            await self._send(notice)

    async def run(self) -> None:
        """Drain whenever woken, and at least every few seconds, until cancelled."""
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("sending notices failed; trying again shortly")
            self.wake.clear()
            waiter = asyncio.ensure_future(self.wake.wait())
            try:
                await asyncio.wait([waiter], timeout=5.0)
            finally:
                waiter.cancel()

    async def render(self, notice: Notice, locale: str) -> Reply | None:
        """The notice as its recipient reads it; None when its event is gone."""
        if notice.event_id is None:
            return None
        event = await self._events.get(notice.event_id)
        if event is None:
            return None
        starts = notice.occurrence or event.starts_at
        with self._catalogs.use(locale):
            return notice_reply(notice.kind, event, starts, notice.details, locale)

    async def _send(self, notice: Notice) -> None:
        now = self._clock.now()
        user = await self._users.get(notice.user_id)
        transport = self._transports.get(notice.transport)
        if user is None or transport is None or user.chat_id is None:
            await self._ledger.failed(notice, "recipient or transport is gone", now, retry=False)
            return
        reply = await self.render(notice, user.locale or self._default_locale)
        if reply is None:
            await self._ledger.failed(notice, "the event is gone", now, retry=False)
            return
        delivery = await transport.send(user.chat_id, reply)
        if delivery.outcome is Outcome.SENT:
            message_id = delivery.message_ids[-1] if delivery.message_ids else None
            await self._ledger.sent(notice.id, message_id, self._clock.now())
        elif delivery.outcome is Outcome.UNREACHABLE:
            await self._users.mark_unreachable(notice.transport, user.chat_id)
            await self._ledger.blocked(notice.id, delivery.reason)
        else:
            retry = delivery.outcome is Outcome.FAILED
            await self._ledger.failed(notice, delivery.reason, self._clock.now(), retry=retry)
