"""Bad input never crashes the bot and never goes unanswered: broken Unicode, control
characters, empty and invisible messages, huge pastes, unknown commands, forged buttons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.core.messages import Incoming, Reply
from bot.core.sanitize import clean_text
from tests.database_support import process_environment

EXPECTED_NEXT = "Schuldner"  # a normal question afterwards is answered as usual


async def say(app: App, text: str | None = None, choice: str | None = None) -> list[Reply]:
    return await app.handle(
        Incoming("console", "mo", "mo", text=text, choice=choice, language_hint="de")
    )


def joined(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


def test_cleaning_keeps_words_and_drops_what_is_not_text() -> None:
    assert clean_text("Hallo\ud83d Welt") == "Hallo? Welt"  # a cut-off emoji
    assert clean_text("\x1b[31mrot\x00\x07") == "[31mrot"  # terminal escapes, NUL, bell
    assert clean_text("Zeile 1\r\nZeile 2\tTab") == "Zeile 1\nZeile 2\tTab"
    assert clean_text("Cafe\u0301") == "Café"  # composed form
    assert clean_text("عربي \u202e") == "عربي \u202e"  # direction marks are text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Text"),
        ("   ", "Text"),
        ("\u200b\u200b", "Text"),  # invisible only
        ("\ud800\udfff\ud83d", "Text"),  # broken surrogates only
        ("?!… 👍", "Text"),
        ("\x00\x01\x02", "Text"),
        ("/", "Befehl"),
        ("/gibtsnicht", "Befehl"),
        ("/start@other_bot extra words", "Sprache"),
        ("x" * 5000, "zu lang"),
    ],
)
async def test_bad_text_gets_a_clear_answer_and_the_next_question_works(
    app: App, text: str, expected: str
) -> None:
    await say(app, "/start lang-de_region-viersen")
    replies = await say(app, text)
    assert replies and expected in joined(replies), joined(replies)
    assert EXPECTED_NEXT in joined(await say(app, "Ich habe Schulden in Viersen"))


@pytest.mark.parametrize(
    "data",
    ["handover:yes", "consent:maybe", "lang:xx", "erase:", ":::", "", "region:../../etc",
     "town:99999999999999999999", "remind:abc", "bcsend:1"],
)  # fmt: skip
async def test_forged_buttons_are_refused_politely(app: App, data: str) -> None:
    await say(app, "/start lang-de_region-viersen")
    replies = await say(app, choice=data)
    assert replies and all(reply.text for reply in replies)
    assert EXPECTED_NEXT in joined(await say(app, "Ich habe Schulden in Viersen"))


async def test_hostile_text_is_never_interpreted(app: App) -> None:
    await say(app, "/start lang-de_region-viersen")
    replies = await say(app, "<b>Schulden</b> & <script>alert(1)</script> {0} %s {language}")
    assert EXPECTED_NEXT in joined(replies)  # understood as words, nothing else


def test_the_console_reads_bytes_that_are_not_utf8(home: Path) -> None:
    environment = process_environment({**os.environ, "XDG_DATA_HOME": str(home)})
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "de"],
        input=b"1\n\xff\xfe kaputt \xc3\n\nIch habe Schulden in Viersen\n",
        capture_output=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert EXPECTED_NEXT in result.stdout.decode()
    assert b"Traceback" not in result.stderr
