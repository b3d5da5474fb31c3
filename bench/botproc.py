"""`wegweiser run` (or the bare echo bot) as a child process against the fake Bot API server.

The fake server runs in the benchmark's own event loop; the bot runs in its own process,
so that the two never share a CPU-bound loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.botapi import BotApiServer
from tests.botapi.server import ApiError, JsonDict, Params

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# A bot stopped in the middle of a request makes aiohttp log the lost connection: noise.
logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class Memory:
    """Resident size now and at its peak, in MiB."""

    rss: float
    hwm: float


class CountingServer(BotApiServer):
    """The fake Bot API server, also counting what getUpdates hands out."""

    def __init__(self) -> None:
        super().__init__()
        self.updates_returned = 0
        self.sent_ok = 0

    async def _get_updates(self, params: Params) -> list[JsonDict]:
        updates = await super()._get_updates(params)
        self.updates_returned += len(updates)
        return updates

    def _answer(self, method: str, params: Params, outcome: Any) -> web.Response:
        if method == "sendMessage" and not isinstance(outcome, ApiError):
            self.sent_ok += 1
        return super()._answer(method, params, outcome)


def database_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class ChildBot:
    """A bot process with a log file; CPU time and memory read from /proc."""

    def __init__(self, folder: Path, argv: list[str], env: dict[str, str], name: str) -> None:
        self.folder = folder
        self.argv = argv
        self.env = env
        self.log = folder / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.started = 0.0

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.started = time.perf_counter()
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env=self.env,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def stop(self, how: signal.Signals = signal.SIGTERM, timeout: float = 60) -> int:  # noqa: ASYNC109
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(how)
        return await asyncio.wait_for(self.process.wait(), timeout=timeout)

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory(self) -> Memory:
        values: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return Memory(values["VmRSS"], values["VmHWM"])

    @property
    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def wegweiser(
    folder: Path,
    server: BotApiServer,
    database: Path,
    *,
    telegram: str = "",
    level: str = "WARNING",
    extra: str = "",
    name: str = "wegweiser",
) -> ChildBot:
    """`python -m bot --config … run` with Telegram against ``server``."""
    config = folder / f"{name}.toml"
    config.write_text(
        f'[database]\nurl = "{database_url(database)}"\n'
        f'[telegram]\nenabled = true\nbase_url = "{server.base_url}"\npoll_timeout = 1\n'
        f'{telegram}[logging]\nlevel = "{level}"\n{extra}',
        encoding="utf-8",
    )
    env = {**os.environ, "WEGWEISER_TELEGRAM_TOKEN": server.token}
    env.pop("WEGWEISER_DATABASE_URL", None)
    env.pop("WEGWEISER_CONFIG", None)
    argv = [sys.executable, "-m", "bot", "--config", str(config), "run"]
    return ChildBot(folder, argv, env, name)


def echo_bot(folder: Path, server: BotApiServer, concurrency: int) -> ChildBot:
    """The bare python-telegram-bot echo bot (bench/echo_bot.py)."""
    argv = [
        sys.executable, "-m", "bench.echo_bot", "echo",
        "--base-url", server.base_url, "--concurrency", str(concurrency),
    ]  # fmt: skip
    env = {**os.environ, "ECHO_BOT_TOKEN": server.token}
    return ChildBot(folder, argv, env, "echo")


def blaster(
    folder: Path,
    server: BotApiServer,
    first_chat: int,
    count: int,
    concurrency: int,
    raw: bool = False,
) -> ChildBot:
    """``count`` sends from a bare PTB ``Bot`` (or plain aiohttp when ``raw``);
    bench/echo_bot.py blast."""
    argv = [
        sys.executable, "-m", "bench.echo_bot", "blast-raw" if raw else "blast",
        "--base-url", server.base_url,
        "--first-chat", str(first_chat), "--count", str(count),
        "--concurrency", str(concurrency),
    ]  # fmt: skip
    env = {**os.environ, "ECHO_BOT_TOKEN": server.token}
    return ChildBot(folder, argv, env, "blast")


async def wait_for(
    server: BotApiServer,
    done: Callable[[], bool],
    timeout: float,  # noqa: ASYNC109
    what: str,
) -> None:
    """Wait until ``done()`` is true, re-checking whenever the server changes."""
    await server.wait_until(done, timeout=timeout, message=f"timed out waiting for {what}")
