"""The answering service: question text in, a localized answer out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from bot.answering.lexicon import Lexicon
from bot.answering.places import PlaceIndex
from bot.answering.ranking import Ranked, Ranker
from bot.answering.render import (
    SMALLTALK_ORDER,
    smalltalk_text,
    write_centre,
    write_emergency,
    write_ki_contact,
)
from bot.answering.understand import Query, Understanding, tokenize
from bot.config import ContactConfig
from bot.core.builder import ReplyBuilder
from bot.core.messages import Reply, Span, Style
from bot.directory.model import Centre, Directory
from bot.i18n import Catalogs, _
from bot.i18n.locales import SOURCE_LOCALE, is_rtl, shipped

_EMERGENCY_TOPICS = {
    "violence": "violence_protection",
    "suicide": "health",
    "medical": "health",
    "fire": None,
}


class AnswerKind(Enum):
    """What sort of answer the bot gives."""

    CENTRES = "centres"
    EMERGENCY = "emergency"
    SMALLTALK = "smalltalk"
    NOTHING = "nothing"
    NEED_REGION = "need_region"


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer with what it was based on."""

    kind: AnswerKind
    detected_language: str | None
    locale: str
    query: Query
    centres: tuple[Ranked, ...]
    reply: Reply

    @property
    def centre_ids(self) -> list[str]:
        """Ids of the centres shown, best first."""
        return [ranked.centre.id for ranked in self.centres]


class AnsweringService:
    """Understands questions and answers them from one directory."""

    def __init__(
        self,
        directory: Directory,
        lexicon: Lexicon,
        catalogs: Catalogs,
        contact: ContactConfig,
    ) -> None:
        self.directory = directory
        self._lexicon = lexicon.with_topic_definitions(directory.topic_definitions)
        self._catalogs = catalogs
        self._contact = contact
        self._places = PlaceIndex(directory, lexicon.all_common)
        self._understanding = Understanding(self._lexicon, self._places)
        self._ranker = Ranker(directory, lexicon.all_common, self._topics_in)

    def _topics_in(self, text: str) -> set[str]:
        return set(self._understanding.read(text).topics)

    def detect_locale(self, text: str) -> str | None:
        """The shipped locale the text is written in, if the bot speaks it."""
        return shipped(self._understanding.read(text).language)

    def find_place(self, text: str) -> tuple[str, str | None] | None:
        """The (region, town) that ``text`` names, if any."""
        found = self._places.find(tokenize(text))
        return (found[0].region, found[0].town) if found else None

    def answer(
        self,
        text: str,
        *,
        now: datetime,
        locale: str | None = None,
        region: str | None = None,
        may_ask_region: bool = False,
    ) -> Answer:
        """Answer ``text``.

        Args:
            now: the current time (aware).
            locale: the user's chosen locale; None to reply in the detected language.
            region: the user's stored region, used when the question names no place.
            may_ask_region: return ``NEED_REGION`` when the region matters and is unknown.
        """
        query = self._understanding.read(text)
        reply_locale = locale or shipped(query.language) or SOURCE_LOCALE
        with self._catalogs.use(reply_locale):
            return self._answer(query, reply_locale, region, may_ask_region, now)

    def answer_topic(
        self, topic: str, *, now: datetime, locale: str, region: str | None = None
    ) -> Answer:
        """The centres for one topic (from a deep link or a menu), in ``locale``."""
        query = Query(language=None, topics={topic: 1.0}, institutions=frozenset())
        with self._catalogs.use(locale):
            return self._answer(query, locale, region, False, now)

    def emergency_reply(self, text: str, now: datetime, locale: str) -> Reply | None:
        """The emergency numbers when ``text`` describes an emergency, else None."""
        query = self._understanding.read(text)
        if not query.emergencies:
            return None
        with self._catalogs.use(locale):
            return self._answer(query, locale, None, False, now).reply

    def _answer(
        self,
        query: Query,
        locale: str,
        stored_region: str | None,
        may_ask_region: bool,
        now: datetime,
    ) -> Answer:
        region = query.region or (
            stored_region if self.directory.region(stored_region or "") else None
        )
        builder = ReplyBuilder(is_rtl(locale))

        def done(kind: AnswerKind, centres: list[Ranked]) -> Answer:
            return Answer(kind, query.language, locale, query, tuple(centres), builder.build())

        if query.emergencies:
            write_emergency(builder, query.emergencies)
            topics = {
                topic
                for kind in query.emergencies
                if (topic := _EMERGENCY_TOPICS.get(kind)) is not None
            }
            helpers = self._ranker.rank(
                Query(query.language, {t: 1.0 for t in topics}, frozenset(), region, query.town),
                region,
                locale,
                now,
            )[:2]
            if helpers:
                builder.blank().line(_("Advice and support afterwards:"))
                self._write_centres(builder, helpers, query, locale, now)
            return done(AnswerKind.EMERGENCY, helpers)
        if not query.topics and not query.institutions:
            if query.smalltalk:
                kind = next(k for k in SMALLTALK_ORDER if k in query.smalltalk)
                builder.line(smalltalk_text(kind))
                return done(AnswerKind.SMALLTALK, [])
            return self._nothing(builder, query, region, done)
        if region is None and may_ask_region and self._regions_differ(query, locale, now):
            return done(AnswerKind.NEED_REGION, [])
        ranked = self._ranker.rank(query, region, locale, now)
        if not ranked:
            return self._nothing(builder, query, region, done)
        intro = (
            _("These advice centres can help you:")
            if len(ranked) > 1
            else _("This advice centre can help you:")
        )
        builder.line(Span(intro, Style.BOLD))
        self._write_centres(builder, ranked, query, locale, now)
        return done(AnswerKind.CENTRES, ranked)

    def _write_centres(
        self, builder: ReplyBuilder, ranked: list[Ranked], query: Query, locale: str, now: datetime
    ) -> None:
        for number, item in enumerate(ranked, start=1):
            builder.blank()
            write_centre(
                builder,
                number,
                item,
                now=now,
                timezone=self.directory.timezone,
                locale=locale,
                show_contact=query.contact,
                show_week=query.when is not None,
                matched_topics=frozenset(query.topics),
            )

    def _regions_differ(self, query: Query, locale: str, now: datetime) -> bool:
        """True when the answer depends on the region (centres in more than one)."""
        if len(self.directory.regions) < 2:
            return False
        return len({r.centre.region for r in self._ranker.rank(query, None, locale, now)}) > 1

    def _nothing(
        self,
        builder: ReplyBuilder,
        query: Query,
        region: str | None,
        done: Callable[[AnswerKind, list[Ranked]], Answer],
    ) -> Answer:
        if query.topics or query.institutions:
            builder.line(_("I am sorry, I found no advice centre for this in your region."))
        else:
            builder.line(
                _("I am sorry, I could not find an advice centre that fits your question.")
            )
        builder.line(_("The Kommunales Integrationszentrum can help you further:"))
        builder.blank()
        write_ki_contact(builder, self._ki_centre(region), self._contact)
        builder.blank()
        builder.line(
            _(
                "Tip: name the topic (for example residence permit, job, German course) "
                "and your town."
            )
        )
        return done(AnswerKind.NOTHING, [])

    def _ki_centre(self, region: str | None) -> Centre | None:
        candidates = [
            centre
            for centre in self.directory.centres
            if "integrationszentrum" in centre.name.casefold()
            and (region is None or centre.region == region)
        ]
        return candidates[0] if candidates else None
