"""Benchmark 1: time per question of AnsweringService.answer, as `open_app` builds it.

Demo directory (54 centres) and a generated 10,000-centre directory (12 Kreise), each
stored in a fresh SQLite database and loaded by ``open_app`` like the running bot does.
Questions: the project's own multilingual set (tests/data/questions.yaml and
holdout.yaml, 9 languages), answered like ``tests/evaluation.py`` does. One untimed
warm-up pass, then timed passes; each pass gives a median and a p99.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    Row,
    Section,
    Spy,
    now_utc,
    percentile,
    print_section,
    spread,
    timed_section,
    verdict,
)
from bench.directory_gen import CENTRES, generate
from bot.answering.service import AnsweringService
from bot.app import demo_directory_text, open_app
from bot.config import Config, DatabaseConfig
from bot.directory.loader import parse_directory
from bot.storage.database import Database
from bot.storage.directory_repository import DirectoryRepository
from tests.evaluation import HOLDOUT, QUESTIONS, Outcome, evaluate, load_questions

DEMO_TARGET_MS = 5.0
LARGE_TARGET_MS = 20.0
DEMO_PASSES = 10
LARGE_PASSES = 5


@dataclass(frozen=True, slots=True)
class Passes:
    """Per-pass medians and p99s (ms), top-3 accuracy, and how the service was built."""

    medians: list[float]
    p99s: list[float]
    accuracy: float
    questions: int
    build_seconds: float


def _questions() -> list[dict[str, Any]]:
    return load_questions(QUESTIONS) + load_questions(HOLDOUT)


def _as_demo_centre(service: AnsweringService) -> dict[str, str]:
    """Generated centre id → the demo centre it varies, when it lies in the same Kreis."""
    demo = {centre.id: centre.region for centre in parse_directory(demo_directory_text()).centres}
    same: dict[str, str] = {}
    for centre in service.directory.centres:
        base = centre.id.rsplit(f"-{centre.region}-", 1)[0]
        if demo.get(base) == centre.region:
            same[centre.id] = base
    return same


def _accuracy(service: AnsweringService, outcomes: list[Outcome]) -> float:
    """Top-3 accuracy; a copy of an expected centre in the same Kreis counts as it."""
    same = _as_demo_centre(service)
    correct = 0
    for outcome in outcomes:
        if not outcome.expected or outcome.correct:
            correct += outcome.correct
            continue
        correct += any(same.get(got, got) in outcome.expected for got in outcome.got)
    return correct / len(outcomes)


def _timed_passes(service: AnsweringService, passes: int) -> tuple[list[list[Outcome]], float]:
    questions = _questions()
    evaluate(service, questions)  # warm-up: caches, Babel data, lazy imports
    results = [evaluate(service, questions) for _ in range(passes)]
    return results, _accuracy(service, results[0])


def _summarise(results: list[list[Outcome]], accuracy: float, build: float) -> Passes:
    medians, p99s = [], []
    for outcomes in results:
        times = [outcome.seconds * 1000 for outcome in outcomes]
        medians.append(statistics.median(times))
        p99s.append(percentile(times, 0.99))
    return Passes(medians, p99s, accuracy, len(results[0]), build)


async def _demo(folder: Path, passes: int) -> Passes:
    config = Config(database=DatabaseConfig(url=f"sqlite+aiosqlite:///{folder / 'demo.db'}"))
    started = time.perf_counter()
    async with open_app(config) as app:
        build = time.perf_counter() - started
        results, accuracy = _timed_passes(app.services.answering, passes)
    return _summarise(results, accuracy, build)


@dataclass(frozen=True, slots=True)
class Import:
    """How long the 10,000-centre file took to generate, check and store."""

    generate: float
    parse: float
    store: float


async def _store_large(url: str) -> Import:
    started = time.perf_counter()
    text = generate(CENTRES)
    generated = time.perf_counter()
    directory = parse_directory(text)
    parsed = time.perf_counter()
    database = Database(url)
    try:
        await database.upgrade()
        await DirectoryRepository(database).replace(directory, now_utc())
    finally:
        await database.close()
    stored = time.perf_counter()
    return Import(generated - started, parsed - generated, stored - parsed)


async def _large(folder: Path, passes: int) -> tuple[Passes, Import, list[str]]:
    url = f"sqlite+aiosqlite:///{folder / 'large.db'}"
    imported = await _store_large(url)
    started = time.perf_counter()
    async with open_app(Config(database=DatabaseConfig(url=url))) as app:
        build = time.perf_counter() - started
        service = app.services.answering
        assert len(service.directory.centres) == CENTRES
        results, accuracy = _timed_passes(service, passes)
        summary = _summarise(results, accuracy, build)
        if statistics.median(summary.medians) > LARGE_TARGET_MS:
            profile = ["", f"Profile of one whole pass on {CENTRES:,} centres (target missed):"]
            profile += await _profile(folder, service, _questions(), 1)
        else:
            slowest = _slowest(results[0])
            times = ", ".join(
                f"{outcome.seconds * 1000:.0f} ms [{outcome.language}]" for outcome in slowest
            )
            profile = [
                "",
                f"The p99 tail on {CENTRES:,} centres: the {len(slowest)} slowest questions of "
                f"the first pass ({times}), profiled over 20 repetitions:",
            ]
            wanted = {outcome.question for outcome in slowest}
            chosen = [item for item in _questions() if item["q"] in wanted]
            profile += await _profile(folder, service, chosen, 20)
    return summary, imported, profile


def _slowest(outcomes: list[Outcome]) -> list[Outcome]:
    """The questions at or above the p99 (at least three)."""
    ordered = sorted(outcomes, key=lambda outcome: -outcome.seconds)
    return ordered[: max(3, len(ordered) // 100)]


async def _profile(
    folder: Path, service: AnsweringService, questions: list[dict[str, Any]], times: int
) -> list[str]:
    """Where answering these questions spends its time (py-spy on this process)."""
    spy = Spy(os.getpid(), folder / "answering.txt", rate=500)
    if not await spy.start():
        return spy.lines(None, 8)
    for _ in range(times):
        evaluate(service, questions)
    return spy.lines(await spy.stop(), 8)


def _rows(name: str, passes: Passes, target: float) -> list[Row]:
    median = spread(passes.medians)
    p99 = spread(passes.p99s)
    return [
        Row(
            f"{name}: median per question",
            median.show(" ms"),
            f"≤ {target:g} ms",
            verdict(median.median, target, at_most=True),
        ),
        Row(f"{name}: p99 per question", p99.show(" ms")),
        Row(f"{name}: top-3 accuracy on the set (not a speed target)", f"{passes.accuracy:.1%}"),
        Row(f"{name}: open_app (load directory, build services)", f"{passes.build_seconds:.2f} s"),
    ]


async def measure(demo_passes: int = DEMO_PASSES, large_passes: int = LARGE_PASSES) -> Section:
    with tempfile.TemporaryDirectory(prefix="bench-answering-") as name:
        folder = Path(name)
        demo = await _demo(folder, demo_passes)
        large, imported, profile = await _large(folder, large_passes)
    section = Section(
        "answering",
        "1. Answering: time per question",
        [
            f"`AnsweringService.answer` of the service `open_app` builds from the database, "
            f"questions answered as `tests/evaluation.py` does ({demo.questions} questions of "
            "tests/data/questions.yaml + holdout.yaml, 9 languages, at a fixed Wednesday "
            "10:30). One untimed warm-up pass; each timed pass yields a median and a p99; "
            "figures are the median over passes with min–max. The 10,000-centre directory "
            "is generated by bench/directory_gen.py (the demo's 54 centres plus variations in "
            "12 Kreise with 170 towns), checked by the project's loader and stored with "
            "`DirectoryRepository.replace`.",
        ],
    )
    section.rows += _rows("demo (54 centres)", demo, DEMO_TARGET_MS)
    section.rows += _rows(f"{CENTRES:,} centres", large, LARGE_TARGET_MS)
    section.rows.append(
        Row(
            f"{CENTRES:,}-centre file: generate / parse+check / store",
            f"{imported.generate:.1f} s / {imported.parse:.1f} s / {imported.store:.1f} s",
        )
    )
    ratio = statistics.median(large.medians) / statistics.median(demo.medians)
    section.notes.append(
        f"Median time grows {ratio:.1f}× from 54 to {CENTRES:,} centres "
        "(measured in the same run)."
    )
    section.notes += profile
    return section


def run() -> Section:
    return timed_section(lambda: asyncio.run(measure()))


if __name__ == "__main__":
    print_section(run())
