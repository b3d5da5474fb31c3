"""Shared pieces: statistics, result sections in Markdown, the machine, profiles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
PROJECT_DIRS = ("bot/", "handlers/", "scheduler/")
ENTRY_POINTS = ("bot/__main__.py", "bot/cli.py")  # every sample of the bot passes them
KEY_PACKAGES = (
    "python-telegram-bot",
    "httpx",
    "SQLAlchemy",
    "aiosqlite",
    "alembic",
    "APScheduler",
    "aiohttp",
    "rapidfuzz",
    "babel",
    "PyYAML",
    "py-spy",
)


# ---------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0..1) quantile, linear between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Spread:
    """A median with its spread over repeated runs."""

    median: float
    low: float
    high: float
    runs: int
    kind: str  # "min–max" or "p10–p90"

    def show(self, unit: str = "", digits: int = 2) -> str:
        def number(value: float) -> str:
            return f"{value:,.{digits}f}"

        return (
            f"**{number(self.median)}{unit}** ({self.kind} {number(self.low)}–"
            f"{number(self.high)}{unit}, {self.runs} runs)"
        )


def spread(values: Sequence[float], kind: str = "min–max") -> Spread:
    """Median and min–max (or p10–p90) of per-run figures."""
    if kind == "p10–p90":
        low, high = percentile(values, 0.10), percentile(values, 0.90)
    else:
        low, high = min(values), max(values)
    return Spread(statistics.median(values), low, high, len(values), kind)


def verdict(value: float, target: float, at_most: bool) -> str:
    """PASS when ``value`` is on the right side of ``target``."""
    good = value <= target if at_most else value >= target
    return "PASS" if good else "MISS"


# ---------------------------------------------------------------------- sections


@dataclass(slots=True)
class Row:
    """One figure of a benchmark, optionally against a target."""

    metric: str
    figure: str
    target: str = "—"
    verdict: str = "—"


@dataclass(slots=True)
class Section:
    """One benchmark's results, ready to be written into RESULTS.md."""

    key: str
    title: str
    method: list[str]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdicts(self) -> list[str]:
        return [row.verdict for row in self.rows if row.verdict in ("PASS", "MISS")]

    def markdown(self) -> str:
        lines = [f"## {self.title}", ""]
        lines += [f"{line}" for line in self.method]
        lines += ["", "| metric | measured | target | verdict |", "| --- | --- | --- | --- |"]
        lines += [f"| {r.metric} | {r.figure} | {r.target} | {r.verdict} |" for r in self.rows]
        if self.notes:
            lines.append("")
            lines += self.notes
        lines += ["", f"_This benchmark took {self.seconds:.0f} s._", ""]
        return "\n".join(lines)


def timed_section(build: Callable[[], Section]) -> Section:
    """Run one benchmark and record how long it took."""
    started = time.perf_counter()
    section = build()
    section.seconds = time.perf_counter() - started
    return section


def print_section(section: Section) -> None:
    print(section.markdown())


# ---------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return platform.platform()


