"""Finding the town or region a question names, in any script or grammatical case."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.answering.normalize import fold, script, variants
from bot.answering.phonetic import german_sounds, latin_skeleton, skeletons, sounds
from bot.directory.model import Directory

_GENERIC = {"kreis", "landkreis", "stadt", "region", "stadteregion", "gemeinde"}
_PREFIXES = {"bad", "sankt", "st"}


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the question: as typed, and folded."""

    raw: str
    folded: str


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """A place found in the question."""

    region: str
    town: str | None
    score: float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Entry:
    words: tuple[str, ...]
    skeleton: str
    sound: str
    region: str
    town: str | None


def _name_words(name: str) -> tuple[str, ...]:
    return tuple(word for word in fold(name).replace("-", " ").replace(".", " ").split() if word)


# Ukrainian and Russian change a town's last consonant in the locative: Зігбург → у Зігбурзі.
_LOCATIVE_MUTATIONS = (("зі", "г"), ("ці", "к"), ("сі", "х"), ("жі", "г"))


def _spellings(word: str, kind: str) -> tuple[str, ...]:
    """The word as typed plus forms without clitics or case changes."""
    if kind == "arabic":
        return variants(word)
    if kind == "cyrillic":
        found = [word]
        found.extend(
            word[: -len(ending)] + base
            for ending, base in _LOCATIVE_MUTATIONS
            if word.endswith(ending)
        )
        return tuple(found)
    return (word,)


class PlaceIndex:
    """All towns and regions of a directory, ready to be recognised in questions."""

    def __init__(self, directory: Directory, common_words: frozenset[str]) -> None:
        self._common = common_words
        named: list[tuple[tuple[str, ...], str, str | None]] = []
        for region in directory.regions:
            for town in region.towns:
                named.append((_name_words(town), region.key, town))
            region_words = tuple(w for w in _name_words(region.name) if w not in _GENERIC)
            for words in (region_words, _name_words(region.key)):
                if words:
                    named.append((words, region.key, None))
        aliases = self._aliases(named)
        self._entries = [
            _Entry(
                words=words,
                skeleton=latin_skeleton("".join(words)),
                sound=german_sounds("".join(words)),
                region=region,
                town=town,
            )
            for words, region, town in named + aliases
        ]
        self._by_words = {entry.words: entry for entry in self._entries}
        self._by_size: dict[int, list[_Entry]] = {}
        for entry in self._entries:
            self._by_size.setdefault(len(entry.words), []).append(entry)
        self._longest = max((len(entry.words) for entry in self._entries), default=1)

    @staticmethod
    def _aliases(
        named: list[tuple[tuple[str, ...], str, str | None]],
    ) -> list[tuple[tuple[str, ...], str, str | None]]:
        """Shorter ways people name multi-word towns ("Honnef", "St. Augustin")."""
        candidates: list[tuple[tuple[str, ...], str, str | None]] = []
        for words, region, town in named:
            if town is None or len(words) < 2:
                continue
            if words[0] == "sankt":
                candidates.append((("st", *words[1:]), region, town))
            if words[0] in _PREFIXES:
                candidates.append((words[1:], region, town))
            candidates.extend(((part,), region, town) for part in words if len(part) >= 6)
        existing = {words for words, _, _ in named}
        counts = Counter(words for words, _, _ in candidates)
        return [item for item in candidates if counts[item[0]] == 1 and item[0] not in existing]

    def find(self, tokens: list[Token]) -> list[PlaceMatch]:
        """Places named in ``tokens``, best first; towns before regions on a tie."""
        found: list[PlaceMatch] = []
        taken: set[int] = set()
        for size in range(self._longest, 0, -1):
            for start in range(len(tokens) - size + 1):
                if any(index in taken for index in range(start, start + size)):
                    continue
                gram = tokens[start : start + size]
                match = self._match(gram)
                if match is not None:
                    entry, score = match
                    found.append(PlaceMatch(entry.region, entry.town, score, start, start + size))
                    taken.update(range(start, start + size))
        return sorted(found, key=lambda m: (-m.score, m.town is None, m.start))

    def _match(self, gram: list[Token]) -> tuple[_Entry, float] | None:
        folded = tuple(token.folded for token in gram)
        exact = self._by_words.get(folded)
        if exact is not None and self._plausible_exact(gram):
            return exact, 1.0
        if len(gram) == 1 and gram[0].folded in self._common:
            return None
        joined = "".join(folded)
        kind = script(joined)
        if kind == "latin" and (len(joined) < 5 or joined.isdigit()):
            return None
        best: tuple[_Entry, float] | None = None
        for candidate in _spellings(joined, kind):
            for entry in self._by_size.get(len(gram), ()):
                score = self._similarity(candidate, kind, entry)
                if score and (best is None or score > best[1]):
                    best = (entry, score)
        return best

    def _plausible_exact(self, gram: list[Token]) -> bool:
        """A town that is also a common word ("Much", "Lotte") counts only when capitalised."""
        if len(gram) > 1 or gram[0].folded not in self._common:
            return True
        return gram[0].raw[:1].isupper()

    @staticmethod
    def _similarity(word: str, kind: str, entry: _Entry) -> float:
        if kind == "latin":
            name = "".join(entry.words)
            if len(name) >= 5 and word.startswith(name) and len(word) - len(name) <= 4:
                return 0.85
            limit = 1 if len(name) < 9 else 2
            if len(name) >= 5 and Levenshtein.distance(word, name, score_cutoff=limit) <= limit:
                return 0.8
        options = skeletons(word)
        wanted = entry.skeleton
        if len(wanted) < 2:
            return 0.0
        if wanted not in options and not (
            len(wanted) >= 4
            and any(
                option.startswith(wanted) and len(option) - len(wanted) <= 1 for option in options
            )
        ):
            return 0.0
        heard = sounds(word)[: len(entry.sound) + 2]
        similarity = Levenshtein.normalized_similarity(heard, entry.sound)
        needed = 0.5 if len(wanted) >= 4 else 0.7
        return 0.5 + 0.4 * similarity if similarity >= needed else 0.0
