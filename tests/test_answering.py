"""What a newcomer sees when asking: the right centres, in their language, honestly."""

from __future__ import annotations

from datetime import datetime

from bot.answering.service import AnsweringService
from bot.config import ContactConfig
from bot.directory.loader import parse_directory
from bot.i18n import Catalogs
from bot.i18n.bidi import LRI, PDI, RLM
from tests.conftest import BERLIN, WEDNESDAY_MORNING


def ask(service: AnsweringService, text: str, **options: object) -> tuple[list[str], str, str]:
    answer = service.answer(text, now=options.pop("now", WEDNESDAY_MORNING), **options)  # type: ignore[arg-type]
    return answer.centre_ids, answer.reply.text, answer.kind.value


def test_arabic_jobcenter_in_rheine(answering: AnsweringService) -> None:
    answer = answering.answer("وين الجوب سنتر في راينه؟", now=WEDNESDAY_MORNING)
    assert answer.detected_language == "ar" and answer.locale == "ar"
    assert answer.centre_ids[0] == "jobcenter-kreis-steinfurt-rheine"
    text = answer.reply.text
    assert f"{LRI}Jobcenter Kreis Steinfurt" in text and PDI in text
    assert all(line.startswith(RLM) for line in text.splitlines() if line)
    assert "الألمانية" in text  # languages named in Arabic by Babel


def test_places_in_other_scripts_and_cases(answering: AnsweringService) -> None:
    ids, _, _ = ask(answering, "Де у Зігбурзі допомагають з боргами?")
    assert ids[0] == "schuldnerberatung-diakonie-bornheim"
    ids, _, _ = ask(answering, "در راینه کلاس زبان آلمانی کجاست؟")
    assert all(centre.startswith(("vhs", "mbe", "jmd", "jobcenter")) for centre in ids)
    assert any(centre in ids for centre in ("vhs-ibbenbueren", "mbe-caritas-rheine"))


def test_age_picks_the_youth_service(answering: AnsweringService) -> None:
    young, _, _ = ask(answering, "I am 19 and need help with my residence permit in Kempen")
    assert "jmd-diakonie-kempen" in young and "mbe-caritas-viersen" not in young
    older, _, _ = ask(answering, "I am 35 and need help with my residence permit in Kempen")
    assert "mbe-caritas-viersen" in older and "jmd-diakonie-kempen" not in older


def test_emergency_numbers_come_first(answering: AnsweringService) -> None:
    _, text, kind = ask(answering, "my husband is hitting me right now, I am in Troisdorf")
    assert kind == "emergency"
    assert text.index("110") < text.index("116 016")
    assert text.splitlines()[0].startswith("🚨")
    _, text, kind = ask(answering, "mein Freund ist bewusstlos und atmet nicht")
    assert kind == "emergency" and text.index("112") < 120


def test_small_talk_gets_no_centre(answering: AnsweringService) -> None:
    for text in ("hallo", "thank you!", "who won the football game yesterday?"):
        ids, reply, kind = ask(answering, text)
        assert ids == [] and kind == "smalltalk", text
        assert len(reply) < 400


def test_nothing_fits_gives_the_ki_contact_not_a_random_centre(
    answering: AnsweringService,
) -> None:
    ids, text, kind = ask(answering, "Wo kann ich in Rheine ein Fahrrad reparieren lassen?")
    assert ids == [] and kind in ("nothing", "smalltalk")
    if kind == "nothing":
        assert "Kommunales Integrationszentrum Kreis Steinfurt" in text


def test_stored_region_is_used_when_no_place_is_named(answering: AnsweringService) -> None:
    ids, _, _ = ask(answering, "Schuldnerberatung", region="rhein-sieg")
    assert ids[0] == "schuldnerberatung-diakonie-bornheim"
    ids, _, _ = ask(answering, "Schuldnerberatung in Kempen", region="rhein-sieg")
    assert ids[0] == "schuldnerberatung-diakonie-willich"


def test_open_now_and_next_opening_in_the_users_locale(answering: AnsweringService) -> None:
    saturday = datetime(2026, 11, 21, 11, 0, tzinfo=BERLIN)
    answer = answering.answer("Jobcenter Kempen", now=saturday, locale="de")
    text = answer.reply.text
    assert "Montag" in text  # next opening, weekday named by Babel in German
    assert "Englisch" in text or "Türkisch" in text


def test_asked_time_is_checked(answering: AnsweringService) -> None:
    answer = answering.answer(
        "Is the Jobcenter in Rheine open on Friday afternoon?", now=WEDNESDAY_MORNING
    )
    assert answer.centre_ids[0] == "jobcenter-kreis-steinfurt-rheine"
    assert answer.centres[0].open_then is not None


