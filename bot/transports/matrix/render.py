"""A reply as a Matrix message: a plain ``body`` and a ``formatted_body`` in Matrix's HTML subset.

Pure functions, no matrix-nio. Every piece of text is escaped once here; only
tags from the Matrix HTML allowlist are produced (b, a, br, ol, li). Choices
become a numbered list, answered by a digit, the option's text or a keycap
reaction (1️⃣ …).
"""

from __future__ import annotations

import html
from typing import Any

from bot.core.messages import Choice, Reply, Span, Style
from bot.core.phone import international_phone

HTML_FORMAT = "org.matrix.custom.html"
# Keycap emoji 1️⃣ … 9️⃣, 🔟: what a user may react with to pick a numbered choice.
KEYCAPS = (*(f"{digit}\ufe0f\u20e3" for digit in "123456789"), "\U0001f51f")


def _visible(span: Span) -> str:
    return international_phone(span.text) if span.style is Style.PHONE else span.text


def _lines_html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _span_html(span: Span) -> str:
    text = _visible(span)
    if span.style is Style.BOLD:
        return f"<b>{_lines_html(text)}</b>"
    if span.style is Style.LINK and text.startswith(("https://", "http://")):
        return f'<a href="{html.escape(text, quote=True)}">{html.escape(text, quote=False)}</a>'
    if span.style is Style.EMAIL and "@" in text and " " not in text.strip():
        address = html.escape(text.strip(), quote=True)
        return f'<a href="mailto:{address}">{html.escape(text, quote=False)}</a>'
    return _lines_html(text)


def choice_lines(choices: tuple[Choice, ...]) -> str:
    """The choices as numbered plain-text lines."""
    return "\n".join(f"{number}. {choice.label}" for number, choice in enumerate(choices, 1))


def message_content(reply: Reply) -> dict[str, Any]:
    """The ``m.room.message`` content for a reply's text and choices."""
    body = "".join(_visible(span) for span in reply.spans).strip("\n") or "…"
    formatted = "".join(_span_html(span) for span in reply.spans).strip() or "…"
    if reply.choices:
        body = f"{body}\n\n{choice_lines(reply.choices)}"
        items = "".join(f"<li>{html.escape(c.label, quote=False)}</li>" for c in reply.choices)
        formatted = f"{formatted}<ol>{items}</ol>"
    return {
        "msgtype": "m.text",
        "body": body,
        "format": HTML_FORMAT,
        "formatted_body": formatted,
    }


def pick_by_text(text: str, choices: tuple[Choice, ...]) -> Choice | None:
    """The choice a typed answer means: its number, or its text (any case)."""
    typed = text.strip().rstrip(".)").strip()
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1]
    folded = typed.casefold()
    return next((choice for choice in choices if choice.label.casefold() == folded), None)


def pick_by_reaction(key: str, choices: tuple[Choice, ...]) -> Choice | None:
    """The choice a keycap reaction (1️⃣ …) or a digit reaction means."""
    cleaned = key.strip()
    if cleaned in KEYCAPS:
        index = KEYCAPS.index(cleaned)
        return choices[index] if index < len(choices) else None
    return pick_by_text(cleaned, choices) if cleaned.isdigit() else None
