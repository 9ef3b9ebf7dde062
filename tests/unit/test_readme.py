"""The README stays true: every setting, every CLI command and every make target it promises."""

import re

from tests.conftest import ROOT
from tracker.cli import build_parser
from tracker.settings import Settings

README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented_with_its_default():
    for name, default, _ in Settings.documented():
        row = re.search(rf"^\| `{name}` \|([^|]*)\|", README, re.M)
        assert row, f"{name} is missing from the README's configuration table"
        shown = row.group(1).strip().strip("`")
        assert shown == default, f"{name}: README says {shown!r}, the code says {default!r}"


def test_every_cli_command_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command_parser in sub.choices.items():
        nested = [a for a in command_parser._actions if getattr(a, "choices", None) and a.dest not in ("help",)]
        if nested and isinstance(nested[0].choices, dict):
            for child in nested[0].choices:
                assert f"`tracker {name} {child}" in README, f"`tracker {name} {child}` is not in the README"
        else:
            assert f"`tracker {name}" in README, f"`tracker {name}` is not in the README"


def test_the_two_set_up_commands_and_the_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test", "bench", "lint", "screenshots"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M), f"the Makefile has no '{target}' target"
