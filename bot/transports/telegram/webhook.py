"""Webhook mode: Telegram posts each update to an HTTPS URL that a reverse proxy forwards here.

Every request must carry the secret token set with setWebhook. The answer is
sent only after the update was handled, so Telegram delivers it again if this
process dies before; the handled-events log skips repeats.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from json import JSONDecodeError
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Submit = Callable[[Update], Awaitable[None]]


class WebhookServer:
    """An HTTP endpoint for Telegram's update requests."""

    def __init__(
        self, bot: Bot, submit: Submit, listen: str, public_url: str, secret: str
    ) -> None:
        self._bot = bot
        self._submit = submit
        host, _, port = listen.rpartition(":")
        self._host = host.strip("[]")
        self._port = int(port)
        self.path = urlsplit(public_url).path or "/"
        self._secret = secret
        self._runner: web.AppRunner | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        """Listen for Telegram's requests."""
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("webhook listening on %s:%d%s", self._host, self._port, self.path)

    async def stop(self) -> None:
        """Stop listening; requests being handled are finished first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("webhook request without the right secret token refused")
            return web.Response(status=401)
        try:
            data = await request.json()
            update = Update.de_json(data, self._bot)
        except (JSONDecodeError, ValueError, KeyError, TypeError):
            log.warning("webhook request with a body that is not an update ignored")
            return web.Response(status=200)
        task = self._in_flight.get(update.update_id)
        if task is None:
            task = asyncio.ensure_future(self._submit(update))
            self._in_flight[update.update_id] = task
            task.add_done_callback(lambda _: self._in_flight.pop(update.update_id, None))
        await asyncio.shield(task)
        return web.Response(status=200)
