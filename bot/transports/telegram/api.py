"""Plain Bot API calls for the busy paths: sending messages and fetching updates.

python-telegram-bot turns every answer into objects (a full ``Message`` for
each message sent); at a county-wide broadcast that costs several times more
than the HTTP request. The sender and the poller only need a few fields, so
they call the Bot API here directly and read the JSON themselves. Failures
are raised as python-telegram-bot's exceptions, mapped the way it maps them,
so callers handle one set of errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

_CONNECT_SECONDS = 5.0
_READ_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent with a call (multipart)."""

    field: str
    name: str
    content: bytes


def _form_value(value: object) -> str:
    """How the Bot API reads a parameter in a form: objects as JSON, booleans in lower case."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _error(status: int, body: Mapping[str, Any] | None) -> TelegramError:
    """The exception python-telegram-bot would raise for this answer."""
    description = str((body or {}).get("description") or f"HTTP {status}")
    parameters = (body or {}).get("parameters") or {}
    if parameters.get("migrate_to_chat_id"):
        return ChatMigrated(int(parameters["migrate_to_chat_id"]))
    if parameters.get("retry_after"):
        return RetryAfter(int(parameters["retry_after"]))
    if status == 403:
        return Forbidden(description)
    if status in (401, 404):
        return InvalidToken(description)
    if status == 400:
        return BadRequest(description)
    if status == 409:
        return Conflict(description)
    return NetworkError(description)


class BotApi:
    """One HTTP connection pool to the Bot API; ``call`` returns the ``result`` field."""

    def __init__(
        self, base_url: str, token: str, connections: int, read_seconds: float = _READ_SECONDS
    ) -> None:
        # As python-telegram-bot reads base_url: a {token} placeholder, or the token appended.
        if "{token}" in base_url:
            self._url = base_url.replace("{token}", token).rstrip("/") + "/"
        else:
            self._url = f"{base_url}{token}/"
        self._token = token
        self._connections = connections
        self._read_seconds = read_seconds
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the connection pool."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections), raise_for_status=False
            )

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self,
        method: str,
        parameters: Mapping[str, object],
        upload: Upload | None = None,
        read_seconds: float | None = None,
    ) -> Any:
        """Call ``method``; raise TelegramError subclasses the way python-telegram-bot does."""
        if self._session is None:
            raise NetworkError("the Bot API connection is not open")
        form = {name: _form_value(v) for name, v in parameters.items() if v is not None}
        data: aiohttp.FormData | dict[str, str] = form
        if upload is not None:
            data = aiohttp.FormData(form)
            data.add_field(upload.field, upload.content, filename=upload.name)
        timeout = aiohttp.ClientTimeout(
            sock_connect=_CONNECT_SECONDS, sock_read=read_seconds or self._read_seconds
        )
        try:
            async with self._session.post(
                self._url + method, data=data, timeout=timeout
            ) as response:
                status = response.status
                raw = await response.read()
        except aiohttp.ConnectionTimeoutError as error:  # the request never left
            raise NetworkError(f"{method}: could not connect in time") from error
        except TimeoutError as error:  # sent, but no answer in time: it may have been done
            raise TimedOut(f"{method}: no answer in time") from error
        except aiohttp.ClientError as error:
            reason = str(error).replace(self._token, "[redacted]")
            raise NetworkError(f"{method}: {type(error).__name__}: {reason}") from None
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if status >= 300:
                raise _error(status, None)
            raise NetworkError(f"{method}: the answer is not JSON (HTTP {status})")
        if 200 <= status < 300 and body.get("ok"):
            return body.get("result")
        raise _error(status, body)
