"""A local fake of the Telegram Bot API HTTP server, strict like the real one.

The real python-telegram-bot stack talks to it over HTTP; test code in the same event loop
drives users (messages, stickers, photos, button presses) in private chats and supergroups,
injects failures and inspects what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import math
import mimetypes
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from tests.botapi.html import ParseError, detect_entities, format_text, utf16_len

JsonDict = dict[str, Any]
Handler = Callable[["Params"], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_BUTTONS = 100
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: POLL_CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
DESCRIPTION_PREFIXES = {400: "Bad Request: ", 403: "Forbidden: ", 409: "Conflict: "}
# Parameters whose values stay strings even when they look like JSON.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "description",
        "short_description",
        "name",
        "language_code",
        "document",
        "file_id",
        "inline_message_id",
        "action",
        "ip_address",
    }
)
UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_ALLOWED_UPDATES = UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
RATE_LIMITED_METHODS = frozenset(
    {"sendmessage", "senddocument", "editmessagetext", "editmessagereplymarkup"}
)
# Telegram: a bot may post at most 20 messages a minute to the same group.
GROUP_MESSAGES_PER_MINUTE = 20
# Supergroup ids are -100 followed by the channel id: below -10**12.
SUPERGROUP_ID_LIMIT = -1_000_000_000_000
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"(?:[a-z]{2})?")
_SECRET = re.compile(r"[A-Za-z0-9_\-]{1,256}")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_BUTTON_URL = re.compile(r"(?:https?|tg)://\S+", re.IGNORECASE)


def now() -> int:
    """Unix time in whole seconds, as Telegram dates are."""
    return int(time.time())


class ApiError(Exception):
    """A Bot API error reply: HTTP status, description and optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @classmethod
    def flood(cls, retry_after: int) -> ApiError:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad(description: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, "Bad Request: " + description)


@dataclass
class Described:
    """A successful result that Telegram accompanies with a description."""

    result: Any
    description: str


@dataclass
class FakeUser:
    """A Telegram user; their private chat with the bot has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = True
    blocked: bool = False
    deactivated: bool = False

    def to_dict(self) -> JsonDict:
        data: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def chat_dict(self) -> JsonDict:
        data: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class FakeGroup:
    """A supergroup (negative id, -100…) with its members; the bot may be in it or not.

    `bot_is_admin`: the bot receives every message there even in privacy mode.
    """

    id: int
    title: str
    members: set[int] = field(default_factory=set)
    bot_is_member: bool = True
    bot_is_admin: bool = False

    def chat_dict(self) -> JsonDict:
        return {"id": self.id, "type": "supergroup", "title": self.title}


FakeChat = FakeUser | FakeGroup


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes = field(repr=False)


@dataclass
class SentDocument:
    """A document the bot uploaded."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    content: bytes = field(repr=False)
    file_path: str = ""

    @property
    def file_size(self) -> int:
        return len(self.content)

    def to_dict(self) -> JsonDict:
        data: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name is not None:
            data["file_name"] = self.file_name
        if self.mime_type is not None:
            data["mime_type"] = self.mime_type
        return data


@dataclass
class MessageVersion:
    """The content of a message at one point in time."""

    text: str | None
    entities: list[JsonDict]
    reply_markup: JsonDict | None
    html: str | None
    parse_mode: str | None
    date: int


@dataclass
class SentMessage:
    """A message the bot sent; `text` is the caption for documents; fields show the latest edit.

    `edits` holds the earlier versions, oldest first (see `versions()`).
    """

    message_id: int
    chat_id: int
    date: int
    text: str | None
    entities: list[JsonDict]
    html: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    document: SentDocument | None = None
    reply_to_message_id: int | None = None
    params: JsonDict = field(default_factory=dict, repr=False)
    edits: list[MessageVersion] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    def buttons(self) -> list[tuple[str, str | None]]:
        """(text, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(button["text"], button.get("callback_data")) for row in rows for button in row]

    def button_data(self, text: str) -> str:
        """callback_data of the inline button labelled `text`."""
        for label, data in self.buttons():
            if label == text and data is not None:
                return data
        raise AssertionError(f"no callback button {text!r} on message; buttons: {self.buttons()}")

    def version(self) -> MessageVersion:
        return MessageVersion(
            self.text, self.entities, self.reply_markup, self.html, self.parse_mode, self.date
        )

    def versions(self) -> list[MessageVersion]:
        """Every version of the message, the current one last."""
        return [*self.edits, self.version()]

    def inline_markup(self) -> JsonDict | None:
        return _inline(self.reply_markup)


@dataclass
class ApiCall:
    """One request to the API, as answered."""

    method: str
    params: JsonDict
    status: int
    description: str | None = None
    time: float = 0.0


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery call that was accepted."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass
class WebhookState:
    """The webhook as set with setWebhook, and how delivery went."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: list[int] = field(default_factory=list)
    failed_attempts: int = 0


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    count: int

    def error(self) -> ApiError:
        return ApiError(self.status, self.description, self.retry_after)


@dataclass
class _Share:
    share: float
    retry_after: int
    rng: random.Random


@dataclass
class _RateLimit:
    global_per_second: float | None
    per_chat_per_second: float | None
    retry_after: int
    recent: deque[float] = field(default_factory=deque)
    recent_by_chat: dict[Any, deque[float]] = field(default_factory=dict)

    def admit(self, chat: Any, at: float) -> bool:
        """Counts a call if it fits in the one-second windows."""
        _prune(self.recent, at)
        if self.global_per_second is not None and len(self.recent) >= self.global_per_second:
            return False
        chat_recent = None
        if self.per_chat_per_second is not None and chat is not None:
            chat_recent = self.recent_by_chat.setdefault(chat, deque())
            _prune(chat_recent, at)
            if len(chat_recent) >= self.per_chat_per_second:
                return False
            chat_recent.append(at)
        self.recent.append(at)
        return True


