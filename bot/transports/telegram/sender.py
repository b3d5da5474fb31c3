"""Sending to Telegram the way the Bot API wants it: paced, retried, never to a blocked chat.

- 429 (RetryAfter): wait the given time, then send again; a proactive message
  that has not started yet is handed back DEFERRED instead, to be rescheduled.
- 403 (Forbidden: blocked, deactivated): the chat is marked unreachable and not retried.
- 400 (BadRequest): not retried; logged with Telegram's reason.
- network errors: retried with backoff; so is a timeout after a reply was sent,
  while a proactive message that timed out comes back UNKNOWN (it may have
  arrived; a retry could double it).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.core.checkpoint import ReplyCheckpoint
from bot.core.messages import Attachment, Choice, Reply
from bot.core.ratelimit import Pacer
from bot.core.transport import Delivery, Outcome
from bot.storage.user_repository import UserRepository
from bot.transports.telegram.api import BotApi, Upload
from bot.transports.telegram.incoming import TRANSPORT
from bot.transports.telegram.render import Chunk, keyboard_rows, render_chunks

log = logging.getLogger(__name__)

_NO_PREVIEW = {"is_disabled": True}


def retry_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def keyboard(choices: tuple[Choice, ...]) -> dict[str, object] | None:
    """Inline buttons for the choices (a Bot API InlineKeyboardMarkup); callback data is
    the choice's short id."""
    if not choices:
        return None
    return {
        "inline_keyboard": [
            [{"text": choice.label, "callback_data": choice.data} for choice in row]
            for row in keyboard_rows(choices)
        ]
    }


class TelegramSender:
    """Delivers replies to chats under Telegram's rate limits."""

    def __init__(
        self,
        api: BotApi,
        users: UserRepository,
        pacer: Pacer,
        max_attempts: int = 6,
        max_wait: float = 300.0,
    ) -> None:
        self._api = api
        self._users = users
        self._pacer = pacer
        self._max_attempts = max_attempts
        self._max_wait = max_wait

    async def send(
        self,
        chat_id: str,
        reply: Reply,
        checkpoint: ReplyCheckpoint | None = None,
        defer: bool = False,
    ) -> Delivery:
        """Send one reply (several messages when long); stop at the first failure.

        ``defer`` (a proactive message from the ledger): on a 429 before the first part
        went out, return DEFERRED at once; on a timeout after a part was sent, UNKNOWN.
        """
        ids: list[str] = []
        for chunk in render_chunks(reply):
            result = await self._send_chunk(
                chat_id, chunk, checkpoint, defer=defer and not ids, unknown_on_timeout=defer
            )
            if result.outcome is not Outcome.SENT:
                return Delivery(result.outcome, tuple(ids), result.reason)
            ids.extend(result.message_ids)
        if reply.attachment is not None:
            result = await self._send_chunk(chat_id, reply.attachment, checkpoint)
            ids.extend(result.message_ids)
            return Delivery(result.outcome, tuple(ids), result.reason)
        return Delivery(Outcome.SENT, tuple(ids))

    async def _post(self, chat_id: str, part: Chunk | Attachment) -> str:
        """Send one message; return its id."""
        if isinstance(part, Attachment):
            upload = Upload("document", part.name, part.content)
            message = await self._api.call("sendDocument", {"chat_id": chat_id}, upload)
        else:
            parameters = {
                "chat_id": chat_id,
                "text": part.html,
                "parse_mode": "HTML",
                "reply_markup": keyboard(part.choices),
                "link_preview_options": _NO_PREVIEW,
            }
            message = await self._api.call("sendMessage", parameters)
        return str(message["message_id"])

    async def _send_chunk(
        self,
        chat_id: str,
        chunk: Chunk | Attachment,
        checkpoint: ReplyCheckpoint | None,
        defer: bool = False,
        unknown_on_timeout: bool = False,
    ) -> Delivery:
        backoff = 0.5
        waited = 0.0
        for attempt in range(1, self._max_attempts + 1):
            await self._pacer.wait(chat_id)
            if checkpoint is not None:
                await checkpoint.before_send()
            try:
                message_id = await self._post(chat_id, chunk)
                if checkpoint is not None:
                    checkpoint.sent()
                return Delivery(Outcome.SENT, (message_id,))
            except RetryAfter as error:
                delay = retry_seconds(error)
                log.warning("telegram 429 for chat %s: retry after %.1f s", chat_id, delay)
                if defer:
                    reason = f"429 retry after {delay:g} s"
                    return Delivery(Outcome.DEFERRED, reason=reason, retry_after=delay)
                if waited + delay > self._max_wait:
                    return Delivery(Outcome.FAILED, reason=f"429 retry after {delay:g} s")
                if checkpoint is not None:
                    await checkpoint.refused()
                waited += delay
                await asyncio.sleep(delay)
            except Forbidden as error:
                log.info("telegram 403 for chat %s (%s): marked unreachable", chat_id, error)
                await self._users.mark_unreachable(TRANSPORT, chat_id)
                return Delivery(Outcome.UNREACHABLE, reason=f"403 {error.message}")
            except InvalidToken:
                raise
            except BadRequest as error:
                log.error("telegram 400 for chat %s, not retried: %s", chat_id, error.message)
                return Delivery(Outcome.REJECTED, reason=f"400 {error.message}")
            except ChatMigrated as error:
                return Delivery(Outcome.REJECTED, reason=f"chat migrated: {error.message}")
            except (NetworkError, TelegramError) as error:
                if isinstance(error, TimedOut) and unknown_on_timeout:
                    log.warning("telegram send to chat %s timed out: not resent", chat_id)
                    return Delivery(Outcome.UNKNOWN, reason=str(error))
                log.warning(
                    "telegram send to chat %s failed (attempt %d): %s", chat_id, attempt, error
                )
                if attempt == self._max_attempts:
                    return Delivery(Outcome.FAILED, reason=str(error))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        return Delivery(Outcome.FAILED, reason="too many attempts")
