"""Sending to Matrix rooms: our own transaction ids, rate limits honoured, encryption by nio.

- Every message goes out with a transaction id derived from a stable key (the
  incoming event, or the ledger row): a resend after a lost response is the
  same event to the homeserver, never a second message.
- 429 M_LIMIT_EXCEEDED: wait the time the server asked for and send again; a
  proactive message that has not started yet is handed back DEFERRED.
- M_FORBIDDEN (the user left, the bot is not in the room): unreachable, not retried.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import uuid
from collections.abc import Callable
from typing import Any

from nio import (
    AsyncClient,
    LocalProtocolError,
    RoomSendError,
    RoomSendResponse,
    SendRetryError,
    UploadResponse,
)

from bot.core.checkpoint import ReplyCheckpoint
from bot.core.messages import Attachment, Choice, Reply
from bot.core.transport import Delivery, Outcome
from bot.transports.matrix.render import message_content

log = logging.getLogger(__name__)

_DEFAULT_RETRY_SECONDS = 5.0
_UNREACHABLE_CODES = ("M_FORBIDDEN", "M_NOT_FOUND")

ChoicesSent = Callable[[str, str, tuple[Choice, ...]], None]


def transaction_id(key: str, part: int) -> str:
    """A transaction id that is the same for the same message every time it is sent."""
    if not key:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{key}/{part}".encode()).hexdigest()[:32]


class MatrixSender:
    """Delivers replies to rooms, one message per reply (plus one per file)."""

    def __init__(
        self,
        client: AsyncClient,
        on_unreachable: Callable[[str], Any],
        on_choices: ChoicesSent,
        max_attempts: int = 5,
        max_wait: float = 300.0,
    ) -> None:
        self._client = client
        self._on_unreachable = on_unreachable
        self._on_choices = on_choices
        self._max_attempts = max_attempts
        self._max_wait = max_wait

    async def send(
        self,
        room_id: str,
        reply: Reply,
        key: str,
        checkpoint: ReplyCheckpoint | None = None,
        defer: bool = False,
    ) -> Delivery:
        """Send one reply; ``defer``: on a rate limit before anything went out, return DEFERRED."""
        result = await self._send_content(
            room_id, message_content(reply), transaction_id(key, 0), checkpoint, defer
        )
        if result.outcome is not Outcome.SENT:
            return result
        self._on_choices(room_id, result.message_ids[0], reply.choices)
        if reply.attachment is None:
            return result
        content = await self._file_content(room_id, reply.attachment)
        if content is None:
            return Delivery(Outcome.FAILED, result.message_ids, "file upload failed")
        second = await self._send_content(room_id, content, transaction_id(key, 1), checkpoint)
        return Delivery(second.outcome, result.message_ids + second.message_ids, second.reason)

    async def _file_content(self, room_id: str, attachment: Attachment) -> dict[str, Any] | None:
        room = self._client.rooms.get(room_id)
        encrypted = bool(room is not None and room.encrypted)
        response, keys = await self._client.upload(
            io.BytesIO(attachment.content),
            content_type=attachment.mime,
            filename=attachment.name,
            encrypt=encrypted,
            filesize=len(attachment.content),
        )
        if not isinstance(response, UploadResponse):
            log.warning("matrix: upload to room %s failed: %s", room_id, response)
            return None
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": attachment.name,
            "filename": attachment.name,
            "info": {"mimetype": attachment.mime, "size": len(attachment.content)},
        }
        if encrypted and keys:
            content["file"] = {**keys, "url": response.content_uri}
        else:
            content["url"] = response.content_uri
        return content

    async def _send_content(
        self,
        room_id: str,
        content: dict[str, Any],
        txn: str,
        checkpoint: ReplyCheckpoint | None,
        defer: bool = False,
    ) -> Delivery:
        waited = 0.0
        for attempt in range(1, self._max_attempts + 1):
            if checkpoint is not None:
                await checkpoint.before_send()
            try:
                response = await self._client.room_send(
                    room_id, "m.room.message", content, tx_id=txn, ignore_unverified_devices=True
                )
            except (LocalProtocolError, SendRetryError) as error:
                log.warning("matrix: cannot send to room %s: %s", room_id, error)
                return Delivery(Outcome.REJECTED, reason=str(error))
            if isinstance(response, RoomSendResponse):
                if checkpoint is not None:
                    checkpoint.sent()
                return Delivery(Outcome.SENT, (response.event_id,))
            assert isinstance(response, RoomSendError)
            code = response.status_code or ""
            if code == "M_LIMIT_EXCEEDED":
                delay = (response.retry_after_ms or 0) / 1000 or _DEFAULT_RETRY_SECONDS
                log.warning("matrix 429 for room %s: retry after %.1f s", room_id, delay)
                if defer:
                    reason = f"M_LIMIT_EXCEEDED retry after {delay:g} s"
                    return Delivery(Outcome.DEFERRED, reason=reason, retry_after=delay)
                if waited + delay > self._max_wait:
                    return Delivery(Outcome.FAILED, reason=f"M_LIMIT_EXCEEDED after {waited:g} s")
                if checkpoint is not None:
                    await checkpoint.refused()
                waited += delay
                await asyncio.sleep(delay)
                continue
            if code in _UNREACHABLE_CODES:
                log.info("matrix %s for room %s: marked unreachable", code, room_id)
                await self._on_unreachable(room_id)
                return Delivery(Outcome.UNREACHABLE, reason=f"{code} {response.message}")
            log.warning("matrix send to room %s failed (attempt %d): %s", room_id, attempt, code)
            if attempt < self._max_attempts:
                await asyncio.sleep(min(2.0**attempt, 30.0))
        return Delivery(Outcome.FAILED, reason="too many attempts")
