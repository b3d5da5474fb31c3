"""``/stats`` for staff: questions of the last weeks per topic, language and region.

Counts only, no person; counts below five are shown as "< 5".
"""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.core.context import Context
from bot.core.messages import Reply
from bot.directory.topics import topic_name
from bot.i18n import _
from bot.i18n.locales import babel_locale, language_name
from bot.storage.stats_repository import MIN_CELL, NO_REGION, StatCell, week_of

WEEKS = 4


def _number(value: int | None, locale: str) -> str:
    if value is None:
        return f"< {format_decimal(MIN_CELL, locale=babel_locale(locale))}"
    return format_decimal(value, locale=babel_locale(locale))


def _label(by: str, key: str, context: Context) -> str:
    if by == "topic":
        special = {
            "emergency": _("emergencies"),
            "unanswered": _("not answered"),
            "handover": _("passed to staff"),
            "institution": _("a named office"),
        }
        return special.get(key) or topic_name(key)
    if by == "locale":
        return language_name(key, context.locale)
    region = context.services.answering.directory.region(key)
    if key == NO_REGION or region is None:
        return _("no region given")
    return region.name


async def stats(context: Context) -> list[Reply]:
    """The last four weeks (this one included), small counts hidden."""
    repository = context.services.stats
    since = week_of(context.now) - timedelta(weeks=WEEKS - 1)
    locale = context.locale
    start = format_date(since, "medium", locale=babel_locale(locale))
    lines = ["📊 " + _("Questions since {date} (counts below 5 are hidden):").format(date=start)]
    headings = (
        ("topic", _("By topic")),
        ("locale", _("By language")),
        ("region", _("By region")),
    )
    total: int | None = None
    for by, heading in headings:
        cells: list[StatCell]
        cells, total = await repository.table(since, by)
        lines += ["", heading + ":"]
        lines += [f"• {_label(by, c.key, context)}: {_number(c.count, locale)}" for c in cells]
        if not cells:
            lines.append("• " + _("no questions yet"))
    lines += ["", _("Total: {count}").format(count=_number(total, locale))]
    return context.reply("\n".join(lines))