def _git_state() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}" + (" with uncommitted changes in the work tree" if dirty else "")


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_markdown(started: datetime) -> str:
    """The machine, the date and the key versions, as a Markdown list."""
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    versions = ", ".join(f"{name} {package_version(name)}" for name in KEY_PACKAGES)
    return "\n".join(
        [
            f"- date: {started.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
            f"- CPU: {_cpu_model()}, {cores} cores ({usable} usable by this process)",
            f"- RAM: {_memory_total()}",
            f"- OS: {_os_name()}",
            f"- Python: {platform.python_implementation()} {platform.python_version()}",
            f"- packages: {versions}",
            f"- code: git {_git_state()}",
        ]
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------- profiles


def _short(frame: str) -> str:
    """``func (/long/path/file.py:12)`` → ``func`` (file.py:12), paths cut at the package."""
    function, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    else:
        where = where.removeprefix(str(ROOT) + "/")
    return f"`{function}` ({where})"


@dataclass(frozen=True, slots=True)
class Hotspots:
    """Where a sampled stretch of a process spent its busy (non-idle) samples."""

    samples: int
    seconds: float
    own: list[tuple[str, int]]
    project: list[tuple[str, int]]
    stacks: list[tuple[str, int]] = field(default_factory=list, repr=False)

    def stack_share(self, function: str) -> float:
        """Share of the samples whose stack passes through a function of this name."""
        marker = f"{function} ("
        found = sum(count for stack, count in self.stacks if marker in stack)
        return found / self.samples if self.samples else 0.0

    def share(self, function: str, where: str) -> float:
        """Inclusive share of the samples of a project function (name, file prefix)."""
        prefix = f"`{function}` ({where}"
        found = [count for name, count in self.project if name.startswith(prefix)]
        return max(found, default=0) / self.samples if self.samples else 0.0

    def own_share(self, where: str) -> float:
        """Self-time share of every function whose file starts with ``where``."""
        found = sum(count for name, count in self.own if f"({where}" in name)
        return found / self.samples if self.samples else 0.0

    def lines(self, top: int = 8) -> list[str]:
        if self.samples <= 0:
            return ["(the profile recorded no busy samples)"]
        result = [
            f"py-spy, {self.samples} busy samples over {self.seconds:.1f} s "
            "(idle time in the event loop's select is not sampled):",
            "- self time (the function's own code), top:",
        ]
        result += [f"  - {count / self.samples:5.1%} {name}" for name, count in self.own[:top]]
        result.append("- inclusive time of project functions (bot/, handlers/, scheduler/):")
        result += [f"  - {count / self.samples:5.1%} {name}" for name, count in self.project[:top]]
        return result


def parse_raw_profile(text: str, seconds: float) -> Hotspots:
    """Self samples per function, and inclusive samples per project function."""
    own: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    stacks: list[tuple[str, int]] = []
    total = 0
    for line in text.splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        count = int(number)
        stacks.append((stack, count))
        frames = stack.split(";")
        total += count
        own[_short(frames[-1])] += count
        for frame in set(frames):
            where = frame.partition(" (")[2]
            if where.startswith(PROJECT_DIRS) and not where.startswith(ENTRY_POINTS):
                inclusive[_short(frame)] += count
    return Hotspots(
        total,
        seconds,
        sorted(own.items(), key=lambda item: -item[1]),
        sorted(inclusive.items(), key=lambda item: -item[1]),
        stacks,
    )


def spy_path() -> Path | None:
    """py-spy in the project's virtual environment (`make bench` installs it)."""
    found = Path(sys.executable).parent / "py-spy"
    return found if found.exists() else None


class Spy:
    """py-spy sampling one process (a child bot, or this process) until stopped."""

    def __init__(self, pid: int, output: Path, rate: int = 250) -> None:
        self.pid = pid
        self.output = output
        self.rate = rate
        self._process: asyncio.subprocess.Process | None = None
        self._started = 0.0
        self.problem = ""

    async def start(self) -> bool:
        """Attach; False when py-spy is not installed or cannot attach (see ``problem``)."""
        spy = spy_path()
        if spy is None:
            self.problem = NO_SPY
            return False
        self._process = await asyncio.create_subprocess_exec(
            str(spy), "record", "--pid", str(self.pid), "--format", "raw",
            "--output", str(self.output), "--rate", str(self.rate), "--nonblocking",
            "--function",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert self._process.stdout is not None
        said: list[str] = []
        while True:
            line = await asyncio.wait_for(self._process.stdout.readline(), 30)
            said.append(line.decode(errors="replace").strip())
            if not line or b"Sampling" in line:
                break
        self._started = time.perf_counter()
        if b"Sampling" not in line:
            self.problem = "(no profile: py-spy said: " + " ".join(filter(None, said)) + ")"
            return False
        return True

    async def stop(self) -> Hotspots | None:
        """Stop sampling; the hot spots, or None without a profile (see ``problem``)."""
        if self._process is None:
            return None
        seconds = time.perf_counter() - self._started
        if self._process.returncode is None:
            self._process.send_signal(signal.SIGINT)
        said, _ = await asyncio.wait_for(self._process.communicate(), 60)
        if not self.output.exists():
            if not self.problem:
                text = said.decode(errors="replace").strip().replace("\n", " ")
                code = self._process.returncode
                self.problem = f"(no profile: py-spy exited {code}, wrote none: {text[-300:]})"
            return None
        return parse_raw_profile(
            self.output.read_text(encoding="utf-8", errors="replace"), seconds
        )

    def lines(self, found: Hotspots | None, top: int) -> list[str]:
        """The hot spots, or why there are none."""
        return found.lines(top=top) if found else [self.problem or NO_SPY]


NO_SPY = "(no profile: py-spy is not installed in the virtual environment; `make bench` does it)"


# ---------------------------------------------------------------------- SQL statement times

_PLACEHOLDERS = re.compile(r"\?(?:\s*,\s*\?)+")
_SPACES = re.compile(r"\s+")


class SqlTimes:
    """Time per SQL statement text, measured around the DB-API cursor call (in process)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self.example: dict[str, tuple[str, Any]] = {}
        self._started: list[float] = []

    def attach(self, engine: Any) -> None:
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *args: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seconds = time.perf_counter() - self._started.pop()
        text = _PLACEHOLDERS.sub("?…", _SPACES.sub(" ", statement)).strip()
        self.total[text] += seconds
        self.count[text] += 1
        self.example.setdefault(text, (statement, parameters))

    def plan(self, database: Path, starts: str) -> list[str]:
        """SQLite's query plan of the first statement starting with ``starts``: the tables
        it scans in full ("SCAN …")."""
        import sqlite3

        found = next((key for key in self.example if key.startswith(starts)), None)
        if found is None:
            return []
        statement, parameters = self.example[found]
        with contextlib.closing(sqlite3.connect(database)) as connection:
            rows = connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
        return [str(row[-1]) for row in rows if str(row[-1]).startswith("SCAN")]

    def lines(self, wall: float, top: int = 6, width: int = 150) -> list[str]:
        spent = sum(self.total.values())
        result = [
            f"SQL statements (time in `cursor.execute` through aiosqlite's thread, fetching "
            f"and commit not included: {spent:.1f} s of {wall:.1f} s wall; "
            f"{sum(self.count.values()):,} statements), top:"
        ]
        for text, seconds in sorted(self.total.items(), key=lambda item: -item[1])[:top]:
            shown = text if len(text) <= width else text[: width - 1] + "…"
            count = self.count[text]
            result.append(
                f"  - {seconds:6.1f} s = {count:,} × {seconds / count * 1000:.2f} ms: `{shown}`"
            )
        return result
