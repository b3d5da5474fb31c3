"""The timed work of a running bot, woken by APScheduler; the database rows are the truth.

APScheduler keeps no state of its own here (memory job store): at start and
every ``tick`` the due reminder slots are read from the database and fired,
and a one-off job is set for the next slot's due time. Only the holder of the
``scheduler`` lease fires reminders and releases scheduled broadcasts, so
several processes on one database never fire one twice. Every process drains
the ledger for its own transports.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from bot.events.schedule import UTC
from bot.storage.broadcast_repository import BroadcastRepository
from bot.storage.database import Database
from bot.storage.ledger import Ledger
from bot.storage.privacy_repository import PrivacyRepository
from bot.storage.ticket_repository import TicketRepository
from scheduler.lease import Lease
from scheduler.reminders import fire_due_reminders, next_reminder_due
from scheduler.sender import NoticeSender
from scheduler.workers import Workers

log = logging.getLogger(__name__)

# A leader that stops renewing is replaced after this long (at once when its pid is
# known dead on this host); workers say they are alive every tick.
LEASE_TTL = timedelta(seconds=10)
_PURGE_EVERY = timedelta(hours=1)


class Timekeeper:
    """Fires due reminders (as the leader) and keeps the notice sender going."""

    def __init__(
        self,
        database: Database,
        sender: NoticeSender,
        broadcasts: BroadcastRepository,
        clock: Clock,
        holder: str,
        privacy: PrivacyRepository | None = None,
        inactive_days: int = 0,
        tickets: TicketRepository | None = None,
        ticket_days: int = 30,
        tick_seconds: float = 3.0,
    ) -> None:
        self._database = database
        self._sender = sender
        self._broadcasts = broadcasts
        self._clock = clock
        self._lease = Lease(database, "scheduler", holder, LEASE_TTL)
        self._workers = Workers(database, holder, LEASE_TTL)
        self._tick_seconds = tick_seconds
        self._privacy = privacy
        self._inactive = timedelta(days=inactive_days)
        self._tickets = tickets
        self._ticket_days = timedelta(days=ticket_days)
        self._purged_at: datetime | None = None
        self._leading = False
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    async def tick(self) -> None:
        """Take or keep the lease; as leader fire due reminders and set the next wake-up."""
        now = self._clock.now()
        await self._workers.beat(now)
        leading = await self._lease.acquire(now)
        if leading and not self._leading:
            log.info("scheduler: leading (%s)", self._lease.holder)
        self._leading = leading
        if not leading:
            return
        lost = await Ledger(self._database).recover(await self._workers.alive(now))
        if lost:
            log.warning(
                "ledger: %d notice(s) in flight in a worker that died marked unknown", lost
            )
        report = await fire_due_reminders(self._database, now)
        if report.fired or report.missed:
            log.info(
                "reminders: %d fired (%d notices), %d missed",
                report.fired, report.notices, report.missed,
            )  # fmt: skip
        await self._purge(now)
        released = await self._broadcasts.release_due(now)
        if released:
            log.info("broadcasts: %d scheduled broadcast(s) queued", released)
        if report.notices or released:
            self._sender.wake.set()
        await self.finish_broadcasts()
        dues = [await next_reminder_due(self._database), await self._broadcasts.next_due()]
        due = min((value for value in dues if value is not None), default=None)
        if due is not None:
            self._scheduler.add_job(
                self.tick, "date", run_date=max(due, now), id="next-reminder",
                replace_existing=True,
            )  # fmt: skip

    async def _purge(self, now: datetime) -> None:
        """Once an hour: erase people inactive for longer than the retention time, and
        handover tickets closed (or quiet) for longer than theirs."""
        if self._purged_at is not None and now - self._purged_at < _PURGE_EVERY:
            return
        self._purged_at = now
        if self._privacy is not None and self._inactive:
            purged = await self._privacy.purge_inactive(now - self._inactive)
            if purged:
                log.info("privacy: %d inactive user(s) erased", purged)
        if self._tickets is not None:
            cutoff = now - self._ticket_days
            forgotten = await self._tickets.purge(cutoff, cutoff)
            if forgotten:
                log.info("privacy: %d old ticket(s) forgotten", forgotten)

    async def finish_broadcasts(self, handled: int = 1) -> None:
        """Close broadcasts with nothing left to send; their reports go out."""
        if handled and await self._broadcasts.finish(self._clock.now()):
            self._sender.wake.set()

    async def run(self) -> None:
        """Run until cancelled; a clean stop gives the lease up at once."""
        await self.tick()
        self._scheduler.add_job(
            self.tick, "interval", seconds=self._tick_seconds, id="tick", replace_existing=True
        )
        self._scheduler.start()
        self._sender.drained = self.finish_broadcasts
        sending = asyncio.create_task(self._sender.run())
        try:
            await asyncio.Event().wait()
        finally:
            self._scheduler.shutdown(wait=False)
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
            await self._workers.leave()
            if self._leading:
                await self._lease.release()
