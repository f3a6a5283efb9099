"""The speed tricks that stayed, run through the installed ``gmm-anim`` console script.

- live_text: the title's fixed lead is drawn once and repeated weight labels
  are pasted from pixels. A render through the console script must give the
  bytes of the same render with both fallbacks forced: a ``sitecustomize``
  module on PYTHONPATH makes the title's pieces "not line up" (the whole
  title is drawn every frame) and the first label drawn "reach past its
  slot" (stamping stops, every label is drawn).
- cli.main keeps the garbage collector idle: off while the command runs,
  and every object frozen before the interpreter exits, which then skips
  freeing what the imports built. It has no fallback; what it must not
  change is checked instead: the console script writes the bytes, prints
  the text and returns the exit code that the in-process command does
  (CliRunner calls ``app``, not ``main``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED_CONFIG

from gmm_anim import pipeline
from gmm_anim.cli import app
from gmm_anim.drawing import FrameRenderer, count_frames

pytestmark = pytest.mark.slow  # child processes

CONSOLE_SCRIPT = Path(sys.executable).parent / "gmm-anim"
SHORT = ["--set", "iterations=12"]  # weights settle within these: labels repeat
FALLBACKS = """\
import os

from gmm_anim.drawing import live_text


def refuse(name):
    def refused(*args):
        with open(os.environ["FALLBACK_LOG"], "a") as log:
            log.write(name + "\\n")
        return False

    return refused


live_text._pieces_line_up = refuse("title")
live_text._stays_in_slot = refuse("stamp")
"""


def output_bytes(path: Path) -> bytes | dict[str, bytes]:
    """A file's bytes, or each frame file's bytes of a PNG folder."""
    if path.is_dir():
        return {frame.name: frame.read_bytes() for frame in sorted(path.iterdir())}
    return path.read_bytes()


def console_script(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    assert CONSOLE_SCRIPT.is_file(), f"no console script beside {sys.executable}; install the package"
    environment = {key: value for key, value in os.environ.items() if key != "GMM_ANIM_DEBUG"}
    environment.update(MPLBACKEND="Agg", **env)
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300
    )


def test_the_seed_render_takes_both_text_paths() -> None:
    """What the console-script tests below rely on: this render splits its title and pastes labels."""
    cfg = pipeline.load_config(SEED_CONFIG, {"iterations": 12})
    X, _ = pipeline.sample(cfg)
    history = pipeline.fit(X, cfg)
    renderer = FrameRenderer(X, history, cfg.render)
    n_frames = count_frames(history, cfg.render)
    for frame in range(n_frames):
        renderer.draw(frame)
    assert renderer.title.lead is not None
    assert 0 < len(renderer._stamps._stamps) < n_frames * len(renderer.weight_texts)


@pytest.mark.parametrize("suffix", [".gif", ".webp", ""])  # "": a folder of PNG frames
def test_text_paths_and_their_fallbacks_give_the_same_bytes(tmp_path: Path, runner, suffix: str) -> None:
    fast = console_script(["render", str(SEED_CONFIG), "-o", f"fast{suffix}", "-q", *SHORT], tmp_path)
    assert fast.returncode == 0, fast.stderr
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(FALLBACKS)
    log = tmp_path / "fallbacks.log"
    pythonpath = os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))
    slow = console_script(
        ["render", str(SEED_CONFIG), "-o", f"slow{suffix}", "-q", *SHORT], tmp_path,
        PYTHONPATH=pythonpath, FALLBACK_LOG=str(log),
    )  # fmt: skip
    assert slow.returncode == 0, slow.stderr
    assert set(log.read_text().split()) == {"title", "stamp"}  # both fallbacks were taken
    assert output_bytes(tmp_path / f"fast{suffix}") == output_bytes(tmp_path / f"slow{suffix}")
    in_process = runner.invoke(app, ["render", str(SEED_CONFIG), "-o", str(tmp_path / f"app{suffix}"), "-q", *SHORT])
    assert in_process.exit_code == 0, in_process.output
    assert output_bytes(tmp_path / f"app{suffix}") == output_bytes(tmp_path / f"fast{suffix}")


def test_the_console_script_prints_and_exits_as_the_command_does(tmp_path: Path, runner) -> None:
    fitted = console_script(["fit", str(SEED_CONFIG), "--json", *SHORT], tmp_path)  # stdout is a pipe
    assert fitted.returncode == 0, fitted.stderr
    in_process = runner.invoke(app, ["fit", str(SEED_CONFIG), "--json", *SHORT])
    assert json.loads(fitted.stdout) == json.loads(in_process.stdout)
    (tmp_path / "bad.yaml").write_text("samples: -1\n")
    failed = console_script(["render", "bad.yaml"], tmp_path)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("Error: ") and failed.stderr.count("\n") == 1
    assert not list(tmp_path.glob("*.gif"))