def _utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of `text` an entity covers (offsets count UTF-16 code units)."""
    units = text.encode("utf-16-le")
    return units[2 * offset : 2 * (offset + length)].decode("utf-16-le", "replace")


def _prune(window: deque[float], at: float) -> None:
    while window and window[0] <= at - 1.0:
        window.popleft()


def _inline(markup: JsonDict | None) -> JsonDict | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def _decode_form_value(name: str, value: str) -> Any:
    """PTB JSON-encodes non-string form values: decode numbers, flags, lists and objects."""
    if name in STRING_PARAMS or not value:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, int | list | dict) else value


class Params:
    """Request parameters with Telegram's type coercions."""

    def __init__(self, values: JsonDict, files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        raise bad(f'field "{name}" must be of type String')

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        number = _as_int(value)
        if number is None:
            raise bad(f'field "{name}" must be of type Integer')
        return number

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad(f'field "{name}" must be of type Number') from None

    def flag(self, name: str) -> bool:
        return self.values.get(name) in (True, 1, "true", "True", "1")

    def json(self, name: str, error: str) -> Any:
        """A JSON-serialized parameter (already decoded or still a string)."""
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad(error) from None
        return value

    def file(self, name: str) -> UploadedFile | None:
        """The uploaded file for `name`, directly or through "attach://<part>"."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"))
        return self.files.get(name)

    def recorded(self) -> JsonDict:
        return {**self.values, **self.files}


async def read_params(request: web.Request) -> Params:
    """Parameters from the query string and a form, multipart or JSON body."""
    values: JsonDict = {k: _decode_form_value(k, v) for k, v in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return Params(values, files)
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.text())
        except ValueError:
            raise bad("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad("can't parse JSON object")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                with value.file:
                    content = value.file.read()
                files[name] = UploadedFile(value.filename, value.content_type, content)
            else:
                text = value if isinstance(value, str) else value.decode("utf-8", "replace")
                values[name] = _decode_form_value(name, text)
    return Params(values, files)


def parse_reply_markup(raw: Any) -> JsonDict | None:
    """Validates a reply_markup like Telegram; inline keyboards come back normalized."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return {"inline_keyboard": _inline_keyboard(raw["inline_keyboard"])}
    if "keyboard" in raw:
        _check_reply_keyboard(raw["keyboard"])
        return dict(raw)
    if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
        return dict(raw)
    raise bad("can't parse reply keyboard markup JSON object")


def _inline_keyboard(rows: Any) -> list[list[JsonDict]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad('field "inline_keyboard" must be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad("REPLY_MARKUP_TOO_LONG")
    return [[_inline_button(button) for button in row] for row in rows if row]


def _inline_button(button: Any) -> JsonDict:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad(prefix + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad(prefix + 'Field "text" must be of type String')
    if not text.strip():
        raise bad("BUTTON_TEXT_INVALID")
    actions = [key for key in BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad(prefix + "exactly one of the optional fields must be used")
    action, value = actions[0], button[actions[0]]
    if action == "callback_data" and not _valid_callback_data(value):
        raise bad("BUTTON_DATA_INVALID")
    if action == "url" and not (isinstance(value, str) and _BUTTON_URL.fullmatch(value)):
        raise bad("BUTTON_URL_INVALID")
    return {"text": text, action: value}


def _valid_callback_data(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value.encode("utf-8")) <= MAX_CALLBACK_DATA


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad('field "keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad('can\'t parse keyboard button: Field "text" must be of type String')


class _UpdateQueue:
    """Unconfirmed updates in order; O(1) removal of any update, cheap confirmation."""

    def __init__(self) -> None:
        self.pending: dict[int, JsonDict] = {}
        self.order: deque[int] = deque()

    def __len__(self) -> int:
        return len(self.pending)

    def add(self, update: JsonDict) -> None:
        self.pending[update["update_id"]] = update
        self.order.append(update["update_id"])

    def remove(self, update_id: int) -> None:
        self.pending.pop(update_id, None)

    def _prune(self) -> None:
        while self.order and self.order[0] not in self.pending:
            self.order.popleft()

    def items(self) -> Iterator[tuple[int, JsonDict]]:
        self._prune()
        for update_id in self.order:
            update = self.pending.get(update_id)
            if update is not None:
                yield update_id, update

    def first(self, limit: int) -> list[JsonDict]:
        return [update for _, update in itertools.islice(self.items(), limit)]

    def confirm(self, offset: int) -> None:
        """Forgets updates below `offset`; a negative one keeps only the last -offset."""
        if offset < 0:
            keep = [update_id for update_id, _ in self.items()][offset:]
            self.pending = {update_id: self.pending[update_id] for update_id in keep}
            self.order = deque(keep)
            return
        while self.order and (self.order[0] < offset or self.order[0] not in self.pending):
            self.pending.pop(self.order.popleft(), None)

    def clear(self) -> None:
        self.pending.clear()
        self.order.clear()


class BotApiServer:
    """A fake Telegram Bot API server on 127.0.0.1 with a control API for tests."""

    def __init__(
        self,
        token: str = "123456:ABC-test",
        bot_username: str = "wegweiser_test_bot",
        *,
        bot_first_name: str = "Wegweiser Test",
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 10.0,
        privacy_mode: bool = True,
        group_messages_per_minute: int | None = GROUP_MESSAGES_PER_MINUTE,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.host, self.port = host, port
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.privacy_mode = privacy_mode
        self.group_messages_per_minute = group_messages_per_minute
        self.url = ""
        self.users: dict[int, FakeUser] = {}
        self.groups: dict[int, FakeGroup] = {}
        self.messages: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.files: dict[str, SentDocument] = {}
        self.webhook: WebhookState | None = None
        self._updates: dict[int, JsonDict] = {}
        self._queue = _UpdateQueue()
        self._update_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._live: dict[tuple[int, int], SentMessage] = {}
        self._incoming: dict[tuple[int, int], JsonDict] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._file_paths: dict[str, SentDocument] = {}
        self._queries: dict[str, bool] = {}
        self._query_ids = itertools.count(4_000_000_000_000_001)
        self._calls_by_method: dict[str, list[ApiCall]] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._shares: dict[str, _Share] = {}
        self._rate: _RateLimit | None = None
        self._delays: dict[str, float] = {}
        self._delay_counts: dict[str, int] = {}
        self.delayed_calls: list[tuple[str, JsonDict]] = []
        self._poller: asyncio.Future[str] | None = None
        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wakeup = asyncio.Event()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()
        self._methods = self._method_table()

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        """Starts listening on a free port (unless one was given)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        self.url = f"http://{self.host}:{self.port}"
        self._session = ClientSession(timeout=ClientTimeout(total=self.webhook_timeout))

    async def stop(self) -> None:
        """Answers open long polls, stops webhook delivery and closes the server."""
        self._stopping = True
        self._wake_poller("stop")
        await self._stop_webhook()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- users

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        started: bool = True,
    ) -> FakeUser:
        """A user with a private chat (same id); `started=False`: never wrote to the bot."""
        user = FakeUser(user_id, first_name, last_name, username, language_code, started)
        self.users[user_id] = user
        return user

    def block(self, user_id: int) -> None:
        self._user(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        self._user(user_id).blocked = False

    def deactivate(self, user_id: int) -> None:
        self._user(user_id).deactivated = True

    def _user(self, user_id: int) -> FakeUser:
        user = self.users.get(user_id)
        if user is None:
            raise AssertionError(f"unknown user {user_id}: call add_user first")
        return user

    def _active_user(self, user_id: int) -> FakeUser:
        user = self._user(user_id)
        if user.deactivated:
            raise AssertionError(f"user {user_id} is deactivated and cannot act")
        return user

    # ----------------------------------------------------------------- groups

    def add_group(
        self,
        chat_id: int,
        title: str,
        members: list[int],
        bot_is_member: bool = True,
        *,
        bot_is_admin: bool = False,
    ) -> FakeGroup:
        """A supergroup (id like -1001234567890) of known users (add_user them first).

        In privacy mode (the default) the bot receives only commands, mentions of it and
        replies to its messages there, unless `bot_is_admin`.
        """
        if chat_id >= SUPERGROUP_ID_LIMIT:
            raise AssertionError(f"supergroup ids look like -1001234567890, not {chat_id}")
        if chat_id in self.groups:
            raise AssertionError(f"group {chat_id} exists already")
        if not title.strip():
            raise AssertionError("a group needs a title")
        for member in members:
            self._user(member)
        group = FakeGroup(chat_id, title, set(members), bot_is_member, bot_is_admin)
        self.groups[chat_id] = group
        return group

    def _group(self, group_id: int) -> FakeGroup:
        group = self.groups.get(group_id)
        if group is None:
            raise AssertionError(f"unknown group {group_id}: call add_group first")
        return group

    def send_group_text(
        self, group_id: int, user_id: int, text: str, reply_to: int | None = None
    ) -> int:
        """A member writes `text` in a group, optionally replying to message `reply_to`.

        Returns the update_id; the update is queued only if the bot would receive it
        (it is a member, and privacy mode lets the message through).
        """
        group = self._group(group_id)
        user = self._active_user(user_id)
        if user_id not in group.members:
            raise AssertionError(f"user {user_id} is not a member of group {group_id}")
        replied = None
        if reply_to is not None:
            replied = self._message_for_reply(group.id, reply_to)
            if replied is None:
                raise AssertionError(f"group {group_id} has no message {reply_to}")
        message = self._user_message(user, group, {"text": text}, replied)
        return self._enqueue("message", message, deliver=self._bot_receives(group, message))

    def _bot_receives(self, group: FakeGroup, message: JsonDict) -> bool:
        """Whether Telegram passes a group message to the bot (privacy mode rules)."""
        if not group.bot_is_member:
            return False
        if group.bot_is_admin or not self.privacy_mode:
            return True
        replied = message.get("reply_to_message") or {}
        if replied.get("from", {}).get("id") == self.bot_id:
            return True
        text: str = message.get("text") or ""
        me = "@" + self.bot_username.casefold()
        for entity in message.get("entities", []):
            word = _utf16_slice(text, entity["offset"], entity["length"]).casefold()
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                return "@" not in word or word.endswith(me)
            if entity["type"] == "mention" and word == me:
                return True
        return False

    # ----------------------------------------------------------------- user actions

    def _user_message(
        self,
        user: FakeUser,
        chat: FakeChat,
        content: JsonDict,
        replied: JsonDict | None = None,
    ) -> JsonDict:
        """A message from `user` in `chat`, kept so that later messages can reply to it."""
        message: JsonDict = {
            "message_id": self._next_message_id(chat.id),
            "from": user.to_dict(),
            "chat": chat.chat_dict(),
            "date": now(),
            **content,
        }
        text = content.get("text")
        entities = detect_entities(text) if text is not None else []
        if entities:
            message["entities"] = entities
        if replied is not None:
            message["reply_to_message"] = replied
        self._incoming[(chat.id, message["message_id"])] = message
        return message

    def _writing_user(self, user_id: int) -> FakeUser:
        """A user who writes to the bot privately, which also unblocks it, as in Telegram."""
        user = self._active_user(user_id)
        user.started, user.blocked = True, False
        return user

    def send_text(self, user_id: int, text: str, *, reply_to: int | None = None) -> int:
        """The user writes `text` (which unblocks the bot, as in Telegram); returns update_id."""
        user = self._writing_user(user_id)
        replied = self._message_for_reply(user.id, reply_to) if reply_to else None
        message = self._user_message(user, user, {"text": text}, replied)
        return self._enqueue("message", message)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> int:
        """The user sends a sticker (a message without text); returns update_id."""
        user = self._writing_user(user_id)
        number = next(self._file_ids)
        sticker: JsonDict = {
            "file_id": f"CAACAgIAAxkBAAI{number:08X}",
            "file_unique_id": f"AgADs{number:05X}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 24_576,
        }
        return self._enqueue("message", self._user_message(user, user, {"sticker": sticker}))

    def send_photo(self, user_id: int, caption: str | None = None) -> int:
        """The user sends a photo, with an optional caption; returns update_id."""
        user = self._writing_user(user_id)
        number = next(self._file_ids)
        sizes = [
            {
                "file_id": f"AgACAgIAAxkBAAI{number:08X}{index}",
                "file_unique_id": f"AQADp{number:05X}{index}",
                "width": width,
                "height": width * 3 // 4,
                "file_size": width * 90,
            }
            for index, width in enumerate((90, 320, 800, 1280))
        ]
        content: JsonDict = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._enqueue("message", self._user_message(user, user, content))

    def start_deep_link(self, user_id: int, payload: str) -> int:
        """The user opens t.me/<bot>?start=<payload>: "/start <payload>"."""
        return self.send_text(user_id, f"/start {payload}")

    def edit_text(self, user_id: int, message_id: int, text: str) -> int:
        """The user edits one of their messages; returns the edited_message update_id."""
        user = self._active_user(user_id)
        original = self._incoming.get((user.id, message_id))
        if original is None:
            raise AssertionError(f"user {user_id} has no message {message_id}")
        edited = {**original, "text": text, "edit_date": now()}
        edited.pop("entities", None)
        entities = detect_entities(text)
        if entities:
            edited["entities"] = entities
        self._incoming[(user.id, message_id)] = edited
        return self._enqueue("edited_message", edited)

    def press_button(
        self, user_id: int, message_id: int, data: str, *, forge: bool = False
    ) -> int:
        """The user presses an inline button with `data`; returns the callback_query update_id.

        Unless `forge`, the message must show a button with that data.
        """
        user = self._active_user(user_id)
        message = self._live.get((user.id, message_id))
        if not forge:
            if message is None:
                raise AssertionError(f"chat {user_id} has no bot message {message_id}")
            if data not in [value for _, value in message.buttons()]:
                raise AssertionError(
                    f"message {message_id} shows no button with data {data!r}; "
                    f"buttons: {message.buttons()}"
                )
        query_id = str(next(self._query_ids))
        self._queries[query_id] = False
        query: JsonDict = {
            "id": query_id,
            "from": user.to_dict(),
            "message": self._callback_message(user, message_id, message),
            "chat_instance": str(-(self.bot_id * 1_000_003 + user.id)),
            "data": data,
        }
        return self._enqueue("callback_query", query)

    def _callback_message(
        self, user: FakeUser, message_id: int, message: SentMessage | None
    ) -> JsonDict:
        if message is not None:
            return self._message_dict(message)
        return {"chat": user.chat_dict(), "message_id": message_id, "date": 0}

    def _enqueue(self, kind: str, payload: JsonDict, *, deliver: bool = True) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        self._updates[update_id] = update
        if deliver and kind in self._allowed_updates:
            self._queue.add(update)
            self._wake_poller("update")
            self._webhook_wakeup.set()
        self._notify()
        return update_id

    def update(self, update_id: int) -> JsonDict:
        """An update created by the control API, confirmed or not."""
        return self._updates[update_id]

    def pending_update_ids(self) -> list[int]:
        """Updates not yet confirmed by getUpdates or a webhook."""
        return [update_id for update_id, _ in self._queue.items()]

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """The next `count` calls of `method` fail with `status`."""
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            text = f"Too Many Requests: retry after {retry_after}"
        elif description is None:
            text = DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        else:
            prefix = DESCRIPTION_PREFIXES.get(status, "")
            text = description if description.startswith(prefix) else prefix + description
        failure = _Failure(status, text, retry_after, count)
        self._failures.setdefault(method.lower(), deque()).append(failure)

    def reject_share(
        self, method: str, share: float, *, retry_after: int = 1, seed: int | None = None
    ) -> None:
        """A random `share` of calls of `method` get 429 (share 0 turns it off)."""
        if share <= 0:
            self._shares.pop(method.lower(), None)
            return
        self._shares[method.lower()] = _Share(share, retry_after, random.Random(seed))

    def limit_rate(
        self,
        *,
        global_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        retry_after: int = 1,
    ) -> None:
        """Sending and editing beyond these rates (one-second sliding window) gets 429."""
        if global_per_second is None and per_chat_per_second is None:
            self._rate = None
            return
        self._rate = _RateLimit(global_per_second, per_chat_per_second, retry_after)

    def delay(self, method: str, seconds: float, *, count: int | None = None) -> None:
        """Calls of `method` are answered `seconds` later (0 turns it off).

        `count`: only the next `count` calls. A call is listed in `delayed_calls` (method,
        parameters) as soon as it is held, so a test can act while it waits.
        """
        key = method.lower()
        self._delay_counts.pop(key, None)
        if seconds <= 0:
            self._delays.pop(key, None)
            return
        self._delays[key] = seconds
        if count is not None:
            self._delay_counts[key] = count

    def _take_delay(self, method: str, params: Params) -> float:
        key = method.lower()
        seconds = self._delays.get(key, 0.0)
        if not seconds:
            return 0.0
        left = self._delay_counts.get(key)
        if left is not None:
            if left <= 1:
                self._delays.pop(key, None)
                self._delay_counts.pop(key, None)
            else:
                self._delay_counts[key] = left - 1
        self.delayed_calls.append((method, params.recorded()))
        self._notify()
        return seconds

    def clear_faults(self) -> None:
        """Removes every injected failure, share, rate limit and delay."""
        self._failures.clear()
        self._shares.clear()
        self._rate = None
        self._delays.clear()
        self._delay_counts.clear()

    def _check_faults(self, key: str, params: Params) -> None:
        queue = self._failures.get(key)
        if queue:
            failure = queue[0]
            failure.count -= 1
            if failure.count <= 0:
                queue.popleft()
            raise failure.error()
        share = self._shares.get(key)
        if share is not None and share.rng.random() < share.share:
            raise ApiError.flood(share.retry_after)
        if self._rate is not None and key in RATE_LIMITED_METHODS:
            chat = _as_int(params.get("chat_id"))
            if not self._rate.admit(chat, time.monotonic()):
                raise ApiError.flood(self._rate.retry_after)

    # ----------------------------------------------------------------- inspection

    @property
    def is_long_polling(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        return self._poller is not None and not self._poller.done()

    @property
    def allowed_updates(self) -> frozenset[str]:
        """Update types that are queued (as last set by getUpdates or setWebhook)."""
        return self._allowed_updates

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to a chat (deleted ones included, flagged)."""
        return list(self._by_chat.get(chat_id, ()))

    def calls_of(self, method: str) -> list[ApiCall]:
        """Calls of one method (any spelling), in order."""
        return list(self._calls_by_method.get(method.lower(), ()))

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        message: str | None = None,
    ) -> Any:
        """Waits until `predicate()` (sync or async) is truthy and returns its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(message or f"condition not met within {timeout}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Waits until at least `count` messages reached `chat_id`; returns all of them."""
        try:
            await self.wait_until(lambda: len(self._by_chat.get(chat_id, ())) >= count, timeout)
        except AssertionError:
            raise AssertionError(self._arrival_report(chat_id, count, timeout)) from None
        return self.messages_to(chat_id)

    def _arrival_report(self, chat_id: int, count: int, timeout: float) -> str:
        arrived = [message.text for message in self.messages_to(chat_id)]
        refused = [
            f"{call.method} {call.status} {call.description}"
            for call in self.calls
            if call.status != 200 and _as_int(call.params.get("chat_id")) == chat_id
        ]
        return (
            f"chat {chat_id}: expected {count} message(s) within {timeout}s, "
            f"{len(arrived)} arrived: {arrived!r}; refused calls: {refused[-5:]!r}"
        )

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ----------------------------------------------------------------- HTTP

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._ok,
            "close": self._ok,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setMyName": self._set_my_name,
            "getMyName": self._get_my_name,
        }
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._answer(method, Params({}, {}), ApiError(401, "Unauthorized"))
        entry = self._methods.get(method.lower())
        if entry is None:
            return self._answer(method, Params({}, {}), ApiError(404, "Not Found"))
        method, handler = entry
        params = Params({}, {})
        try:
            params = await read_params(request)
            delay = self._take_delay(method, params)
            if delay:
                await asyncio.sleep(delay)
            self._check_faults(method.lower(), params)
            result = await handler(params)
        except ApiError as error:
            return self._answer(method, params, error)
        return self._answer(method, params, result)

    def _answer(self, method: str, params: Params, outcome: Any) -> web.Response:
        if isinstance(outcome, ApiError):
            status, description, body = outcome.status, outcome.description, outcome.payload()
        elif isinstance(outcome, Described):
            status, description = 200, outcome.description
            body = {"ok": True, "result": outcome.result, "description": description}
        else:
            status, description, body = 200, None, {"ok": True, "result": outcome}
        call = ApiCall(method, params.recorded(), status, description, time.time())
        self.calls.append(call)
        self._calls_by_method.setdefault(method.lower(), []).append(call)
        self._notify()
        return web.Response(
            status=status,
            text=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        document = self._file_paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or document is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=document.content, content_type="application/octet-stream")

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    # ----------------------------------------------------------------- shared checks

    def _chat(self, params: Params) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad("chat_id is empty")
        chat = self._known_chat(_as_int(raw))
        if chat is None:
            raise bad("chat not found")
        return chat

    def _known_chat(self, chat_id: int | None) -> FakeChat | None:
        if chat_id is None:
            return None
        return self.users.get(chat_id) or self.groups.get(chat_id)

    @staticmethod
    def _check_can_send(chat: FakeChat) -> None:
        if isinstance(chat, FakeGroup):
            if not chat.bot_is_member:
                raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
            return
        user = chat
        if user.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")

    @staticmethod
    def _parse_mode(params: Params) -> str | None:
        mode = params.string("parse_mode")
        if not mode:
            return None
        if mode.lower() not in ("html", "markdown", "markdownv2"):
            raise bad("unsupported parse_mode")
        return mode

    @staticmethod
    def _format(raw: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JsonDict]]:
        mode = parse_mode.lower() if parse_mode else None
        try:
            return format_text(raw, mode, entities)
        except ParseError as error:
            raise ApiError(400, error.description) from None

    def _text_param(
        self, params: Params, name: str, limit: int, too_long: str
    ) -> tuple[str, list[JsonDict], str | None]:
        """The formatted text (or caption) parameter: text, entities, parse_mode."""
        parse_mode = self._parse_mode(params)
        entities_name = "entities" if name == "text" else "caption_entities"
        entities = params.json(entities_name, "can't parse entities JSON object")
        text, found = self._format(params.string(name) or "", parse_mode, entities)
        if utf16_len(text) > limit:
            raise bad(too_long)
        return text, found, parse_mode

    def _message_for_reply(self, chat_id: int, message_id: int) -> JsonDict | None:
        """The replied-to message as Telegram nests it: without its own reply_to_message."""
        sent = self._live.get((chat_id, message_id))
        if sent is not None:
            return self._message_dict(sent, with_reply=False)
        incoming = self._incoming.get((chat_id, message_id))
        if incoming is None:
            return None
        return {key: value for key, value in incoming.items() if key != "reply_to_message"}

    def _reply_target(self, chat: FakeChat, params: Params) -> int | None:
        options = params.json("reply_parameters", "can't parse reply parameters JSON object")
        if options is None and params.get("reply_to_message_id") is not None:
            options = {
                "message_id": params.integer("reply_to_message_id"),
                "allow_sending_without_reply": params.flag("allow_sending_without_reply"),
            }
        if options is None:
            return None
        if not isinstance(options, dict):
            raise bad("can't parse reply parameters JSON object")
        message_id = _as_int(options.get("message_id"))
        if message_id is not None and self._message_for_reply(chat.id, message_id) is not None:
            return message_id
        if options.get("allow_sending_without_reply") is True:
            return None
        raise bad("message to be replied not found")

    # ----------------------------------------------------------------- messages

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _bot_dict(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _message_dict(self, message: SentMessage, *, with_reply: bool = True) -> JsonDict:
        data: JsonDict = {
            "message_id": message.message_id,
            "from": self._bot_dict(),
            "chat": self._chat_dict(message.chat_id),
            "date": message.date,
        }
        text_key, entities_key = "text", "entities"
        if message.document is not None:
            data["document"] = message.document.to_dict()
            text_key, entities_key = "caption", "caption_entities"
        if message.text:
            data[text_key] = message.text
        if message.entities:
            data[entities_key] = message.entities
        if message.inline_markup() is not None:
            data["reply_markup"] = message.inline_markup()
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.params.get("protect_content") in (True, "true"):
            data["has_protected_content"] = True
        if with_reply and message.reply_to_message_id is not None:
            replied = self._message_for_reply(message.chat_id, message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = replied
        return data

    def _chat_dict(self, chat_id: int) -> JsonDict:
        chat = self._known_chat(chat_id)
        assert chat is not None, f"message to unknown chat {chat_id}"
        return chat.chat_dict()

    def _store(self, chat: FakeChat, params: Params, **content: Any) -> SentMessage:
        message = SentMessage(
            message_id=self._next_message_id(chat.id),
            chat_id=chat.id,
            date=now(),
            params=params.values,
            **content,
        )
        self.messages.append(message)
        self._by_chat.setdefault(chat.id, []).append(message)
        self._live[(chat.id, message.message_id)] = message
        return message

    def _admit_group_message(self, chat: FakeChat) -> None:
        """Telegram's limit of messages a minute to one group; 429 beyond it."""
        limit = self.group_messages_per_minute
        if not isinstance(chat, FakeGroup) or limit is None:
            return
        at = time.monotonic()
        window = self._group_sends.setdefault(chat.id, deque())
        while window and window[0] <= at - 60.0:
            window.popleft()
        if len(window) >= limit:
            raise ApiError.flood(max(1, math.ceil(window[0] + 60.0 - at)))
        window.append(at)

    def _message_text(self, params: Params) -> tuple[str, list[JsonDict], str | None]:
        """The `text` parameter parsed like Telegram; empty or too long is refused."""
        if params.get("text") is None:
            raise bad("message text is empty")
        text, entities, parse_mode = self._text_param(
            params, "text", MAX_TEXT, "message is too long"
        )
        if not text:
            raise bad("message text is empty")
        return text, entities, parse_mode

    async def _send_message(self, params: Params) -> JsonDict:
        chat = self._chat(params)
        text, entities, parse_mode = self._message_text(params)
        markup = parse_reply_markup(params.get("reply_markup"))
        self._check_link_preview(params)
        reply_to = self._reply_target(chat, params)
        self._check_can_send(chat)
        self._admit_group_message(chat)
        message = self._store(
            chat,
            params,
            text=text,
            entities=entities,
            html=params.string("text"),
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return self._message_dict(message)

    @staticmethod
    def _check_link_preview(params: Params) -> None:
        error = "can't parse link preview options JSON object"
        options = params.json("link_preview_options", error)
        if options is not None and not isinstance(options, dict):
            raise bad(error)

    async def _send_document(self, params: Params) -> JsonDict:
        chat = self._chat(params)
        document = self._document(params)
        caption, entities, parse_mode = self._text_param(
            params, "caption", MAX_CAPTION, "message caption is too long"
        )
        markup = parse_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        self._check_can_send(chat)
        self._admit_group_message(chat)
        self._register_file(document)
        message = self._store(
            chat,
            params,
            text=caption or None,
            entities=entities,
            html=params.string("caption"),
            parse_mode=parse_mode,
            reply_markup=markup,
            document=document,
            reply_to_message_id=reply_to,
        )
        return self._message_dict(message)

    def _document(self, params: Params) -> SentDocument:
        upload = params.file("document")
        if upload is not None:
            if not upload.content:
                raise bad("file must be non-empty")
            number = next(self._file_ids)
            return SentDocument(
                file_id=f"BQACAgIAAxkDAAI{number:08X}",
                file_unique_id=f"AgAD{number:06X}",
                file_name=upload.filename,
                mime_type=_mime_type(upload),
                content=upload.content,
            )
        reference = params.string("document")
        if not reference:
            raise bad("there is no document in the request")
        known = self.files.get(reference)
        if known is None:
            raise bad("wrong file identifier/HTTP URL specified")
        return known

    def _register_file(self, document: SentDocument) -> None:
        if document.file_id in self.files:
            return
        name = document.file_name or ""
        suffix = "." + name.rsplit(".", 1)[1] if "." in name else ""
        document.file_path = f"documents/file_{len(self.files)}{suffix}"
        self.files[document.file_id] = document
        self._file_paths[document.file_path] = document

    async def _get_file(self, params: Params) -> JsonDict:
        document = self.files.get(params.string("file_id") or "")
        if document is None:
            raise bad("invalid file_id")
        return {
            "file_id": document.file_id,
            "file_unique_id": document.file_unique_id,
            "file_size": document.file_size,
            "file_path": document.file_path,
        }

    async def _send_chat_action(self, params: Params) -> bool:
        chat = self._chat(params)
        if params.string("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self._check_can_send(chat)
        return True

    # ----------------------------------------------------------------- edits

    def _editable(self, params: Params) -> SentMessage:
        if params.string("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        if params.get("chat_id") in (None, "") or params.get("message_id") in (None, ""):
            raise bad("message identifier is not specified")
        chat = self._chat(params)
        message_id = params.integer("message_id")
        message = self._live.get((chat.id, message_id or 0))
        if message is None:
            if (chat.id, message_id) in self._incoming:
                raise bad("message can't be edited")
            raise bad("message to edit not found")
        return message

    def _apply_edit(self, message: SentMessage, **changes: Any) -> JsonDict:
        message.edits.append(message.version())
        for name, value in changes.items():
            setattr(message, name, value)
        message.edit_date = now()
        self._notify()
        return self._message_dict(message)

    async def _edit_message_text(self, params: Params) -> JsonDict:
        message = self._editable(params)
        text, entities, parse_mode = self._message_text(params)
        markup = self._inline_param(params)
        if message.document is not None:
            raise bad("there is no text in the message to edit")
        unchanged = (text, entities, markup) == (
            message.text,
            message.entities,
            message.inline_markup(),
        )
        if unchanged:
            raise bad(NOT_MODIFIED)
        return self._apply_edit(
            message,
            text=text,
            entities=entities,
            reply_markup=markup,
            html=params.string("text"),
            parse_mode=parse_mode,
        )

    async def _edit_message_reply_markup(self, params: Params) -> JsonDict:
        message = self._editable(params)
        markup = self._inline_param(params)
        if markup == message.inline_markup():
            raise bad(NOT_MODIFIED)
        return self._apply_edit(message, reply_markup=markup)

    @staticmethod
    def _inline_param(params: Params) -> JsonDict | None:
        markup = parse_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad("inline keyboard expected")
        return markup

    async def _delete_message(self, params: Params) -> bool:
        chat = self._chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad("message identifier is not specified")
        key = (chat.id, message_id)
        message = self._live.pop(key, None)
        if message is not None:
            message.deleted = True
        elif self._incoming.pop(key, None) is None:
            raise bad("message to delete not found")
        self._notify()
        return True

    # ----------------------------------------------------------------- callback queries

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = params.string("callback_query_id") or ""
        if self._queries.get(query_id) is not False:
            raise bad(QUERY_TOO_OLD)
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        self._queries[query_id] = True
        answer = CallbackAnswer(query_id, text, params.flag("show_alert"), params.string("url"))
        self.callback_answers.append(answer)
        return True

    # ----------------------------------------------------------------- getUpdates

    def _wake_poller(self, reason: str) -> None:
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(reason)

    def _set_allowed_updates(self, allowed: Any) -> list[str] | None:
        if allowed is None:
            return None
        if not isinstance(allowed, list):
            raise bad("can't parse allowed updates JSON object")
        kinds = [kind for kind in allowed if isinstance(kind, str)]
        known = frozenset(kinds) & UPDATE_TYPES
        self._allowed_updates = known or DEFAULT_ALLOWED_UPDATES
        return kinds

    async def _get_updates(self, params: Params) -> list[JsonDict]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._wake_poller("conflict")
        offset, limit = params.integer("offset"), params.integer("limit")
        timeout = params.number("timeout") or 0.0
        self._set_allowed_updates(
            params.json("allowed_updates", "can't parse allowed updates JSON object")
        )
        if offset is not None:
            self._queue.confirm(offset)
            self._notify()
        limit = 100 if not limit or limit > 100 else max(limit, 1)
        updates = self._queue.first(limit)
        if updates or timeout <= 0 or self._stopping:
            return updates
        reason = await self._long_poll(timeout)
        if reason == "conflict":
            raise ApiError(409, POLL_CONFLICT)
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        return self._queue.first(limit)

    async def _long_poll(self, seconds: float) -> str:
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._poller = waiter
        try:
            return await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            return "timeout"
        finally:
            if self._poller is waiter:
                self._poller = None

    # ----------------------------------------------------------------- webhook

    async def _set_webhook(self, params: Params) -> Described:
        url = params.string("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not re.match(r"https?://[^/\s]+", url, re.IGNORECASE):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token") or None
        if secret is not None and not _SECRET.fullmatch(secret):
            raise bad("secret token contains unallowed characters")
        max_connections = min(max(params.integer("max_connections") or 40, 1), 100)
        allowed = self._set_allowed_updates(
            params.json("allowed_updates", "can't parse allowed updates JSON object")
        )
        if allowed is None and self.webhook is not None:
            allowed = self.webhook.allowed_updates
        if params.flag("drop_pending_updates"):
            self._queue.clear()
        await self._stop_webhook()
        state = WebhookState(url, secret, max_connections, allowed, params.string("ip_address"))
        self.webhook = state
        self._wake_poller("webhook")
        self._webhook_task = asyncio.create_task(self._deliver_loop(state))
        return Described(True, "Webhook was set")

    async def _delete_webhook(self, params: Params) -> Described:
        if params.flag("drop_pending_updates"):
            self._queue.clear()
        was_set = self.webhook is not None
        await self._stop_webhook()
        self.webhook = None
        return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def _get_webhook_info(self, params: Params) -> JsonDict:
        info: JsonDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        state = self.webhook
        if state is None:
            return info
        info["url"] = state.url
        info["max_connections"] = state.max_connections
        optional = {
            "ip_address": state.ip_address,
            "allowed_updates": state.allowed_updates,
            "last_error_date": state.last_error_date,
            "last_error_message": state.last_error_message,
        }
        info.update({key: value for key, value in optional.items() if value is not None})
        return info

    async def _stop_webhook(self) -> None:
        tasks = [*self._deliveries]
        if self._webhook_task is not None:
            tasks.append(self._webhook_task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._webhook_task = None
        self._in_flight.clear()

    async def _deliver_loop(self, state: WebhookState) -> None:
        """Posts pending updates, at most max_connections at a time, until the webhook goes."""
        while self.webhook is state:
            self._webhook_wakeup.clear()
            for update_id, update in self._queue.items():
                if len(self._in_flight) >= state.max_connections:
                    break
                if update_id in self._in_flight:
                    continue
                self._in_flight.add(update_id)
                task = asyncio.create_task(self._deliver(state, update_id, update))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)
            await self._webhook_wakeup.wait()

    async def _deliver(self, state: WebhookState, update_id: int, update: JsonDict) -> None:
        try:
            if await self._post_update(state, update):
                self._queue.remove(update_id)
                state.delivered.append(update_id)
                self._notify()
            else:
                await asyncio.sleep(self.webhook_retry_delay)
        finally:
            self._in_flight.discard(update_id)
            self._webhook_wakeup.set()

    async def _post_update(self, state: WebhookState, update: JsonDict) -> bool:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if state.secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = state.secret_token
        try:
            async with self._session.post(
                state.url, data=json.dumps(update), headers=headers
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return True
                error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except (ClientError, OSError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        state.last_error_date = now()
        state.last_error_message = error
        state.failed_attempts += 1
        self._notify()
        return False

    # ----------------------------------------------------------------- bot settings

    async def _ok(self, params: Params) -> bool:
        return True

    async def _get_me(self, params: Params) -> JsonDict:
        return {
            **self._bot_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _language(params: Params) -> str:
        language = params.string("language_code") or ""
        if not _LANGUAGE.fullmatch(language):
            raise bad("invalid language code specified")
        return language

    def _scope_key(self, params: Params) -> str:
        scope = params.json("scope", "can't parse bot command scope JSON object")
        if scope is None:
            return "default"
        if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
            raise bad("unsupported bot command scope type")
        kind = str(scope["type"])
        if kind not in ("chat", "chat_administrators", "chat_member"):
            return kind
        chat_id = _as_int(scope.get("chat_id"))
        if self._known_chat(chat_id) is None:
            raise bad("chat not found")
        if kind == "chat_member":
            return f"{kind}:{chat_id}:{_as_int(scope.get('user_id'))}"
        return f"{kind}:{chat_id}"

    @staticmethod
    def _checked_commands(commands: Any) -> list[dict[str, str]]:
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        checked = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad("can't parse commands JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not description.strip():
                raise bad("command description is empty")
            if len(description) > 256:
                raise bad("command description is too long")
            checked.append({"command": name, "description": description})
        return checked

    async def _set_my_commands(self, params: Params) -> bool:
        commands = params.json("commands", "can't parse commands JSON object")
        if commands is None:
            raise bad('parameter "commands" is required')
        checked = self._checked_commands(commands)
        key = (self._scope_key(params), self._language(params))
        if checked:
            self.commands[key] = checked
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> list[dict[str, str]]:
        key = (self._scope_key(params), self._language(params))
        return list(self.commands.get(key, []))

    async def _delete_my_commands(self, params: Params) -> bool:
        self.commands.pop((self._scope_key(params), self._language(params)), None)
        return True

    def _set_text_setting(
        self, params: Params, name: str, limit: int, store: dict[str, str]
    ) -> bool:
        language = self._language(params)
        value = params.string(name) or ""
        if len(value) > limit:
            raise bad(f"{name.replace('_', ' ')} is too long")
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    async def _set_my_description(self, params: Params) -> bool:
        return self._set_text_setting(params, "description", 512, self.descriptions)

    async def _get_my_description(self, params: Params) -> JsonDict:
        return {"description": self.descriptions.get(self._language(params), "")}

    async def _set_my_short_description(self, params: Params) -> bool:
        return self._set_text_setting(params, "short_description", 120, self.short_descriptions)

    async def _get_my_short_description(self, params: Params) -> JsonDict:
        return {"short_description": self.short_descriptions.get(self._language(params), "")}

    async def _set_my_name(self, params: Params) -> bool:
        return self._set_text_setting(params, "name", 64, self.names)

    async def _get_my_name(self, params: Params) -> JsonDict:
        return {"name": self.names.get(self._language(params), self.bot_first_name)}


def _mime_type(upload: UploadedFile) -> str:
    given = upload.content_type
    if given and given != "application/octet-stream":
        return given
    guessed = mimetypes.guess_type(upload.filename or "")[0]
    return guessed or given or "application/octet-stream"
