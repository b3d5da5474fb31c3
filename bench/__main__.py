"""`python -m bench`: run every benchmark and rewrite bench/RESULTS.md.

`python -m bench NAME…` runs only those (answering, telegram, broadcast, memory,
startup) and prints their sections without touching RESULTS.md.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import answering, broadcast, memory, startup, telegram_e2e
from bench.botproc import CLOCK_TICKS
from bench.common import RESULTS, Section, machine_markdown, now_utc

BENCHMARKS: dict[str, Callable[[], Section]] = {
    "answering": answering.run,
    "telegram": telegram_e2e.run,
    "broadcast": broadcast.run,
    "memory": memory.run,
    "startup": startup.run,
}


def _cpu_busy() -> float:
    """Seconds of CPU time the whole machine has spent busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / CLOCK_TICKS


def _own_cpu() -> float:
    """CPU seconds of this process and its finished children (the bots, py-spy, the CLI)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _summary(sections: list[Section]) -> list[str]:
    lines = [
        "| benchmark | metric | measured | target | verdict |",
        "| --- | --- | --- | --- | --- |",
    ]
    for section in sections:
        for row in section.rows:
            if row.verdict in ("PASS", "MISS"):
                title = section.title.split(":", 1)[0]
                lines.append(
                    f"| {title} | {row.metric} | {row.figure} | {row.target} | {row.verdict} |"
                )
    return lines


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    chosen = names or list(BENCHMARKS)
    started = now_utc()
    began, busy, own, load = time.perf_counter(), _cpu_busy(), _own_cpu(), _load()
    sections = []
    for name in chosen:
        print(f"bench: running {name} …", file=sys.stderr, flush=True)
        section = BENCHMARKS[name]()
        print(f"bench: {name} took {section.seconds:.0f} s", file=sys.stderr, flush=True)
        sections.append(section)
        if names:
            print(section.markdown())
    if names:
        return 0
    wall = time.perf_counter() - began
    foreign = max(0.0, (_cpu_busy() - busy) - (_own_cpu() - own))
    verdicts = [verdict for section in sections for verdict in section.verdicts]
    text = [
        "# Wegweiser benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); every figure below comes from that run. "
        "Each benchmark also runs alone: `python -m bench.answering`, `bench.telegram_e2e`, "
        "`bench.broadcast`, `bench.memory`, `bench.startup`.",
        "",
        "## Machine and run",
        "",
        machine_markdown(started),
        f"- run: {wall / 60:.1f} min; load average {load} at the start, {_load()} at the end; "
        f"other processes on the machine used {foreign:.0f} CPU-seconds meanwhile "
        f"({foreign / wall:.2f} cores on average), which the figures share the machine with",
        "",
        "## Targets",
        "",
        f"{verdicts.count('PASS')} of {len(verdicts)} targets met.",
        "",
        *_summary(sections),
        "",
        *[section.markdown() for section in sections],
    ]
    RESULTS.write_text("\n".join(text).rstrip() + "\n", encoding="utf-8")
    print(f"bench: wrote {RESULTS} ({wall / 60:.1f} min)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
