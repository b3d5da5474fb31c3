"""Frozen message types exchanged between transports and handlers.

A transport turns a platform event into an :class:`Incoming` and renders a
:class:`Reply` in the platform's way. Reply text is a sequence of styled
:class:`Span` objects so that each transport escapes and formats it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Style(Enum):
    """How a span of reply text is meant to look."""

    PLAIN = "plain"
    BOLD = "bold"
    PHONE = "phone"
    EMAIL = "email"
    LINK = "link"


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of reply text with one style."""

    text: str
    style: Style = Style.PLAIN


@dataclass(frozen=True, slots=True)
class Choice:
    """An option the user can pick: a button, a numbered line, a reaction.

    ``data`` is a short identifier (never content), at most 64 bytes.
    """

    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError(f"choice data longer than 64 bytes: {self.data!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply, e.g. an event as an .ics calendar file."""

    name: str
    content: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says back: styled text, optional choices, an optional file."""

    spans: tuple[Span, ...]
    choices: tuple[Choice, ...] = ()
    rtl: bool = False
    attachment: Attachment | None = None

    @property
    def text(self) -> str:
        """The reply as plain text, exactly as a user reads it."""
        return "".join(span.text for span in self.spans)

    @classmethod
    def plain(cls, text: str, choices: tuple[Choice, ...] = (), rtl: bool = False) -> Reply:
        """A reply of one unstyled span."""
        return cls(spans=(Span(text),), choices=choices, rtl=rtl)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One user message, normalised by the transport that received it.

    Attributes:
        transport: the transport's name, e.g. ``"console"`` or ``"telegram"``.
        chat_id: where replies go, in the transport's own terms.
        user_id: the sender's id on that transport.
        text: the typed text, or ``None`` for a button press.
        choice: the ``Choice.data`` of a pressed button, or ``None``.
        language_hint: the platform's idea of the user's language (e.g. "uk").
        reply_to: the platform id of the message this one answers, if any.
    """

    transport: str
    chat_id: str
    user_id: str
    text: str | None = None
    choice: str | None = None
    language_hint: str | None = None
    reply_to: str | None = None
