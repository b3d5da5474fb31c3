"""Guessing the language of a question from its script, letters and words."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from bot.answering.lexicon import Hit, Lexicon
from bot.answering.normalize import script
from bot.answering.places import Token

_SCRIPTS = {
    "ar": "arabic", "fa": "arabic", "ckb": "arabic", "ps": "arabic", "ur": "arabic",
    "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic",
}  # fmt: skip
_LATIN_WRITERS_OF_ARABIC_SCRIPT = {"ar", "fa"}  # Arabizi, Finglish
_LETTER_HINTS: tuple[tuple[str, str, float], ...] = (
    ("[پچژگیک]", "fa", 2.0),
    ("[ةىيك]", "ar", 1.5),
    ("[ڕڵێۆە]", "ckb", 3.0),
    ("[іїєґ]", "uk", 3.0),
    ("[ыэъё]", "ru", 3.0),
    ("[ğı]", "tr", 2.5),
    ("[äöüß]", "de", 1.0),
    ("[êîû]", "ku", 1.0),
    ("[éèàùœâ]", "fr", 1.5),
)
# On a tie, the language more users of a German KI write in wins.
_PRIOR = ("de", "en", "ar", "uk", "ru", "tr", "fa", "fr", "ku", "ckb")
_ARABIZI = re.compile(r"[a-z]+[2356789]|[2356789][a-z]+")


def detect_language(
    raw: str, tokens: list[Token], hits: list[Hit], lexicon: Lexicon
) -> str | None:
    """The most likely language of the question, or None when nothing tells."""
    scores: dict[str, float] = defaultdict(float)
    for token in tokens:
        for language, common in lexicon.common.items():
            if token.folded in common:
                scores[language] += 1.0
        if _ARABIZI.search(token.folded):
            scores["ar"] += 2.0
    for hit in hits:
        scores[hit.term.language] += 0.6 * len(hit.term.words)
    lowered = raw.lower()
    for pattern, language, weight in _LETTER_HINTS:
        scores[language] += weight * min(3, len(re.findall(pattern, lowered)))
    scripts = Counter(script(token.folded) for token in tokens if not token.folded.isdigit())
    if not scripts:
        return None
    main_script = scripts.most_common(1)[0][0]
    allowed = {
        language
        for language in scores
        if _SCRIPTS.get(language, "latin") == main_script
        or (main_script == "latin" and language in _LATIN_WRITERS_OF_ARABIC_SCRIPT)
    }
    ranked = [
        (
            scores[language],
            -_PRIOR.index(language) if language in _PRIOR else -len(_PRIOR),
            language,
        )
        for language in allowed
        if scores[language] > 0
    ]
    if ranked:
        return max(ranked)[2]
    return {"arabic": "ar", "cyrillic": "ru"}.get(main_script)
