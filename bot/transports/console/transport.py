"""Console transport: one message a line on standard input, replies on standard output.

Choices are shown as numbered lines; typing the number (or the option's text)
picks it. Works the same interactively and piped, and ends at end of input.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.core.messages import Attachment, Choice, Incoming, Reply
from bot.core.transport import Delivery, MessageHandler, Outcome


def render(reply: Reply, saved_as: Path | None = None) -> str:
    """A reply as the console shows it: the text, a file it came with, numbered choices."""
    lines = [reply.text]
    if reply.attachment is not None:
        lines.append(f"📎 {saved_as or reply.attachment.name}")
    lines.extend(f"  {number}) {choice.label}" for number, choice in enumerate(reply.choices, 1))
    return "\n".join(lines)


def save_attachment(attachment: Attachment) -> Path:
    """Write a reply's file where the console user can open it."""
    folder = Path(tempfile.gettempdir()) / "wegweiser-files"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(attachment.name).name
    path.write_bytes(attachment.content)
    return path


def _forgiving(stream: TextIO) -> TextIO:
    """Standard input that turns bytes which are not valid text into U+FFFD instead of failing."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    return stream


class ConsoleTransport:
    """Talks to one local user through text streams."""

    name = "console"

    def __init__(
        self,
        user: str = "console",
        language_hint: str | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self._user = user
        self._language_hint = language_hint
        self._stdin = stdin or _forgiving(sys.stdin)
        self._stdout = stdout or sys.stdout
        self._choices: tuple[Choice, ...] = ()
        self._interactive = self._stdin.isatty()

    def _incoming(self, line: str) -> Incoming:
        typed = line.strip()
        choice = None
        if typed.isdigit() and 1 <= int(typed) <= len(self._choices):
            choice = self._choices[int(typed) - 1]
        else:
            choice = next(
                (c for c in self._choices if c.label.casefold() == typed.casefold()), None
            )
        return Incoming(
            transport=self.name,
            chat_id=self._user,
            user_id=self._user,
            text=None if choice else typed,
            choice=choice.data if choice else None,
            language_hint=self._language_hint,
        )

    async def _read_line(self) -> str:
        if self._interactive:
            self._stdout.write("> ")
            self._stdout.flush()
        return await asyncio.to_thread(self._stdin.readline)

    async def run(self, on_message: MessageHandler) -> None:
        """Start with ``/start``, then handle one line at a time until end of input."""
        await self._deliver(await on_message(self._incoming("/start")))
        while True:
            line = await self._read_line()
            if not line:
                return
            if not line.strip():
                continue
            await self._deliver(await on_message(self._incoming(line)))

    async def _deliver(self, replies: list[Reply]) -> None:
        for reply in replies:
            await self.send(self._user, reply)

    async def send(
        self, chat_id: str, reply: Reply, key: str = "", defer: bool = True
    ) -> Delivery:
        """Print one reply; remember its choices for the next line."""
        self._choices = reply.choices
        saved = save_attachment(reply.attachment) if reply.attachment else None
        self._stdout.write(render(reply, saved) + "\n\n")
        self._stdout.flush()
        return Delivery(Outcome.SENT)
