"""Build hook: compile the gettext catalogs in locales/ into the package.

The .po files in locales/ are the source of truth; the .mo files are built from
them on every build, so an installed wheel never carries stale translations.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

DOMAIN = "wegweiser"


class BuildWithCatalogs(build_py):
    """Compile locales/<lang>/LC_MESSAGES/*.po into bot/i18n/locales/ of the build."""

    def run(self) -> None:
        super().run()
        for po_path in sorted(Path("locales").glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            target = Path(
                self.build_lib, "bot", "i18n", "locales", *po_path.parts[1:]
            ).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as source:
                catalog = read_po(source)
            with target.open("wb") as sink:
                write_mo(sink, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
