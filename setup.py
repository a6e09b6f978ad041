"""Compiles the translation catalogs (``.po`` → ``.mo``) into the wheel; see scripts/i18n.py."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """``build_py``, then every ``outreach/locale/*/LC_MESSAGES/*.po`` compiled beside it."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path("outreach/locale").glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source, target.open("wb") as compiled:
                write_mo(compiled, read_po(source), use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogs})
