"""A local fake of the Telegram Bot API server for driving the real PTB stack in tests."""

from tests.botapi.html import ParseError, detect_entities, format_text, parse_html, utf16_len
from tests.botapi.server import (
    ApiCall,
    ApiError,
    BotApiServer,
    CallbackAnswer,
    FakeUser,
    MessageVersion,
    SentDocument,
    SentMessage,
    UploadedFile,
    WebhookState,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiServer",
    "CallbackAnswer",
    "FakeUser",
    "MessageVersion",
    "ParseError",
    "SentDocument",
    "SentMessage",
    "UploadedFile",
    "WebhookState",
    "detect_entities",
    "format_text",
    "parse_html",
    "utf16_len",
]
