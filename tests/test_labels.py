"""``gmm-anim fit --labels FILE.csv``: each point's component and responsibilities under the final fit."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_CONFIG

import gmm_anim
from gmm_anim.em import responsibilities

pytestmark = pytest.mark.slow  # each test runs the console script

GMM_ANIM = Path(sys.executable).parent / "gmm-anim"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(GMM_ANIM), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def read_labels(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="") as stream:
        rows = list(csv.reader(stream))
    return rows[0], np.array(rows[1:], dtype=np.float64)


def test_labels_hold_the_final_responsibilities(tmp_path):
    (tmp_path / "s.yaml").write_text(SMALL_CONFIG)
    result = run(["fit", "s.yaml", "--labels", "out/labels.csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    header, table = read_labels(tmp_path / "out" / "labels.csv")
    assert header == ["index", "component", "resp_1", "resp_2", "resp_3"]
    resp = table[:, 2:]
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, atol=1e-10)
    np.testing.assert_array_equal(table[:, 1], np.argmax(resp, axis=1) + 1)
    np.testing.assert_array_equal(table[:, 0], np.arange(120))
    # The oracle: the engine's responsibilities under the last iteration's parameters.
    cfg = gmm_anim.load_config(tmp_path / "s.yaml")
    X, _ = gmm_anim.sample(cfg)
    expected = responsibilities(X, gmm_anim.fit(X, cfg).final)
    np.testing.assert_allclose(resp, expected, rtol=1e-11, atol=1e-300)


@pytest.mark.parametrize(
    "name, message",
    [
        ("s.yaml", "s.yaml: --labels: expected a file name ending in .csv, got 's.yaml'"),
        ("points.csv", "s.yaml: --labels: expected an output that is not read by this run, got 'points.csv', which is"),
        ("folder.csv", "s.yaml: --labels: expected a file name ending in .csv, got an existing folder"),
    ],
)
def test_labels_never_overwrite_an_input(tmp_path, name, message):
    (tmp_path / "points.csv").write_text("x,y\n" + "".join(f"{i % 5},{i % 3}\n" for i in range(20)))
    (tmp_path / "s.yaml").write_text("data: points.csv\nem: {components: 2}\niterations: 2\n")
    (tmp_path / "folder.csv").mkdir()
    before = {path: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}
    result = run(["fit", "s.yaml", "--labels", name], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {message}") and result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""  # refused before the fit
    assert {path: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()} == before


def test_with_dropped_rows_the_index_is_the_row_of_the_data(tmp_path):
    rows = [f"{i % 5},{i % 3}" if i not in (2, 7) else f"{i},NA" for i in range(20)]
    (tmp_path / "points.csv").write_text("# two rows miss y\nx,y\n" + "\n".join(rows) + "\n")
    (tmp_path / "s.yaml").write_text("data: {path: points.csv, missing: drop}\nem: {components: 2}\niterations: 2\n")
    result = run(["fit", "s.yaml", "--labels", "labels.csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Warning: ") == 1, result.stderr  # the drop, said once
    _, table = read_labels(tmp_path / "labels.csv")
    np.testing.assert_array_equal(table[:, 0], [i for i in range(20) if i not in (2, 7)])
