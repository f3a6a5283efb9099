"""What the installed console script shows on stderr: the progress bar on a terminal, and Warning: lines.

These run ``gmm-anim`` as a separate process, the way a user does: the bar
needs a real terminal (a pseudo-terminal here), and the Warning: printer is
installed by the console script's entry point, not by the Typer app.
"""

from __future__ import annotations

import errno
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GMM_ANIM = Path(sys.executable).parent / "gmm-anim"
WAIT = 120  # seconds a run may take on a loaded machine

SMALL = """\
seed: 1
samples: 120
weights: [0.5, 0.5]
means: [[0, 0], [4, 4]]
covariances: [1.0, 0.5]
iterations: 4
render:
  width: 160
  height: 120
"""

# Ten points on two spots, fitted with four components and no regularisation:
# components collapse onto a spot, and EM has to load their covariances.
DUPLICATED_POINTS = "x,y\n" + "1,2\n" * 5 + "3,-1\n" * 5
COLLAPSING = """\
data: points.csv
iterations: 3
em:
  components: 4
  init: random
  reg_covar: 0
render:
  width: 120
  height: 100
"""
COLLAPSE_WARNING = re.compile(
    r"Warning: the covariance of component 1 was not positive definite at iteration 1 \(collapsed component, "
    r"collinear or duplicated points\); added diagonal loading up to [0-9.e+-]+ to keep the fit finite; "
    r"reduce em\.components, increase em\.reg_covar, or try em\.init: kmeans\+\+"
)


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "GMM_ANIM_DEBUG"}
    return {**env, "MPLBACKEND": "Agg", "COLUMNS": "80"}


def run_on_a_terminal(arguments: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    """Run the console script with stderr on a pseudo-terminal; (exit code, what the terminal got, stdout)."""
    terminal, child_end = pty.openpty()
    with subprocess.Popen(
        [str(GMM_ANIM), *arguments],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=child_end,
    ) as process:
        os.close(child_end)  # the child holds the only other end: reading ends when it exits
        shown = b""
        while True:
            try:
                chunk = os.read(terminal, 4096)
            except OSError as error:  # EIO once the child has closed the terminal (Linux)
                if error.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            shown += chunk
        os.close(terminal)
        stdout = process.stdout.read()
        code = process.wait(timeout=WAIT)
    return code, shown, stdout


def run_piped(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GMM_ANIM), *arguments],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )


@pytest.fixture
def small(tmp_path: Path) -> Path:
    (tmp_path / "small.yaml").write_text(SMALL)
    return tmp_path


def test_the_bar_counts_frames_on_a_terminal(small):
    code, shown, stdout = run_on_a_terminal(["render", "small.yaml", "-o", "out.gif"], small)
    text = shown.decode().replace("\r\n", "\n")  # the terminal turns each newline into CR LF
    assert code == 0, text
    filled = [30 * done // 5 for done in range(6)]
    bars = [f"\rout.gif [{'#' * filled[done]}{'.' * (30 - filled[done])}] {done}/5 frames" for done in range(1, 6)]
    assert text.startswith("".join(bars) + "\n"), text  # redrawn in place, one line when done
    closing = text.removeprefix("".join(bars) + "\n")
    assert re.fullmatch(r"wrote out\.gif \([^\n]*\)\n", closing), closing  # the one line after the bar
    assert stdout == b""
    assert (small / "out.gif").read_bytes().startswith(b"GIF89a")


def test_the_closing_line_counts_iterations_and_frames(small):
    result = run_piped(["render", "small.yaml", "-o", "out.gif"], small)
    assert result.stderr == "wrote out.gif (4 iterations, 5 frames)\n"  # SPEC section 4


def test_no_bar_when_stderr_is_not_a_terminal(small):
    result = run_piped(["render", "small.yaml", "-o", "out.gif"], small)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "/5 frames" not in result.stderr  # no bar drawn, not even once
    assert result.stderr.startswith("wrote out.gif (") and result.stderr.count("\n") == 1  # the closing line alone
    assert result.stdout == ""
    assert (small / "out.gif").read_bytes().startswith(b"GIF89a")


def test_quiet_shows_nothing_on_a_terminal(small):
    code, shown, stdout = run_on_a_terminal(["render", "small.yaml", "-o", "out.gif", "-q"], small)
    assert code == 0 and shown == b"" and stdout == b""
    assert (small / "out.gif").read_bytes().startswith(b"GIF89a")


def test_collapsing_components_give_one_warning_line(tmp_path):
    (tmp_path / "points.csv").write_text(DUPLICATED_POINTS)
    (tmp_path / "collapsing.yaml").write_text(COLLAPSING)
    result = run_piped(["fit", "collapsing.yaml"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and COLLAPSE_WARNING.fullmatch(lines[0]), result.stderr
    assert "Traceback" not in result.stderr and "GmmAnimWarning" not in result.stderr
    assert "iteration" in result.stdout  # the table still prints


def test_a_render_of_collapsing_components_warns_once(tmp_path):
    (tmp_path / "points.csv").write_text(DUPLICATED_POINTS)
    (tmp_path / "collapsing.yaml").write_text(COLLAPSING)
    result = run_piped(["render", "collapsing.yaml", "-o", "out.gif"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert COLLAPSE_WARNING.fullmatch(lines[0]), result.stderr
    assert [line for line in lines if line.startswith("Warning: ")] == lines[:1], result.stderr  # one per trouble
    assert len(lines) == 2 and lines[1].startswith("wrote out.gif ("), result.stderr
