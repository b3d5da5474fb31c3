"""Long polling with an offset that only moves past updates that were handled.

Telegram forgets every update below the ``offset`` of the next getUpdates
call. The offset here is the lowest update still being handled, so a crash
never loses a fetched update: Telegram delivers it again after a restart, and
the handled-events log skips the ones that were already answered.

Every poll downloads the updates still in flight again, so the poller waits
for the offset to move (by half a batch when many are in flight, at most a
second) before it asks again; and it reads the plain JSON (:mod:`api`),
building python-telegram-bot's ``Update`` only for updates it has not seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.transports.telegram.api import BotApi
from bot.transports.telegram.incoming import ALLOWED_UPDATES
from bot.transports.telegram.sender import retry_seconds

log = logging.getLogger(__name__)

# Poll again when this few updates are still in flight (getUpdates returns at most 100),
# or after this long, whichever comes first.
_LOW_WATER = 50
_MAX_PAUSE = 1.0

Submit = Callable[[Update], Awaitable[None]]

_CONFLICT_HELP = (
    "Telegram answered 409 Conflict: %s. Another process is receiving updates for this "
    "bot token (a second `wegweiser run`, or a webhook). Only one poller may use a token; "
    "stop the other one, or run every worker in webhook mode."
)


class UpdateWindow:
    """Update ids between "fetched" and "handled", and the offset that follows."""

    def __init__(self) -> None:
        self.in_flight: set[int] = set()
        self.done: set[int] = set()
        self.highest = -1

    def is_new(self, update_id: int) -> bool:
        """True the first time an update id is seen in this process."""
        if update_id > self.highest:
            return True
        known = update_id in self.in_flight or update_id in self.done
        return not known and update_id >= self.offset

    def start(self, update_id: int) -> None:
        """An update was fetched and is being handled."""
        self.in_flight.add(update_id)
        self.highest = max(self.highest, update_id)

    def finish(self, update_id: int) -> None:
        """An update was handled."""
        self.in_flight.discard(update_id)
        self.done.add(update_id)
        floor = self.offset
        self.done = {done for done in self.done if done >= floor}

    @property
    def offset(self) -> int:
        """The getUpdates offset: confirms every update below the oldest one in flight."""
        if self.in_flight:
            return min(self.in_flight)
        return self.highest + 1 if self.highest >= 0 else 0


class Poller:
    """Fetches updates with getUpdates and hands each new one to ``submit``."""

    def __init__(self, bot: Bot, api: BotApi, submit: Submit, timeout: int) -> None:
        self._bot = bot
        self._api = api
        self._submit = submit
        self._timeout = timeout
        self.window = UpdateWindow()
        self._progress = asyncio.Event()
        self._conflict_reported = False

    async def run(self) -> None:
        """Poll until cancelled."""
        backoff = 1.0
        while True:
            polled = self.window.offset
            try:
                updates = await self._fetch(polled)
                backoff = 1.0
                self._conflict_reported = False
            except InvalidToken:
                raise
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
                continue
            except Conflict as error:
                if not self._conflict_reported:
                    log.error(_CONFLICT_HELP, error.message)
                    self._conflict_reported = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            except (NetworkError, TelegramError) as error:
                log.warning("getUpdates failed, retrying in %.0f s: %s", backoff, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            for data in updates:
                update_id = data.get("update_id") if isinstance(data, dict) else None
                if isinstance(update_id, int) and self.window.is_new(update_id):
                    update = self._parse(update_id, data)
                    if update is not None:
                        self._start(update)
            await self._until_progress(polled, len(updates))

    def _parse(self, update_id: int, data: dict[str, Any]) -> Update | None:
        """The update as python-telegram-bot's object; None (skipped, logged) if unreadable."""
        try:
            return Update.de_json(data, self._bot)
        except Exception:
            log.exception("update %d could not be read; skipped", update_id)
            self.window.start(update_id)
            self.window.finish(update_id)
            return None

    async def _fetch(self, offset: int) -> list[Any]:
        """One getUpdates call: the updates as plain JSON."""
        parameters = {
            "offset": offset or None,
            "timeout": self._timeout,
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        result = await self._api.call("getUpdates", parameters, read_seconds=self._timeout + 10)
        return result if isinstance(result, list) else []

    async def _until_progress(self, polled: int, fetched: int) -> None:
        """Before the next poll, let the offset move: by half a batch when many are in
        flight, by one when few are (at most a second), so each update is fetched about
        twice instead of once per finished neighbour."""
        needed = max(1, min(_LOW_WATER, fetched))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _MAX_PAUSE
        while (
            self.window.in_flight
            and self.window.offset - polled < needed
            and loop.time() < deadline
        ):
            self._progress.clear()
            # asyncio.wait, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that meets a finished wait, and the poller would never stop.
            waiter = asyncio.ensure_future(self._progress.wait())
            try:
                done, _ = await asyncio.wait([waiter], timeout=deadline - loop.time())
            finally:
                waiter.cancel()
            if not done:
                return

    def _start(self, update: Update) -> None:
        update_id = update.update_id
        self.window.start(update_id)

        async def handle() -> None:
            try:
                await self._submit(update)
            finally:
                self.window.finish(update_id)
                self._progress.set()

        task = asyncio.ensure_future(handle())
        task.add_done_callback(_log_failure)

    async def confirm(self) -> None:
        """Tell Telegram which updates were handled (call once after stopping)."""
        parameters = {"offset": self.window.offset or None, "timeout": 0, "limit": 1}
        try:
            await self._api.call("getUpdates", parameters)
        except TelegramError as error:
            log.warning("could not confirm the last updates: %s", error)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("update handling failed", exc_info=task.exception())
