"""Who an announcement is for, written as a short expression.

An expression is a comma-separated list of terms, for example
``mso,region:steinfurt,lang:ar,lang:uk``:

- one group: ``all`` (default), ``newcomers`` (everyone who is not an MSO
  contact), ``mso`` (MSO contacts), ``subscribers:events`` or
  ``subscribers:arbeitskreis`` (subscribers of a channel);
- filters: ``region:KEY``, ``town:NAME``, ``lang:CODE``. Terms of one kind
  are alternatives (``lang:ar,lang:uk``: Arabic or Ukrainian); different
  kinds must all hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _
from bot.i18n.locales import SHIPPED_LOCALES, language_name

GROUPS = ("all", "newcomers", "mso", "subscribers")
CHANNELS = ("events", "arbeitskreis")

GROUP_NAMES = {
    "all": N_("Everyone"),
    "newcomers": N_("Newcomers (not MSO contacts)"),
    "mso": N_("MSO contacts"),
    "subscribers:events": N_("Subscribers of event notices"),
    "subscribers:arbeitskreis": N_("Subscribers of Arbeitskreis notices"),
}


class AudienceError(ValueError):
    """The expression cannot be read; the message says which term and why."""


@dataclass(frozen=True, slots=True)
class Audience:
    """A group, narrowed by regions, towns and languages (empty: no narrowing)."""

    group: str = "all"
    channel: str = ""
    regions: tuple[str, ...] = ()
    towns: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @property
    def group_key(self) -> str:
        """``all``, ``mso`` … or ``subscribers:CHANNEL``."""
        return f"{self.group}:{self.channel}" if self.group == "subscribers" else self.group

    def expression(self) -> str:
        """The audience written back as an expression."""
        terms = [self.group_key]
        terms += [f"region:{key}" for key in self.regions]
        terms += [f"town:{town}" for town in self.towns]
        terms += [f"lang:{code}" for code in self.languages]
        return ",".join(terms)

    def describe(self, locale: str, region_names: dict[str, str]) -> str:
        """The audience in words, in the active gettext locale."""
        parts = [_(GROUP_NAMES[self.group_key])]
        if self.regions:
            parts.append(", ".join(region_names.get(key, key) for key in self.regions))
        if self.towns:
            parts.append(", ".join(self.towns))
        if self.languages:
            parts.append(", ".join(language_name(code, locale) for code in self.languages))
        return " · ".join(parts)


def parse_audience(expression: str, regions: dict[str, tuple[str, ...]]) -> Audience:
    """Read an expression against the directory's regions (key → towns).

    Raises:
        AudienceError: for an unknown group, region, town or language, or two groups.
    """
    group, channel = "", ""
    chosen_regions: list[str] = []
    towns: list[str] = []
    languages: list[str] = []
    known_towns = {town.casefold(): town for names in regions.values() for town in names}
    for raw in expression.split(","):
        term = raw.strip()
        if not term:
            continue
        kind, _sep, value = term.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if kind in GROUPS:
            if group:
                raise AudienceError(f"{term!r}: only one group (all, newcomers, mso, subscribers)")
            group = kind
            if kind == "subscribers":
                channel = value.lower() or "events"
                if channel not in CHANNELS:
                    raise AudienceError(f"{term!r}: channels are {', '.join(CHANNELS)}")
            elif value:
                raise AudienceError(f"{term!r}: {kind} takes no value")
        elif kind == "region":
            if value.lower() not in regions:
                raise AudienceError(f"{term!r}: regions are {', '.join(regions) or 'none'}")
            chosen_regions.append(value.lower())
        elif kind == "town":
            if value.casefold() not in known_towns:
                raise AudienceError(f"{term!r}: no such town in the directory")
            towns.append(known_towns[value.casefold()])
        elif kind in ("lang", "language"):
            if value.lower() not in SHIPPED_LOCALES:
                raise AudienceError(f"{term!r}: languages are {', '.join(SHIPPED_LOCALES)}")
            languages.append(value.lower())
        else:
            raise AudienceError(
                f"{term!r}: expected all, newcomers, mso, subscribers:CHANNEL, "
                "region:KEY, town:NAME or lang:CODE"
            )
    return Audience(
        group or "all", channel, _unique(chosen_regions), _unique(towns), _unique(languages)
    )


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
