"""`wegweiser run`: every enabled transport in one asyncio loop, stopped cleanly by a signal."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from bot.app import App
from bot.core.relay import Relay
from bot.core.transport import Transport
from bot.storage.handled_events import HandledEvents
from bot.storage.ledger import Ledger
from scheduler.lease import holder_name
from scheduler.notices import NoticeRenderer
from scheduler.runner import Timekeeper
from scheduler.sender import NoticeSender

log = logging.getLogger(__name__)

_STOP_SECONDS = 20


class StartError(Exception):
    """A transport cannot start; the message says why."""


def enabled_transports(app: App) -> list[Transport]:
    """The network transports switched on in the config."""
    transports: list[Transport] = []
    config = app.config
    if config.telegram.enabled:
        from bot.transports.telegram import TelegramTransport

        transports.append(
            TelegramTransport(
                config.telegram,
                users=app.services.users,
                handled=HandledEvents(app.database, "telegram"),
                clock=app.services.clock,
                profiles=app.profiles,
                default_locale=config.bot.default_locale,
            )
        )
    if config.matrix.enabled:
        from bot.transports.matrix import MatrixTransport
        from bot.transports.matrix.state import MatrixState

        transports.append(
            MatrixTransport(
                config.matrix,
                MatrixState(config.matrix.folder(os.environ)),
                users=app.services.users,
                handled=HandledEvents(app.database, "matrix"),
                clock=app.services.clock,
            )
        )
    return transports


def connect_relay(app: App, transports: list[Transport]) -> None:
    """Let handlers reach the staff room and people's chats through these transports."""
    app.services.relay = Relay({t.name: t for t in transports}, app.config.staff_room)


def notice_sender(app: App, transports: list[Transport], holder: str = "") -> NoticeSender:
    """The sender that drains the delivery ledger through these transports."""
    services = app.services
    renderer = NoticeRenderer(
        services.events, services.broadcasts, services.catalogs,
        lambda: services.answering.directory,
    )  # fmt: skip
    return NoticeSender(
        Ledger(app.database, holder),
        renderer.render,
        services.users,
        services.clock,
        {transport.name: transport for transport in transports},
        services.default_locale,
        wake=services.outbox,
    )


def timekeeper(app: App, transports: list[Transport]) -> Timekeeper:
    """The scheduler and notice sender for these transports."""
    holder = holder_name()
    sender = notice_sender(app, transports, holder)
    services = app.services
    return Timekeeper(
        app.database, sender, services.broadcasts, services.clock, holder,
        privacy=services.privacy, inactive_days=services.inactive_days,
        tickets=services.tickets, ticket_days=app.config.privacy.ticket_days,
    )  # fmt: skip


async def serve(transports: list[Transport], app: App) -> None:
    """Run the transports until SIGINT or SIGTERM; then let each finish what it has in hand.

    Raises:
        StartError: when a transport cannot start (e.g. its token is refused).
    """
    loop = asyncio.get_running_loop()
    connect_relay(app, transports)
    tasks = [asyncio.create_task(t.run(app.handle), name=t.name) for t in transports]
    tasks.append(asyncio.create_task(timekeeper(app, transports).run(), name="scheduler"))
    stop = asyncio.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
        failure = next(
            (t.exception() for t in done if t is not stopper and t.exception() is not None),
            None,
        )
    finally:
        log.info("stopping: finishing the messages in hand")
        for task in [*tasks, stopper]:
            task.cancel()
        _, stuck = await asyncio.wait(tasks, timeout=_STOP_SECONDS) if tasks else (set(), set())
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
        if stuck:
            log.error("%d transport(s) did not stop within %d s", len(stuck), _STOP_SECONDS)
    if failure is not None:
        raise StartError(str(failure)) from failure
    print("wegweiser: stopped", file=sys.stderr)
