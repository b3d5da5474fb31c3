"""Ranking the directory's centres for a :class:`Query`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.answering.institutions import INSTITUTIONS
from bot.answering.normalize import words
from bot.answering.understand import Query, TimeAsk
from bot.directory.hours import open_during
from bot.directory.model import Centre, Directory

MAX_RESULTS = 3

TopicReader = Callable[[str], set[str]]
"""The topics a text speaks of (the lexicon's reading), for centre names."""
AUDIENCE_TOPICS = frozenset({"family", "women", "youth"})
_MIN_WORD = 4
# A question word counts as naming a centre when its first letters begin a word of the name.
_NAME_PREFIX = 6


@dataclass(frozen=True, slots=True)
class Ranked:
    """A centre with its score and, when the question asked about a time, whether it is open."""

    centre: Centre
    score: float
    open_then: bool | None


@dataclass(frozen=True, slots=True)
class _Profile:
    centre: Centre
    position: int
    name_text: str
    name_prefixes: frozenset[str]
    description_words: frozenset[str]
    institutions: frozenset[str]
    named_topics: frozenset[str]


def _profile(centre: Centre, position: int, topics_in: TopicReader) -> _Profile:
    name_text = " ".join(words(f"{centre.name} {centre.organisation}"))
    spaced = f" {name_text} "
    institutions = frozenset(
        key
        for key, institution in INSTITUTIONS.items()
        if any(
            part in name_text if len(part) > 4 else f" {part} " in spaced
            for part in institution.name_parts
        )
    )
    described = " ".join(
        text for lang, text in centre.descriptions.items() if lang in ("de", "en")
    )
    return _Profile(
        centre=centre,
        position=position,
        name_text=name_text,
        name_prefixes=frozenset(
            word[:length]
            for word in name_text.split()
            if len(word) >= _MIN_WORD
            for length in range(1, _NAME_PREFIX + 1)
        ),
        description_words=frozenset(w for w in words(described) if len(w) >= _MIN_WORD),
        institutions=institutions,
        named_topics=frozenset(topics_in(centre.name)) & frozenset(centre.topics),
    )


def _implied_topics(institution: str) -> tuple[str, ...]:
    known = INSTITUTIONS.get(institution)
    return known.topics if known else ()


def time_window(when: TimeAsk, moment: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The stretch of time a question asks about, in the directory's timezone."""
    local = moment.astimezone(ZoneInfo(timezone))
    if when.now and when.weekday is None and when.days_ahead is None:
        return local, local + timedelta(minutes=1)
    if when.days_ahead is not None:
        day = local + timedelta(days=when.days_ahead)
    elif when.weekday is not None:
        day = local + timedelta(days=(when.weekday - local.weekday()) % 7)
    else:
        day = local
    start_hour, end_hour = when.hours or (0, 24)
    start = day.replace(hour=start_hour, minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=end_hour - start_hour)
    if day.date() == local.date() and start < local:
        start = local
    return start, max(start, end)


class Ranker:
    """Scores centres against a query; precomputes what it can per directory."""

    def __init__(
        self, directory: Directory, ignored_words: frozenset[str], topics_in: TopicReader
    ) -> None:
        self._directory = directory
        self._ignored = ignored_words
        self._profiles = [
            _profile(centre, index, topics_in) for index, centre in enumerate(directory.centres)
        ]

    def rank(
        self, query: Query, region: str | None, reply_language: str, moment: datetime
    ) -> list[Ranked]:
        """The best centres for ``query`` in ``region`` (all regions when None), best first."""
        topics = dict(query.topics)
        if set(topics) - AUDIENCE_TOPICS:
            # "my daughter needs a school": who asks is context, what they need decides.
            topics = {t: w * 0.5 if t in AUDIENCE_TOPICS else w for t, w in topics.items()}
        for key in query.institutions:
            for topic in _implied_topics(key):
                topics.setdefault(topic, 0.6)
        total = sum(topics.values())
        main_topic = max(topics, key=lambda topic: topics[topic]) if topics else None
        window = time_window(query.when, moment, self._directory.timezone) if query.when else None
        free_words = {w for w in query.words if len(w) >= _MIN_WORD and w not in self._ignored}
        implied = {t for key in query.institutions for t in _implied_topics(key)}
        named_somewhere = not (set(query.topics) - implied) and any(
            query.institutions & profile.institutions
            for profile in self._profiles
            if region is None or profile.centre.region == region
        )
        ranked: list[tuple[float, int, Ranked]] = []
        for profile in self._profiles:
            centre = profile.centre
            if region is not None and centre.region != region:
                continue
            if query.age is not None and not centre.serves_age(query.age):
                continue
            matched = [topic for topic in centre.topics if topic in topics]
            named = bool(query.institutions & profile.institutions)
            if named_somewhere and not named:
                continue  # "where is the Jobcenter?" is answered with the Jobcenter
            if not matched and not named:
                continue
            score = 2.0 * sum(topics[topic] for topic in matched) / total if total else 0.0
            score += 0.6 * len(matched) / len(centre.topics)
            # "Schuldnerberatung" for a debt question: the name says what the centre is for.
            if main_topic is not None and main_topic in profile.named_topics:
                score += 0.3
            score += 3.0 if named else 0.0
            score += self._word_bonus(free_words, profile)
            score += self._person_bonus(query, centre, reply_language)
            open_then = None
            if window is not None:
                open_then = open_during(centre, *window, self._directory.timezone)
                score += 0.5 if open_then else -0.3
            ranked.append((score, -profile.position, Ranked(centre, score, open_then)))
        ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [item[2] for item in ranked[:MAX_RESULTS]]

    @staticmethod
    def _word_bonus(free_words: set[str], profile: _Profile) -> float:
        in_name = sum(1 for word in free_words if word[:_NAME_PREFIX] in profile.name_prefixes)
        in_description = sum(1 for word in free_words if word in profile.description_words)
        return min(1.0, 0.5 * in_name) + min(0.45, 0.15 * in_description)

    @staticmethod
    def _person_bonus(query: Query, centre: Centre, reply_language: str) -> float:
        bonus = 0.0
        if query.town is not None and centre.town == query.town:
            bonus += 0.4
        if query.wanted_languages and query.wanted_languages <= set(centre.languages):
            bonus += 0.5
        if reply_language in centre.languages:
            bonus += 0.15
        has_age_range = centre.age_min is not None or centre.age_max is not None
        if query.age is not None and has_age_range:
            bonus += 0.3
        elif query.age is None and has_age_range and "youth" not in query.topics:
            bonus -= 0.1
        return bonus
