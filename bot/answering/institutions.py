"""German institutions users name, how directories spell them, and the topics they imply."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Institution:
    """A kind of office or provider that centre names reveal."""

    name_parts: tuple[str, ...]
    topics: tuple[str, ...]


# Keys match the ``institutions`` section of the lexicons; name parts are folded German.
INSTITUTIONS: dict[str, Institution] = {
    "jobcenter": Institution(("jobcenter", "job center", "jobcentre"), ("work",)),
    "auslaenderbehoerde": Institution(
        ("auslanderbehorde", "auslanderamt", "zuwanderungsbehorde", "auslanderwesen"),
        ("residence",),
    ),
    "agentur_fuer_arbeit": Institution(("agentur fur arbeit", "arbeitsagentur"), ("work",)),
    "bamf": Institution(("bamf", "bundesamt fur migration"), ("asylum",)),
    "vhs": Institution(("volkshochschule", "vhs"), ("language_course", "integration_course")),
    "gesundheitsamt": Institution(("gesundheitsamt",), ("health",)),
    "jugendamt": Institution(("jugendamt",), ("family", "youth")),
    "sozialamt": Institution(("sozialamt",), ("housing",)),
    "familienkasse": Institution(("familienkasse",), ("family",)),
    "standesamt": Institution(("standesamt",), ("family",)),
    "schuldnerberatung": Institution(
        ("schuldnerberatung", "schuldenberatung", "insolvenzberatung"), ("debt",)
    ),
    "frauenhaus": Institution(
        ("frauenhaus", "frauenberatung", "frauennotruf"), ("violence_protection", "women")
    ),
    "migrationsberatung": Institution(
        ("migrationsberatung", "mbe"), ("residence", "work", "family")
    ),
    "jugendmigrationsdienst": Institution(("jugendmigrationsdienst", "jmd"), ("youth",)),
    "integrationszentrum": Institution(
        ("integrationszentrum",), ("community", "mso_support", "funding")
    ),
    "anerkennungsstelle": Institution(("anerkennung",), ("recognition",)),
    "schwangerschaftsberatung": Institution(("schwangerschaft", "schwangeren"), ("pregnancy",)),
    "erziehungsberatung": Institution(("erziehungsberatung", "familienberatung"), ("family",)),
    "rathaus": Institution(("rathaus", "burgerburo", "burgeramt", "stadtverwaltung"), ()),
    "caritas": Institution(("caritas",), ()),
    "diakonie": Institution(("diakonie", "diakonisch"), ()),
    "awo": Institution(("awo", "arbeiterwohlfahrt"), ()),
    "drk": Institution(("drk", "rotes kreuz", "roten kreuz"), ()),
    "polizei": Institution(("polizei",), ("violence_protection",)),
}
