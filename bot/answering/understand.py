"""From a question's text to a structured :class:`Query`."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from babel.dates import get_day_names

from bot.answering.language import detect_language
from bot.answering.lexicon import Hit, Lexicon
from bot.answering.normalize import fold
from bot.answering.places import PlaceIndex, Token
from bot.i18n.locales import babel_locale

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_AGE_WINDOW = 3
_PARTS_OF_DAY = {"morning": (8, 12), "afternoon": (12, 18), "evening": (17, 21)}


@dataclass(frozen=True, slots=True)
class TimeAsk:
    """When the user wants a centre to be open."""

    now: bool = False
    weekday: int | None = None
    days_ahead: int | None = None
    hours: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """What a question asks, as far as the bot understood it."""

    language: str | None
    topics: dict[str, float]
    institutions: frozenset[str]
    region: str | None = None
    town: str | None = None
    age: int | None = None
    wanted_languages: frozenset[str] = frozenset()
    when: TimeAsk | None = None
    contact: bool = False
    human: bool = False
    emergencies: frozenset[str] = frozenset()
    smalltalk: frozenset[str] = frozenset()
    words: tuple[str, ...] = field(default=())


def tokenize(text: str) -> list[Token]:
    """The words of ``text`` as typed and folded."""
    return [Token(raw, fold(raw)) for raw in _WORD.findall(text)]


def _weekday_names(languages: tuple[str, ...]) -> dict[str, int]:
    names: dict[str, int] = {}
    for language in languages:
        locale = babel_locale(language)
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for index, name in get_day_names(width, context, locale).items():
                    folded = fold(str(name)).rstrip(".")
                    if len(folded) >= 4 or width == "wide":
                        names.setdefault(folded, index)
    return names


class Understanding:
    """Turns question text into a :class:`Query` using lexicons and the directory's places."""

    def __init__(self, lexicon: Lexicon, places: PlaceIndex) -> None:
        self._lexicon = lexicon
        self._places = places
        self._weekdays = _weekday_names(lexicon.languages)

    def read(self, text: str) -> Query:
        """Understand one question."""
        tokens = tokenize(text)
        hits = self._lexicon.scan(tokens)
        places = self._places.find(tokens)
        place_positions = {i for match in places for i in range(match.start, match.end)}
        hits = [hit for hit in hits if hit.start not in place_positions]
        strongest: dict[tuple[str, str, int], float] = {}
        for hit in hits:
            slot = (hit.term.category, hit.term.key, hit.start)
            strongest[slot] = max(strongest.get(slot, 0.0), hit.strength)
        by_category: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for (category, key, _start), strength in strongest.items():
            by_category[category][key] += strength
        intents = by_category["intents"]
        topics = dict(by_category["topics"])
        wanted = frozenset(by_category["language_names"])
        if "language_course" in topics or "integration_course" in topics:
            wanted -= {"de"}
        best_place = places[0] if places else None
        return Query(
            language=detect_language(text, tokens, hits, self._lexicon),
            topics=topics,
            institutions=frozenset(by_category["institutions"]),
            region=best_place.region if best_place else None,
            town=best_place.town if best_place else None,
            age=self._age(tokens, hits),
            wanted_languages=wanted,
            when=self._when(tokens, intents),
            contact="contact" in intents,
            human="human" in intents,
            emergencies=self._emergencies(by_category["emergency"], topics, intents),
            smalltalk=frozenset(by_category["smalltalk"]),
            words=tuple(t.folded for i, t in enumerate(tokens) if i not in place_positions),
        )

    @staticmethod
    def _emergencies(
        found: dict[str, float], topics: dict[str, float], intents: dict[str, float]
    ) -> frozenset[str]:
        """Acute danger: emergency phrases, or violence words together with "right now"."""
        kinds = set(found)
        if "violence_protection" in topics and "now" in intents:
            kinds.add("violence")
        return frozenset(kinds)

    @staticmethod
    def _age(tokens: list[Token], hits: list[Hit]) -> int | None:
        cue_positions = [
            hit.start for hit in hits if hit.term.category == "intents" and hit.term.key == "age"
        ]
        for index, token in enumerate(tokens):
            digits = re.fullmatch(r"(\d{1,2})(?:[a-z]{0,3})", token.folded)
            if digits is None:
                continue
            value = int(digits.group(1))
            near = any(abs(position - index) <= _AGE_WINDOW for position in cue_positions)
            if near and 5 <= value <= 99:
                return value
        return None

    def _when(self, tokens: list[Token], intents: dict[str, float]) -> TimeAsk | None:
        weekday = next(
            (self._weekdays[t.folded] for t in tokens if t.folded in self._weekdays), None
        )
        days_ahead = 0 if "today" in intents else 1 if "tomorrow" in intents else None
        hours = next((span for part, span in _PARTS_OF_DAY.items() if part in intents), None)
        now = "now" in intents
        if weekday is None and days_ahead is None and hours is None and not now:
            return TimeAsk(now=True) if "hours" in intents else None
        return TimeAsk(now=now, weekday=weekday, days_ahead=days_ahead, hours=hours)
