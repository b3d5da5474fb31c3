"""Explicit routing of messages to handlers: commands, button choices, conversation steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.messages import Reply
from bot.i18n import _

if TYPE_CHECKING:
    from bot.core.context import Context

Handler = Callable[["Context"], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command with its handler and one-line help (an untranslated msgid)."""

    name: str
    handler: Handler
    help: str
    staff: bool = False


class Router:
    """Picks the handler for a message. Everything is registered explicitly."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._choices: dict[str, Handler] = {}
        self._staff_choices: set[str] = set()
        self._staff_steps: set[Handler] = set()
        self._steps: dict[str, Handler] = {}
        self._text: Handler | None = None

    def command(self, name: str, handler: Handler, help_text: str, staff: bool = False) -> None:
        """Register ``/name``; a staff command is unknown to everyone but staff."""
        if name in self._commands:
            raise ValueError(f"command /{name} registered twice")
        self._commands[name] = Command(name, handler, help_text, staff)

    def choice(self, prefix: str, handler: Handler, staff: bool = False) -> None:
        """Register the handler of button data ``prefix:…``."""
        if prefix in self._choices:
            raise ValueError(f"choice prefix {prefix!r} registered twice")
        self._choices[prefix] = handler
        if staff:
            self._staff_choices.add(prefix)

    def step(self, name: str, handler: Handler, staff: bool = False) -> None:
        """Register the handler of free text while a user is at conversation step ``name``."""
        self._steps[name] = handler
        if staff:
            self._staff_steps.add(handler)

    def text(self, handler: Handler) -> None:
        """Register the handler of any other free text."""
        self._text = handler

    @property
    def commands(self) -> tuple[Command, ...]:
        """Commands everyone sees, in registration order."""
        return tuple(command for command in self._commands.values() if not command.staff)

    async def route(self, context: Context) -> list[Reply]:
        """Dispatch one message."""
        incoming = context.incoming
        if incoming.choice is not None:
            prefix = incoming.choice.split(":", 1)[0]
            handler = self._choices.get(prefix)
            if prefix in self._staff_choices and not await context.is_staff():
                handler = None
            if handler is None:
                return [
                    Reply.plain(_("This button is no longer valid. Send /start to begin again."))
                ]
            return await handler(context)
        text = (incoming.text or "").strip()
        if text.startswith("/"):
            name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
            command = self._commands.get(name)
            if command is not None and command.staff and not await context.is_staff():
                command = None
            if command is None:
                return [
                    Reply.plain(_("I do not know this command. Send /help to see what I can do."))
                ]
            return await command.handler(context)
        step_handler = self._steps.get(context.user.step or "")
        if step_handler in self._staff_steps and not await context.is_staff():
            step_handler = None
        if step_handler is not None:
            return await step_handler(context)
        if self._text is None:
            return []
        return await self._text(context)
