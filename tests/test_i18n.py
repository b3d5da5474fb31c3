"""Catalogs: complete in every shipped locale, never stale, placeholders intact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.i18n import Catalogs, _
from bot.i18n.bidi import LRI, PDI, RLM
from bot.i18n.locales import SHIPPED_LOCALES, is_rtl, native_name

ROOT = Path(__file__).parents[1]
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _po(code: str) -> Catalog:
    with (ROOT / "locales" / code / "LC_MESSAGES" / "wegweiser.po").open("rb") as handle:
        return read_po(handle)


def _code_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers", "scheduler"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
        ):
            found.update([message] if isinstance(message, str) else message)
    return found


@pytest.mark.parametrize("code", SHIPPED_LOCALES)
def test_catalog_is_complete_and_current(code: str) -> None:
    catalog = _po(code)
    ids = {message.id for message in catalog if message.id}
    assert ids == _code_messages(), "run 'make i18n-update' and translate"
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"{code}: untranslated {message.id!r}"
        assert not message.fuzzy, f"{code}: fuzzy {message.id!r}"
        assert set(PLACEHOLDER.findall(str(message.string))) == set(
            PLACEHOLDER.findall(str(message.id))
        ), f"{code}: placeholders differ in {message.id!r}"


@pytest.mark.parametrize("code", SHIPPED_LOCALES)
def test_compiled_catalog_matches_its_source(code: str) -> None:
    mo_path = ROOT / "locales" / code / "LC_MESSAGES" / "wegweiser.mo"
    with mo_path.open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    source = {m.id: m.string for m in _po(code) if m.id}
    assert compiled == source, "stale .mo: run 'make i18n'"


def test_translations_are_used(catalogs: Catalogs) -> None:
    with catalogs.use("uk"):
        assert _("Skip") != "Skip"
    with catalogs.use("xx"):
        assert _("Skip") == "Skip"


def test_native_names_and_direction() -> None:
    assert native_name("ar") == "العربية"
    assert native_name("uk") == "Українська"
    assert [code for code in SHIPPED_LOCALES if is_rtl(code)] == ["ar", "fa"]
    assert {RLM, LRI, PDI} == {"\u200f", "\u2066", "\u2069"}


def test_installed_package_carries_compiled_catalogs(tmp_path: Path) -> None:
    """A wheel built from the sources contains a .mo for every shipped locale."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    import zipfile

    wheel = next(tmp_path.glob("wegweiser-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for code in SHIPPED_LOCALES:
        assert f"bot/i18n/locales/{code}/LC_MESSAGES/wegweiser.mo" in names
    assert "bot/directory/data/demo.yaml" in names
    assert "bot/answering/lexicon/de.yaml" in names
    assert any(name.startswith("bot/storage/migrations/versions/") for name in names)
