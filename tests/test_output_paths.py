"""Output paths never surprise (SPEC section 4): each refusal through the console script.

Every case runs ``gmm-anim`` in a subprocess and checks the exit code, the
one ``Error:`` line naming the option or key, that every input file is
byte-identical afterwards and that nothing new was written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL_CONFIG

pytestmark = pytest.mark.slow  # each test runs the console script

GMM_ANIM = Path(sys.executable).parent / "gmm-anim"
POINTS = "x,y\n" + "".join(f"{i % 7},{(i * 3) % 5}\n" for i in range(30))
OWN_DATA = "data: points.csv\niterations: 2\nem: {components: 2}\nrender: {width: 120, height: 100}\n"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(GMM_ANIM), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder``, with each file's bytes."""
    return {str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes() for path in folder.rglob("*")}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "s.yaml").write_text(SMALL_CONFIG)
    (tmp_path / "t.yaml").write_text(SMALL_CONFIG)
    (tmp_path / "points.csv").write_text(POINTS)
    (tmp_path / "own.yaml").write_text(OWN_DATA)
    (tmp_path / "mp4.yaml").write_text(SMALL_CONFIG + "  output: x.mp4\n")
    (tmp_path / "notes" / "s").mkdir(parents=True)  # what `-o notes` would name s.yaml's PNG folder
    (tmp_path / "notes" / "s" / "todo.txt").write_text("keep me")
    return tmp_path


NOT_AN_INPUT = "-o: expected an output that is not read by this run"
REFUSED = [
    ("s.yaml -f gif -o s.yaml", f"s.yaml: {NOT_AN_INPUT}, got 's.yaml', which is the config"),
    ("own.yaml -f mp4 -o points.csv", f"own.yaml: {NOT_AN_INPUT}, got 'points.csv', which is the data file"),
    ("s.yaml -f mp4 -o x.gif", "s.yaml: -f: expected an output ending in .mp4 for -f mp4, got -o 'x.gif'"),
    ("s.yaml -o still.png", "s.yaml: -o: expected a folder name, got 'still.png' (PNG output is a folder of frames"),
    ("s.yaml -f png -o still.png", "s.yaml: -o: expected a folder name, got 'still.png'"),
    ("s.yaml t.yaml -o x.gif", "s.yaml: -o: expected a folder for several configs (an existing one, or a name ending"),
    ("s.yaml t.yaml -o out", "s.yaml: -o: expected a folder for several configs"),
    (
        "mp4.yaml -f png",
        "mp4.yaml: -f: expected an output without a suffix (a folder of PNG frames) for -f png, got render.output",
    ),
    (
        "s.yaml -o x.gif --set render.format=mp4",
        "s.yaml: render.format: expected an output ending in .mp4 for render.format mp4, got -o 'x.gif'",
    ),
    (
        "s.yaml -f webp --set render.format=gif",
        "s.yaml: -f: expected the format render.format names (gif), got -f webp; drop one",
    ),
    ("s.yaml -o s.yml", "s.yaml: -o: expected a name ending in .gif, .mp4, .webp, .html, or no suffix for a folder"),
    ("s.yaml -f png -o notes", "s.yaml: -o: expected a new or empty folder, or one of earlier frames"),
]


@pytest.mark.parametrize("args, error", REFUSED)
def test_a_refused_output_changes_nothing(workspace, args, error):
    before = snapshot(workspace)
    result = run(["render", *args.split()], workspace)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"Error: {error}"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert snapshot(workspace) == before  # inputs byte-identical, nothing new


def test_the_meaning_of_o_does_not_depend_on_the_number_of_configs(workspace):
    result = run(["render", "s.yaml", "-o", "out/", "-q"], workspace)
    assert result.returncode == 0, result.stderr
    result = run(["render", "s.yaml", "t.yaml", "-o", "out/", "-q"], workspace)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (workspace / "out").iterdir()) == ["s.gif", "t.gif"]
    result = run(["render", "t.yaml", "-o", "out", "-f", "webp", "-q"], workspace)  # an existing folder
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (workspace / "out").iterdir()) == ["s.gif", "t.gif", "t.webp"]


def test_a_png_folder_is_replaced_by_the_next_png_render_not_filled(workspace):
    for _ in range(2):
        result = run(["render", "s.yaml", "-o", "frames", "-q", "--set", "iterations=2"], workspace)
        assert result.returncode == 0, result.stderr
        assert sorted(path.name for path in (workspace / "frames").iterdir()) == [f"frame_000{i}.png" for i in range(3)]


def test_a_folder_of_the_inputs_receives_the_output_beside_them(workspace):
    result = run(["render", "own.yaml", "-f", "png", "-o", "."], workspace)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "wrote own (2 iterations, 3 frames)\n"
    assert (workspace / "points.csv").read_text() == POINTS
    assert len(list((workspace / "own").iterdir())) == 3


def test_validate_checks_the_output_and_takes_set(workspace):
    result = run(["validate", "mp4.yaml", "s.yaml", "--set", "render.format=png"], workspace)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: mp4.yaml: render.format: expected an output without a suffix")
    assert result.stdout == "ok: s.yaml\n"
    result = run(["validate", "s.yaml", "--set", "iterations=-1"], workspace)
    assert result.returncode == 2 and result.stderr.startswith("Error: s.yaml: iterations: "), result.stderr


def test_fit_says_after_how_many_iterations_it_converged(workspace):
    result = run(["fit", "s.yaml", "--set", "em.tol=1e-2", "--set", "iterations=40"], workspace)
    assert result.returncode == 0, result.stderr
    steps = len([line for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]) - 3  # 3 components
    assert f"converged after {steps - 1} iterations;" in result.stdout, result.stdout
    result = run(["fit", "s.yaml"], workspace)
    assert "ran all 4 iterations;" in result.stdout, result.stdout


@pytest.mark.parametrize("shell, first_line", [("zsh", "#compdef gmm-anim"), ("fish", "complete --command gmm-anim")])
def test_completion_is_for_the_shell_named(tmp_path, shell, first_line):
    for args in (["--show-completion", shell], [f"--show-completion={shell}"]):
        result = run(args, tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(first_line), result.stdout[:80]
    result = run(["--show-completion", "tcsh"], tmp_path)
    assert result.returncode == 2 and "'tcsh' is not one of" in result.stderr


def test_render_output_ending_in_a_slash_is_a_folder_to_write_into(workspace):
    (workspace / "o.yaml").write_text(SMALL_CONFIG + "  output: renders/\n")
    result = run(["render", "o.yaml", "--set", "iterations=1"], workspace)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "wrote renders/o.gif (1 iterations, 2 frames)\n"
    assert [path.name for path in (workspace / "renders").iterdir()] == ["o.gif"]
