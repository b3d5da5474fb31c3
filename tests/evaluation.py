"""Answer quality on the project's question set: top-3 accuracy per language, answer time.

Run with ``make eval``. The set (tests/data/questions.yaml) was written as users
write, against the demo directory; ``tests/test_quality.py`` holds the bar.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.answering.lexicon import Lexicon, load_lexicon_files
from bot.answering.service import AnsweringService, AnswerKind
from bot.app import demo_directory_text
from bot.config import ContactConfig
from bot.directory.loader import parse_directory
from bot.i18n import Catalogs

DATA = Path(__file__).with_name("data")
QUESTIONS = DATA / "questions.yaml"
# Written blind by another author and never used to tune the answering: a check of generality.
HOLDOUT = DATA / "holdout.yaml"
# A Wednesday morning, so that "open now" questions have a stable answer.
MOMENT = datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@dataclass(frozen=True, slots=True)
class Outcome:
    """One question's result."""

    language: str
    question: str
    correct: bool
    got: list[str]
    expected: list[str]
    seconds: float


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """A question set (the main one by default)."""
    data: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def demo_service() -> AnsweringService:
    """An answering service over the demo directory."""
    directory = parse_directory(demo_directory_text())
    return AnsweringService(directory, Lexicon(load_lexicon_files()), Catalogs(), ContactConfig())


def evaluate(service: AnsweringService, questions: list[dict[str, Any]]) -> list[Outcome]:
    """Answer every question and judge it."""
    outcomes = []
    for item in questions:
        started = time.perf_counter()
        answer = service.answer(item["q"], now=MOMENT, region=item.get("region"))
        seconds = time.perf_counter() - started
        kind = item.get("kind", "centres")
        expected = list(item.get("expect") or [])
        got = answer.centre_ids
        if kind == "emergency":
            correct = answer.kind is AnswerKind.EMERGENCY
        elif kind == "none":
            correct = not got
        else:
            correct = any(centre in expected for centre in got)
        outcomes.append(Outcome(item["lang"], item["q"], correct, got, expected, seconds))
    return outcomes


def accuracy_by_language(outcomes: list[Outcome]) -> dict[str, float]:
    """Share of correct answers per language."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.language].append(outcome.correct)
    return {language: sum(values) / len(values) for language, values in sorted(groups.items())}


def report(title: str, outcomes: list[Outcome], show_misses: bool) -> None:
    """Print one set's table per language, the answer times and, if asked, the misses."""
    print(f"\n{title}")
    print(f"{'language':<10}{'questions':>10}{'top-3 accuracy':>16}")
    counts: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        counts[outcome.language] += 1
    for language, value in accuracy_by_language(outcomes).items():
        print(f"{language:<10}{counts[language]:>10}{value:>16.2f}")
    overall = sum(o.correct for o in outcomes) / len(outcomes)
    print(f"{'all':<10}{len(outcomes):>10}{overall:>16.2f}")
    times = sorted(o.seconds * 1000 for o in outcomes)
    print(
        f"median answer time: {statistics.median(times):.2f} ms, "
        f"p99: {times[max(0, round(len(times) * 0.99) - 1)]:.2f} ms"
    )
    misses = [o for o in outcomes if not o.correct]
    if show_misses and misses:
        print("misses:")
        for miss in misses:
            print(f"  [{miss.language}] {miss.question!r} got {miss.got} expected {miss.expected}")


def main() -> None:
    """Print both sets' tables; the misses of the main set (the held-out set stays unread)."""
    service = demo_service()
    report("question set (tests/data/questions.yaml)", evaluate(service, load_questions()), True)
    holdout = evaluate(service, load_questions(HOLDOUT))
    report("held-out set (tests/data/holdout.yaml)", holdout, False)


if __name__ == "__main__":
    main()
