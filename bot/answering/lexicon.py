"""Multilingual keyword lexicons (``lexicon/<lang>.yaml``) and matching them in a question.

The format is described in ``lexicon/FORMAT.md``. All files are matched at once,
because users mix languages ("ich brauche help mit Jobcenter").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.answering.normalize import fold, script, variants
from bot.answering.normalize import words as split_words
from bot.answering.places import Token

CATEGORIES = ("topics", "institutions", "emergency", "smalltalk", "intents", "language_names")
_MIN_STEM = 3
_CACHE_LIMIT = 20_000
_FUZZY_MIN = 6
_DEFINITION_MIN = 6
_COMPOUND_MIN = 6
_DEFINITION_WEIGHT = 0.6
_GENERIC_GERMAN = frozenset(
    {"beratung", "angebote", "angebot", "hilfen", "unterstutzung", "fragen", "menschen",
     "behorden", "behorde", "themen", "bereich", "leistungen", "zugang", "speziell", "personen"}
)  # fmt: skip
_MAX_SUFFIX = 3
_MIN_ARABIC_STEM = 3
# Possessive and plural endings of Persian and Arabic (folded spelling), longest first.
_ARABIC_SCRIPT_SUFFIXES = (
    "هاي", "شان", "تان", "مان", "ها", "ام", "اش", "ات", "كم", "هم", "نا", "ني", "ي", "م",
    "ت", "ش", "ك", "ه",
)  # fmt: skip
_MIN_INFLECTED = 5


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry: the words to match and what they mean."""

    words: tuple[str, ...]
    prefix: bool
    category: str
    key: str
    language: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Hit:
    """A term found in a question, with how strongly it matched."""

    term: Term
    start: int
    end: int
    strength: float


def _terms_of(language: str, data: dict[str, Any]) -> list[Term]:
    terms: list[Term] = []
    for category in CATEGORIES:
        for key, entries in (data.get(category) or {}).items():
            for entry in entries or ():
                text = str(entry).strip()
                prefix = text.endswith("*")
                words = tuple(split_words(text.rstrip("*")))
                if words and (not prefix or len(words[-1]) >= _MIN_STEM):
                    terms.append(Term(words, prefix, category, str(key), language))
    return terms


def load_lexicon_files() -> dict[str, dict[str, Any]]:
    """Read every shipped lexicon file, keyed by language code."""
    folder = resources.files("bot.answering").joinpath("lexicon")
    result: dict[str, dict[str, Any]] = {}
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
            result[item.name.removesuffix(".yaml")] = data
    return result


