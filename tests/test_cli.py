"""The command line end to end, through Typer's CliRunner."""

from __future__ import annotations

import json
import math
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gmm_anim.cli import app

SEED_CONFIG = Path(__file__).resolve().parent.parent / "configs" / "seed.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_render_writes_a_gif_with_one_frame_per_iteration(runner, small_config, tmp_path):
    output = tmp_path / "out" / "small.gif"
    result = runner.invoke(app, ["render", str(small_config), "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    with Image.open(output) as gif:
        assert gif.size == (160, 120)
        assert gif.n_frames == 5  # iterations: 4 -> 5 frames
        assert gif.info["loop"] == 0


def test_render_fps_and_format_options(runner, small_config, tmp_path):
    output = tmp_path / "frames"
    result = runner.invoke(app, ["render", str(small_config), "-o", str(output), "-f", "png", "--fps", "10"])
    assert result.exit_code == 0, result.stderr
    assert len(sorted(output.glob("*.png"))) == 5


def test_render_mp4_through_the_bundled_ffmpeg(runner, small_config, tmp_path):
    output = tmp_path / "small.mp4"
    result = runner.invoke(app, ["render", str(small_config), "-o", str(output), "--set", "render.hold=0"])
    assert result.exit_code == 0, result.stderr
    n_frames, _ = imageio_ffmpeg.count_frames_and_secs(str(output))
    assert n_frames == 5


def test_render_default_output_is_the_config_stem_in_the_working_directory(runner, small_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["render", str(small_config), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "small.gif").is_file()
    assert result.stderr == ""


def test_render_several_configs_into_a_folder(runner, small_config, write_config, tmp_path):
    other = write_config(small_config.read_text(), "other.yaml")
    result = runner.invoke(app, ["render", str(small_config), str(other), "-o", str(tmp_path / "gallery"), "-q"])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "gallery").iterdir()) == ["other.gif", "small.gif"]


def test_fit_json_follows_the_spec(runner):
    result = runner.invoke(app, ["fit", str(SEED_CONFIG), "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["n_samples"], document["n_features"], document["n_components"]) == (400, 2, 3)
    assert document["covariance_type"] == "full"
    iterations = document["iterations"]
    assert [entry["iteration"] for entry in iterations] == list(range(41))
    log_likelihoods = np.array([entry["log_likelihood"] for entry in iterations])
    assert np.all(np.diff(log_likelihoods) >= -1e-10 * np.abs(log_likelihoods[1:]))
    assert np.shape(iterations[-1]["covariances"]) == (3, 2, 2)
    assert document["truth"]["weights"] == [0.4, 0.35, 0.25]
    match = document["match"]
    assert sorted(match["permutation"]) == [0, 1, 2]
    assert match["max_mean_error"] < 0.3 and match["max_weight_error"] < 0.1
    assert all(math.isfinite(document[key]) for key in ("bic", "aic"))


def test_fit_json_covariances_are_full_matrices_for_every_type(runner):
    result = runner.invoke(app, ["fit", str(SEED_CONFIG), "--json", "--set", "em.covariance_type=spherical"])
    assert result.exit_code == 0, result.stderr
    covariances = np.array(json.loads(result.stdout)["iterations"][-1]["covariances"])
    assert covariances.shape == (3, 2, 2)
    for matrix in covariances:
        assert matrix[0, 1] == 0 and matrix[0, 0] == matrix[1, 1]


def test_fit_table_lists_every_iteration(runner, small_config):
    result = runner.invoke(app, ["fit", str(small_config)])
    assert result.exit_code == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    iteration_rows = [row for row in rows if row and row[0].isdigit() and len(row) >= 2 and "." in row[1]]
    assert [int(row[0]) for row in iteration_rows][:5] == [0, 1, 2, 3, 4]


def test_validate_prints_ok_per_valid_file(runner, small_config):
    result = runner.invoke(app, ["validate", str(small_config), str(SEED_CONFIG)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"ok: {small_config}", f"ok: {SEED_CONFIG}"]


def test_invalid_config_is_one_error_line_and_exit_2(runner, write_config, tmp_path):
    bad = write_config("samples: -5\nweights: [1.0]\nmeans: [[0, 0]]\ncovariances: [1.0]\n")
    output = tmp_path / "never.gif"
    result = runner.invoke(app, ["render", str(bad), "-o", str(output)])
    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"Error: {bad}: samples: ")
    assert not output.exists()
    assert "Traceback" not in result.stderr


def test_validate_reports_each_invalid_file(runner, write_config, small_config):
    bad = write_config("iterations: 20000\nweights: [1.0]\nmeans: [[0]]\ncovariances: [1.0]\n")
    result = runner.invoke(app, ["validate", str(small_config), str(bad)])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [f"ok: {small_config}"]
    assert [line.split(": ")[:3] for line in error_lines(result)] == [["Error", str(bad), "iterations"]]


def test_bad_override_is_reported_like_a_config_error(runner, small_config):
    result = runner.invoke(app, ["fit", str(small_config), "--set", "em.reg_covar=-1"])
    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"Error: {small_config}: em.reg_covar: ")


def test_unwritable_output_is_exit_1_with_one_error_line(runner, small_config, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["render", str(small_config), "-o", str(blocker / "out.gif")])
    assert result.exit_code == 1
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert blocker.read_text() == "not a folder"


def test_version_names_the_libraries(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("gmm-anim ") and "numpy" in result.stdout and "matplotlib" in result.stdout


def test_set_parses_values_like_the_config_file(runner, small_config):
    result = runner.invoke(app, ["fit", str(small_config), "--json", "--set", "em.tol=1e-4", "--set", "iterations=200"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["converged"] is True
    assert len(document["iterations"]) < 201


def test_set_without_equals_sign_is_a_usage_error(runner, small_config):
    result = runner.invoke(app, ["fit", str(small_config), "--set", "iterations"])
    assert result.exit_code == 2
    assert error_lines(result) == ["Error: --set: iterations: expected KEY=VALUE, e.g. --set em.tol=1e-4"]


def test_data_dimension_must_match_the_true_means(runner, write_config, tmp_path):
    (tmp_path / "points.csv").write_text("x,y,z\n1,2,3\n4,5,6\n7,8,9\n")
    config = write_config("data: points.csv\nweights: [1.0]\nmeans: [[0, 0]]\ncovariances: [1.0]\n")
    result = runner.invoke(app, ["fit", str(config)])
    assert result.exit_code == 2
    assert error_lines(result) == [
        f"Error: {config}: data: expected points of dimension 2 (as means), got 3 columns"
    ]


def test_fit_own_points_without_truth(runner, write_config, tmp_path):
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 1, (50, 2)), rng.normal(8, 1, (50, 2))])
    np.save(tmp_path / "points.npy", points)
    config = write_config("data: points.npy\niterations: 10\nem:\n  components: 2\n")
    result = runner.invoke(app, ["fit", str(config), "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["truth"] is None and document["match"] is None
    assert document["n_samples"] == 100