def test_description_in_the_users_language_else_marked(answering: AnsweringService) -> None:
    answer = answering.answer("МБЕ Райне, мені 40", now=WEDNESDAY_MORNING, locale="uk")
    centre = answering.directory.centres[
        [c.id for c in answering.directory.centres].index(answer.centre_ids[0])
    ]
    if "uk" in centre.descriptions:
        assert centre.descriptions["uk"] in answer.reply.text
    else:
        assert "(" in answer.reply.text


def test_unseen_directory_and_region(lexicon: object, catalogs: Catalogs) -> None:
    directory = parse_directory(
        "version: 1\nregions:\n  borken:\n    name: Kreis Borken\n"
        "    towns: [Bocholt, Ahaus, Gronau, Vreden]\n"
        "centres:\n"
        "  - id: jc\n    name: Jobcenter Kreis Borken\n    kreis: borken\n    town: Ahaus\n"
        "    topics: [work]\n    description_de: Bürgergeld und Arbeit.\n"
        "  - id: sb\n    name: Schuldnerberatung Bocholt\n    kreis: borken\n    town: Bocholt\n"
        "    topics: [debt]\n    description_de: Hilfe bei Schulden.\n"
    )
    service = AnsweringService(directory, lexicon, catalogs, ContactConfig(name="KI Borken"))  # type: ignore[arg-type]
    assert service.answer("борги, я живу в Бохольті", now=WEDNESDAY_MORNING).centre_ids == ["sb"]
    assert service.answer("وين الجوب سنتر في غروناو", now=WEDNESDAY_MORNING).centre_ids == ["jc"]
    nothing = service.answer("I need a lawyer for my asylum case", now=WEDNESDAY_MORNING)
    assert nothing.centre_ids == [] and "KI Borken" in nothing.reply.text


def test_directory_topic_definitions_teach_local_words(
    lexicon: object, catalogs: Catalogs
) -> None:
    directory = parse_directory(
        "version: 1\nregions:\n  kleve:\n    name: Kreis Kleve\n    towns: [Kleve, Goch]\n"
        'topics:\n  housing: "Wohnraumvermittlung, Quartiersmanagement"\n'
        "centres:\n"
        "  - id: wohnen\n    name: Fachstelle Wohnen\n    kreis: kleve\n    town: Goch\n"
        "    topics: [housing]\n    description_de: Hilfe rund ums Wohnen.\n"
    )
    service = AnsweringService(directory, lexicon, catalogs, ContactConfig())  # type: ignore[arg-type]
    answer = service.answer("Quartiersmanagement in Kleve?", now=WEDNESDAY_MORNING)
    assert answer.centre_ids == ["wohnen"]


def test_the_centre_whose_name_says_the_need_comes_first(
    lexicon: object, catalogs: Catalogs
) -> None:
    # Both centres cover both topics, listed the same way: only their names tell them apart.
    directory = parse_directory(
        "version: 1\nregions:\n  wesel:\n    name: Kreis Wesel\n    towns: [Wesel, Moers]\n"
        "centres:\n"
        "  - id: wohnen\n    name: Fachstelle Wohnungsnotfälle\n    kreis: wesel\n"
        "    town: Moers\n    topics: [debt, housing]\n    description_de: Beratung.\n"
        "  - id: schulden\n    name: Schuldnerberatung Wesel\n    kreis: wesel\n"
        "    town: Wesel\n    topics: [housing, debt]\n    description_de: Beratung.\n"
        "  - id: jc\n    name: Jobcenter Kreis Wesel\n    kreis: wesel\n    town: Wesel\n"
        "    topics: [language_course, work]\n    description_de: Arbeit.\n"
        "  - id: vhs\n    name: Volkshochschule – Deutsch- und Integrationskurse\n"
        "    kreis: wesel\n    town: Wesel\n    topics: [work, language_course]\n"
        "    description_de: Kurse.\n"
    )
    service = AnsweringService(directory, lexicon, catalogs, ContactConfig())  # type: ignore[arg-type]

    def first(question: str) -> str:
        return service.answer(question, now=WEDNESDAY_MORNING, region="wesel").centre_ids[0]

    assert first("У мене великі борги, хто допоможе?") == "schulden"
    assert first("Где получить консультацию по долгам?") == "schulden"
    assert first("my landlord wants to evict me, I will lose my flat") == "wohnen"
    assert first("Où puis-je apprendre l'allemand ?") == "vhs"
    assert first("أين يمكنني تعلم اللغة الألمانية؟") == "vhs"
    assert first("Ich suche Arbeit") == "jc"
