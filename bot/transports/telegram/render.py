"""A reply as Telegram HTML: escaped once, split below the length limit at sensible places.

Pure functions, no python-telegram-bot: the adapter sends what these return.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.core.messages import Choice, Reply, Span, Style
from bot.core.phone import international_phone

# Telegram allows 4096 characters (UTF-16 code units) after entity parsing; keep a margin.
TEXT_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Chunk:
    """One Telegram message: HTML text; the last chunk of a reply carries its buttons."""

    html: str
    choices: tuple[Choice, ...] = ()


def utf16_length(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _visible(span: Span) -> str:
    return international_phone(span.text) if span.style is Style.PHONE else span.text


def _cut_within(text: str, start: int, limit: int) -> int:
    """The furthest index after ``start`` whose text fits ``limit`` UTF-16 units."""
    units = 0
    index = start
    while index < len(text):
        units += 2 if ord(text[index]) > 0xFFFF else 1
        if units > limit:
            break
        index += 1
    return index


def split_ranges(text: str, limit: int = TEXT_LIMIT) -> list[tuple[int, int]]:
    """Ranges of ``text`` that each fit ``limit``, cut at a blank line, a line end or a space."""
    ranges: list[tuple[int, int]] = []
    start = 0
    while start < len(text) and text[start] in "\n ":
        start += 1
    while utf16_length(text[start:]) > limit:
        end = _cut_within(text, start, limit)
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = text.rfind(separator, start + 1, end)
            if cut > start:
                break
        if cut <= start:
            cut = end
        ranges.append((start, cut))
        start = cut
        while start < len(text) and text[start] in "\n ":
            start += 1
    if start < len(text):
        ranges.append((start, len(text)))
    return ranges


def _markup(text: str, style: Style) -> str:
    escaped = html.escape(text, quote=False)
    return f"<b>{escaped}</b>" if style is Style.BOLD else escaped


def render_chunks(reply: Reply, limit: int = TEXT_LIMIT) -> list[Chunk]:
    """The reply as one or more HTML messages, each within Telegram's limit."""
    pieces = [(_visible(span), span.style) for span in reply.spans]
    text = "".join(piece for piece, _ in pieces)
    chunks: list[str] = []
    for start, end in split_ranges(text, limit):
        parts: list[str] = []
        offset = 0
        for piece, style in pieces:
            low, high = max(start, offset), min(end, offset + len(piece))
            if low < high:
                parts.append(_markup(piece[low - offset : high - offset], style))
            offset += len(piece)
        chunks.append("".join(parts))
    if not chunks:
        chunks = [html.escape("…")]
    result = [Chunk(part) for part in chunks]
    result[-1] = Chunk(result[-1].html, reply.choices)
    return result


def keyboard_rows(choices: tuple[Choice, ...]) -> list[list[Choice]]:
    """Buttons in rows: short labels side by side, long ones alone."""
    if not choices:
        return []
    longest = max(len(choice.label) for choice in choices)
    columns = 3 if longest <= 12 else 2 if longest <= 22 else 1
    return [list(choices[i : i + columns]) for i in range(0, len(choices), columns)]
