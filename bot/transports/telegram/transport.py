"""The Telegram transport: python-telegram-bot's Bot in the shared asyncio loop.

Updates come by long polling (default) or by webhook. Each is handled once:
one at a time per user, many users at once, and recorded as handled after its
replies went out, so that a restart neither loses nor repeats it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot, BotCommand, Update
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.config import TelegramConfig
from bot.core.checkpoint import ReplyCheckpoint
from bot.core.clock import Clock
from bot.core.dispatch import Dispatcher
from bot.core.messages import Reply
from bot.core.profile import BotProfile
from bot.core.ratelimit import Pacer
from bot.core.transport import Delivery, MessageHandler, Outcome
from bot.storage.handled_events import HandledEvents
from bot.storage.user_repository import UserRepository
from bot.transports.telegram.api import BotApi
from bot.transports.telegram.incoming import (
    ALLOWED_UPDATES,
    TRANSPORT,
    private_chat_key,
    to_incoming,
)
from bot.transports.telegram.polling import Poller
from bot.transports.telegram.sender import TelegramSender
from bot.transports.telegram.webhook import WebhookServer

log = logging.getLogger(__name__)

# Telegram keeps an undelivered update for 24 hours; remember handled ones a bit longer.
_REMEMBER = timedelta(hours=48)
_DRAIN_SECONDS = 10.0
_TELEGRAM_BOT_URL = "https://api.telegram.org/bot"
_TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"


class TelegramStartError(Exception):
    """The bot cannot start on Telegram (e.g. the token was refused)."""


class TelegramTransport:
    """Serves the bot on Telegram."""

    name = TRANSPORT

    def __init__(
        self,
        config: TelegramConfig,
        users: UserRepository,
        handled: HandledEvents,
        clock: Clock,
        profiles: Callable[[], list[BotProfile]],
        default_locale: str,
    ) -> None:
        self._config = config
        self._users = users
        self._handled = handled
        self._clock = clock
        self._profiles = profiles
        self._default_locale = default_locale
        self.bot = Bot(
            config.token,
            base_url=config.base_url or _TELEGRAM_BOT_URL,
            base_file_url=config.file_url or _TELEGRAM_FILE_URL,
            request=HTTPXRequest(connection_pool_size=config.concurrency + 8, pool_timeout=30.0),
            get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=10.0),
        )
        self._api = BotApi(
            config.base_url or _TELEGRAM_BOT_URL, config.token, config.concurrency + 8
        )
        self._dispatcher = Dispatcher(concurrency=config.concurrency)
        pacer = Pacer(config.messages_per_second, config.messages_per_chat_per_second, 3.0)
        self._sender = TelegramSender(self._api, users, pacer)
        self._on_message: MessageHandler | None = None
        # Update ids only grow: above the newest one handled before this start, a polled
        # update is new without asking the database. Webhook workers may share updates
        # with others, so they always ask.
        self._checked_up_to: int | None = None

    async def run(self, on_message: MessageHandler) -> None:
        """Serve until cancelled; on cancellation finish the updates in hand first."""
        self._on_message = on_message
        try:
            await self.bot.initialize()
        except InvalidToken:
            raise TelegramStartError(
                "Telegram refused the bot token (401 Unauthorized); check [telegram] token "
                "or WEGWEISER_TELEGRAM_TOKEN"
            ) from None
        except TelegramError as error:
            reason = str(error).replace(self._config.token, "[redacted]")
            raise TelegramStartError(f"cannot reach the Telegram Bot API: {reason}") from None
        log.info("telegram: serving as @%s (%s mode)", self.bot.username, self._config.mode)
        await self._api.start()
        profile_task = asyncio.create_task(self._publish_profiles())
        housekeeping = asyncio.create_task(self._forget_old_hourly())
        try:
            if self._config.mode == "webhook":
                await self._serve_webhook()
            else:
                await self._serve_polling()
        finally:
            profile_task.cancel()
            housekeeping.cancel()
            await self._api.close()
            await self.bot.shutdown()

    async def _serve_polling(self) -> None:
        await self.bot.delete_webhook()
        await self._forget_old()
        self._checked_up_to = await self._handled.newest_number()
        poller = Poller(self.bot, self._api, self._submit, self._config.poll_timeout)
        try:
            await poller.run()
        finally:
            await self._dispatcher.drain(_DRAIN_SECONDS)
            await poller.confirm()

    async def _serve_webhook(self) -> None:
        config = self._config
        server = WebhookServer(
            self.bot, self._submit, config.webhook_listen, config.webhook_url, config.secret
        )
        await server.start()
        await self._forget_old()
        await self.bot.set_webhook(
            url=config.webhook_url,
            secret_token=config.secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=min(100, max(1, config.concurrency)),
        )
        try:
            await asyncio.Event().wait()
        finally:
            await self._dispatcher.drain(_DRAIN_SECONDS)
            await server.stop()

    async def _forget_old(self) -> None:
        await self._handled.forget_before(self._clock.now() - _REMEMBER)

    async def _forget_old_hourly(self) -> None:
        while True:
            await asyncio.sleep(3600)
            await self._forget_old()

    async def _submit(self, update: Update) -> None:
        chat = update.effective_chat
        key = private_chat_key(update) or (
            f"chat:{chat.id}" if chat is not None else f"update:{update.update_id}"
        )
        await self._dispatcher.submit(key, lambda: self._process(update))

    async def _process(self, update: Update) -> None:
        event_id = str(update.update_id)
        if self._may_be_handled(update.update_id) and await self._handled.was_handled(event_id):
            log.info("telegram: update %s was handled before, skipped", event_id)
            return
        checkpoint = ReplyCheckpoint(
            lambda now: self._handled.mark(event_id, now),
            lambda: self._handled.unmark(event_id),
            self._clock,
        )
        incoming = to_incoming(update, self._config.staff_group)
        if incoming is not None and self._on_message is not None:
            if update.callback_query is not None:
                await self._acknowledge_button(update)
            replies = await self._on_message(incoming)
            await self._deliver(incoming.chat_id, replies, checkpoint)
        await checkpoint.done()

    def _may_be_handled(self, update_id: int) -> bool:
        return self._checked_up_to is None or update_id <= self._checked_up_to

    async def _deliver(
        self, chat_id: str, replies: list[Reply], checkpoint: ReplyCheckpoint
    ) -> None:
        for reply in replies:
            result = await self._sender.send(chat_id, reply, checkpoint)
            if result.outcome is not Outcome.SENT:
                return

    async def _acknowledge_button(self, update: Update) -> None:
        """Stop the button's spinner and take the keyboard off the message it was on."""
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
            if query.message is not None:
                await self.bot.edit_message_reply_markup(
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                    reply_markup=None,
                )
        except BadRequest as error:
            log.info("telegram: button acknowledgement refused: %s", error.message)
        except TelegramError as error:
            log.warning("telegram: button acknowledgement failed: %s", error)

    async def send(
        self, chat_id: str, reply: Reply, key: str = "", defer: bool = True
    ) -> Delivery:
        """Send a proactive message (reminder, announcement, handover relay)."""
        return await self._sender.send(chat_id, reply, defer=defer)

    async def _publish_profiles(self) -> None:
        """Set the command list and descriptions in every shipped language."""
        for profile in self._profiles():
            codes = [profile.locale]
            if profile.locale == self._default_locale:
                codes.append("")
            for code in codes:
                try:
                    await self.bot.set_my_commands(
                        [BotCommand(name, text[:256]) for name, text in profile.commands],
                        language_code=code or None,
                    )
                    await self.bot.set_my_description(
                        profile.description[:512], language_code=code or None
                    )
                    await self.bot.set_my_short_description(
                        profile.short_description[:120], language_code=code or None
                    )
                except TelegramError as error:
                    log.warning("telegram: could not set the %r profile: %s", code, error)
