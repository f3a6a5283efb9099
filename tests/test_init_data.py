"""``gmm-anim init --data FILE``: a config for the user's own points that validates and fits as written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT

pytestmark = pytest.mark.slow  # each test runs the console script

GMM_ANIM = Path(sys.executable).parent / "gmm-anim"
FAITHFUL = ROOT / "configs" / "data" / "faithful.csv"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(GMM_ANIM), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_a_config_for_faithful_fits_the_published_optimum(tmp_path):
    shutil.copy(FAITHFUL, tmp_path / "faithful.csv")
    result = run(["init", "--data", "faithful.csv", "cfg/mine.yaml"], tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "cfg" / "mine.yaml").read_text()
    config = yaml.safe_load(text)
    assert config["data"]["path"] == "../faithful.csv"
    assert config["data"]["columns"] == ["eruptions", "waiting"]  # the row names left out
    assert "rownames                 row numbers or ids: left out" in text
    assert run(["validate", "cfg/mine.yaml"], tmp_path).stdout == "ok: cfg/mine.yaml\n"
    fitted = json.loads(run(["fit", "cfg/mine.yaml", "--json"], tmp_path).stdout)
    assert fitted["feature_names"] == ["eruptions", "waiting"]
    assert round(fitted["iterations"][-1]["log_likelihood"], 3) == -1130.264  # mclust's published optimum


def test_text_and_id_columns_are_listed_and_left_out(tmp_path):
    rng = np.random.default_rng(0)
    rows = [f"{i};{'ab'[i % 2]};{x:.4f};{y:.4f}" for i, (x, y) in enumerate(rng.normal(size=(40, 2)) + [[0, 0]])]
    (tmp_path / "points.csv").write_text("id;kind;x;y\n" + "\n".join(rows) + "\n")
    result = run(["init", "--data", "points.csv", "mine.yaml"], tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "mine.yaml").read_text()
    assert yaml.safe_load(text)["data"]["columns"] == ["x", "y"]
    assert "(semicolon-separated, header on line 1)" in text
    assert "kind                     text: left out" in text
    result = run(["render", "mine.yaml", "-q", "--set", "iterations=2", "--set", "render.width=120"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mine.gif").read_bytes().startswith(b"GIF89a")


def test_an_npy_file_without_names_fits_every_column(tmp_path):
    np.save(tmp_path / "points.npy", np.random.default_rng(1).normal(size=(30, 3)))
    assert run(["init", "--data", "points.npy", "mine.yaml"], tmp_path).returncode == 0
    config = yaml.safe_load((tmp_path / "mine.yaml").read_text())
    assert config["data"]["columns"] == [0, 1, 2] and config["render"]["dims"] == [0, 1]
    assert run(["validate", "mine.yaml"], tmp_path).returncode == 0


def test_a_bad_data_file_names_data_and_writes_nothing(tmp_path):
    (tmp_path / "empty.csv").write_text("# nothing here\n")
    for name, message in [
        ("missing.csv", "missing.csv: --data: expected an existing file"),
        ("empty.csv", "empty.csv: --data: expected rows of numbers, got none"),
        ("notes.json", "notes.json: --data: expected a .csv, .tsv, .txt, .npy file"),
    ]:
        result = run(["init", "--data", name, "mine.yaml"], tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"Error: {message}"), result.stderr
        assert not (tmp_path / "mine.yaml").exists()
