"""The README stays true to the code: the key table, the commands, the API names, the Makefile rule."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import pytest
from conftest import ROOT

import gmm_anim
from gmm_anim.cli import app
from gmm_anim.config.schema import config_schema, schema_keys

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def readme_keys() -> ModuleType:
    """scripts/readme_keys.py, loaded as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("readme_keys", ROOT / "scripts" / "readme_keys.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_key_table_matches_the_schema(readme_keys):
    expected = readme_keys.with_key_table(README, readme_keys.key_table(config_schema()))
    assert expected == README, (
        "the README's config key table is out of date: run .venv/bin/python scripts/readme_keys.py"
    )


def test_key_table_has_one_row_per_key(readme_keys):
    table = README.split(readme_keys.START)[1].split(readme_keys.END)[0]
    rows = re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)
    assert rows == [key for key, _ in schema_keys(config_schema())]


def test_key_table_escapes_pipes_and_needs_its_markers(readme_keys):
    table = readme_keys.key_table({"properties": {"a": {"type": "string", "description": "x | y"}}})
    assert table.splitlines()[-1] == "| `a` | string |  | x \\| y |"
    with pytest.raises(ValueError, match="markers"):
        readme_keys.with_key_table("# no markers here\n", table)


def test_readme_keys_check_mode(readme_keys, tmp_path, capsys):
    stale = tmp_path / "README.md"
    stale.write_text(f"intro\n{readme_keys.START}\nold table\n{readme_keys.END}\noutro\n")
    assert readme_keys.main(["--check", "--readme", str(stale)]) == 1
    assert readme_keys.main(["--readme", str(stale)]) == 0
    assert readme_keys.main(["--check", "--readme", str(stale)]) == 0
    text = stale.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n") and "`em.tol`" in text


def test_readme_shows_every_command():
    commands = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert sorted(commands) == ["fit", "init", "render", "schema", "stills", "validate"]
    for name in commands:
        assert re.search(rf"^gmm-anim {name}\b", README, flags=re.MULTILINE), name


def test_readme_names_every_public_api_name():
    missing = [name for name in gmm_anim.__all__ if f"`{name}" not in README and name != "__version__"]
    assert not missing
    assert "gmm_anim.__version__" in README


def test_readme_and_makefile_share_the_gallery_pattern_rule():
    rule = "out/%.gif: configs/%.yaml"
    assert rule in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^{re.escape(rule)}\b", makefile, flags=re.MULTILINE)
    assert re.search(r"^gallery: ", makefile, flags=re.MULTILINE)