class Lexicon:
    """All terms of all languages, indexed for fast matching."""

    def __init__(self, files: dict[str, dict[str, Any]], extra: tuple[Term, ...] = ()) -> None:
        self._files = files
        self.common: dict[str, frozenset[str]] = {
            language: frozenset(fold(str(word)) for word in data.get("common") or ())
            for language, data in files.items()
        }
        self.languages = tuple(files)
        self._first: dict[str, list[Term]] = defaultdict(list)
        self._stems: dict[str, list[Term]] = defaultdict(list)
        compounds: list[tuple[str, Term]] = []
        fuzzy: dict[str, list[Term]] = defaultdict(list)
        terms = [term for language, data in files.items() for term in _terms_of(language, data)]
        for term in [*terms, *extra]:
            first = term.words[0]
            if term.prefix and len(term.words) == 1:
                self._stems[first].append(term)
            else:
                self._first[first].append(term)
            if len(term.words) == 1 and script(first) != "arabic":
                if len(first) >= _FUZZY_MIN:
                    fuzzy[first].append(term)
                if term.language == "de" and len(first) >= _COMPOUND_MIN:
                    compounds.append((first, term))
        self._compounds = compounds
        self._fuzzy = dict(fuzzy)
        self._fuzzy_words = list(fuzzy)
        self._fuzzy_cache: dict[str, str | None] = {}
        self.all_common: frozenset[str] = frozenset().union(*self.common.values())
        self._known = frozenset(self._first) | frozenset(self._stems)

    def with_topic_definitions(self, definitions: dict[str, str]) -> Lexicon:
        """This lexicon plus the new words of a directory's German topic definitions.

        Only single words that no lexicon knows yet are added, with a lower weight,
        so that a directory can teach local terms without overruling the lexicons.
        """
        extra = []
        for topic, definition in definitions.items():
            for item in re.split(r"[,;:()/]|\bund\b|\boder\b|\bsowie\b", definition):
                parts = split_words(item)
                if len(parts) != 1 or len(parts[0]) < _DEFINITION_MIN:
                    continue
                word = parts[0]
                if word in self._known or word in self.all_common or word in _GENERIC_GERMAN:
                    continue
                extra.append(Term((word,), False, "topics", topic, "de", _DEFINITION_WEIGHT))
        return Lexicon(self._files, tuple(extra))

    def scan(self, tokens: list[Token]) -> list[Hit]:
        """Every term found in ``tokens``."""
        hits: list[Hit] = []
        for index, token in enumerate(tokens):
            found = self._at(tokens, index)
            if not found:
                found = self._inflected(token.folded, index)
            if (
                not found
                and len(token.folded) >= _FUZZY_MIN
                and script(token.folded) == "latin"
                and token.folded not in self.all_common
            ):
                found = self._approximate(token.folded, index)
            hits.extend(found)
        return hits

    def _at(self, tokens: list[Token], index: int) -> list[Hit]:
        hits: list[Hit] = []
        for word in variants(tokens[index].folded):
            for term in self._first.get(word, ()):
                end = self._match_rest(term, tokens, index)
                if end is not None:
                    strength = 1.0 + 0.15 * (len(term.words) - 1)
                    hits.append(Hit(term, index, end, strength * term.weight))
            for length in range(_MIN_STEM, len(word) + 1):
                for term in self._stems.get(word[:length], ()):
                    strength = 0.9 if length >= 5 else 0.8
                    hits.append(Hit(term, index, index + 1, strength * term.weight))
        return hits

    @staticmethod
    def _match_rest(term: Term, tokens: list[Token], index: int) -> int | None:
        if index + len(term.words) > len(tokens):
            return None
        for offset, expected in enumerate(term.words[1:], start=1):
            actual = variants(tokens[index + offset].folded)
            last = offset == len(term.words) - 1
            if last and term.prefix:
                if not any(word.startswith(expected) for word in actual):
                    return None
            elif expected not in actual:
                return None
        return index + len(term.words)

    def _inflected(self, word: str, index: int) -> list[Hit]:
        """Whole-word terms followed by a suffix (Kurdish -ya, Turkish -ler, Persian -ها, …)."""
        if script(word) == "arabic":
            stems = [
                stem
                for base in variants(word)
                for suffix in _ARABIC_SCRIPT_SUFFIXES
                if base.endswith(suffix) and len(stem := base[: -len(suffix)]) >= _MIN_ARABIC_STEM
            ]
        else:
            cuts = range(1, min(_MAX_SUFFIX, len(word) - _MIN_INFLECTED) + 1)
            stems = [word[:-cut] for cut in cuts]
        for stem in stems:
            terms = [term for term in self._first.get(stem, ()) if len(term.words) == 1]
            if terms:
                return [Hit(term, index, index + 1, 0.8 * term.weight) for term in terms]
        return []

    def _approximate(self, word: str, index: int) -> list[Hit]:
        hits = [
            Hit(term, index, index + 1, 0.7 * term.weight)
            for part, term in self._compounds
            if part in word and not word.startswith(part)
        ]
        match = self._closest(word)
        if match is not None:
            hits.extend(
                Hit(term, index, index + 1, 0.7 * term.weight) for term in self._fuzzy[match]
            )
        return hits

    def _closest(self, word: str) -> str | None:
        """The lexicon word within one or two typos of ``word`` (same first letter)."""
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        limit = 1 if len(word) < 9 else 2
        result = process.extractOne(
            word, self._fuzzy_words, scorer=Levenshtein.distance, score_cutoff=limit
        )
        candidate = result[0] if result is not None and result[0][:1] == word[:1] else None
        if len(self._fuzzy_cache) > _CACHE_LIMIT:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = candidate
        return candidate
