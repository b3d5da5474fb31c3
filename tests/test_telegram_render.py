"""Telegram HTML rendering: escaped once, split below the limit at sensible places."""

from __future__ import annotations

import html

from bot.core.messages import Choice, Reply, Span, Style
from bot.core.phone import international_phone
from bot.transports.telegram.render import (
    TEXT_LIMIT,
    keyboard_rows,
    render_chunks,
    split_ranges,
    utf16_length,
)


def visible(fragment: str) -> str:
    """What a reader sees of an HTML fragment that only uses <b>."""
    return html.unescape(fragment.replace("<b>", "").replace("</b>", ""))


def test_every_piece_of_text_is_escaped_and_bold_is_marked() -> None:
    reply = Reply((Span("Caritas <Süd> & Co", Style.BOLD), Span("\n1 < 2 > 0 & \u200b🙂")))
    [chunk] = render_chunks(reply)
    assert chunk.html == "<b>Caritas &lt;Süd&gt; &amp; Co</b>\n1 &lt; 2 &gt; 0 &amp; \u200b🙂"
    assert visible(chunk.html) == reply.text


def test_national_phone_numbers_become_international_so_they_are_tappable() -> None:
    assert international_phone("02162 580 3410") == "+49 2162 580 3410"
    assert international_phone("\u206602162 580 3410\u2069") == "\u2066+49 2162 580 3410\u2069"
    assert international_phone("+49 2162 580 3410") == "+49 2162 580 3410"
    assert international_phone("116 016") == "116 016"
    assert international_phone("112") == "112"
    reply = Reply((Span("☎️ "), Span("0800 111 0 111", Style.PHONE)))
    assert render_chunks(reply)[0].html == "☎️ +49 800 111 0 111"


def test_long_replies_are_split_at_blank_lines_and_keep_their_buttons_last() -> None:
    block = "\n".join(f"line {n} " + "x" * 60 for n in range(20))
    text = "\n\n".join(f"{number}. {block}" for number in range(1, 8))
    reply = Reply((Span(text),), choices=(Choice("Mehr", "more:1"),))
    chunks = render_chunks(reply)
    assert len(chunks) > 1
    assert all(utf16_length(html.unescape(chunk.html)) <= TEXT_LIMIT for chunk in chunks)
    assert all(chunk.html[0].isdigit() for chunk in chunks)  # each starts with a block
    assert [chunk.choices for chunk in chunks[:-1]] == [()] * (len(chunks) - 1)
    assert chunks[-1].choices == reply.choices
    joined = "\n\n".join(chunk.html for chunk in chunks)
    assert joined == text


def test_a_bold_span_across_a_split_is_closed_and_reopened() -> None:
    reply = Reply((Span("a" * 30 + " " + "b" * 30, Style.BOLD),))
    chunks = render_chunks(reply, limit=40)
    assert [chunk.html for chunk in chunks] == [
        "<b>" + "a" * 30 + "</b>",
        "<b>" + "b" * 30 + "</b>",
    ]


def test_text_without_spaces_is_cut_hard_and_emoji_count_twice() -> None:
    text = "🙂" * 30
    ranges = split_ranges(text, limit=20)
    assert [end - start for start, end in ranges] == [10, 10, 10]
    assert utf16_length("🙂") == 2


def test_buttons_sit_side_by_side_when_short_and_alone_when_long() -> None:
    short = tuple(Choice(f"Town {n}", f"town:{n}") for n in range(7))
    assert [len(row) for row in keyboard_rows(short)] == [3, 3, 1]
    long = (Choice("A rather long label for a button here", "a:1"), Choice("x", "a:2"))
    assert [len(row) for row in keyboard_rows(long)] == [1, 1]
    assert keyboard_rows(()) == []
