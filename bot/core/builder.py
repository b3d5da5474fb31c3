"""Building replies line by line, with direction marks for right-to-left locales."""

from __future__ import annotations

from bot.core.messages import Choice, Reply, Span, Style
from bot.i18n.bidi import RLM, isolate


class ReplyBuilder:
    """Collects styled lines; in an RTL locale each line starts with a mark and
    left-to-right fragments (names, phone numbers, times) are isolated."""

    def __init__(self, rtl: bool) -> None:
        self.rtl = rtl
        self._spans: list[Span] = []

    def line(self, *parts: str | Span) -> ReplyBuilder:
        """Append one line made of plain strings and spans."""
        if self._spans:
            self._spans.append(Span("\n"))
        if self.rtl:
            self._spans.append(Span(RLM))
        for part in parts:
            self._spans.append(part if isinstance(part, Span) else Span(part))
        return self

    def blank(self) -> ReplyBuilder:
        """Append an empty line."""
        self._spans.append(Span("\n"))
        return self

    def ltr(self, text: str, style: Style = Style.PLAIN) -> Span:
        """A span of left-to-right content, isolated when the reply is right to left."""
        return Span(isolate(text, self.rtl), style)

    def build(self, choices: tuple[Choice, ...] = ()) -> Reply:
        """The finished reply."""
        return Reply(spans=tuple(self._spans), choices=choices, rtl=self.rtl)
