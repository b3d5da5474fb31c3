"""Display names of the fixed topic taxonomy, translated through gettext."""

from __future__ import annotations

from bot.i18n import N_, _

_NAMES = {
    "asylum": N_("asylum"),
    "residence": N_("residence and naturalisation"),
    "work": N_("work and job search"),
    "recognition": N_("recognition of qualifications"),
    "language_course": N_("German courses"),
    "integration_course": N_("integration courses"),
    "youth": N_("young people"),
    "family": N_("family and children"),
    "women": N_("women"),
    "violence_protection": N_("protection from violence"),
    "pregnancy": N_("pregnancy"),
    "health": N_("health"),
    "housing": N_("housing"),
    "debt": N_("debt"),
    "school_education": N_("school and education"),
    "discrimination": N_("discrimination"),
    "community": N_("community and meeting people"),
    "mso_support": N_("support for migrant organisations"),
    "funding": N_("funding"),
    "translation_help": N_("interpreting and translation"),
}


def topic_name(key: str) -> str:
    """The topic's name in the active locale."""
    return _(_NAMES[key]) if key in _NAMES else key
