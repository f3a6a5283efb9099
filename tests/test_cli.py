"""The command line end to end, through Typer's CliRunner."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import imageio_ffmpeg
import numpy as np
import pytest
from conftest import ROOT, SEED_CONFIG
from PIL import Image

from gmm_anim.cli import app


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
    result = runner.invoke(app, ["render", str(small_config), str(other), "-o", f"{tmp_path / 'gallery'}/", "-q"])
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
    assert error_lines(result) == [f"Error: {config}: data: expected points of dimension 2 (as means), got 3 columns"]


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


# ---------------------------------------------------------------------------
# init and schema


def test_init_writes_a_config_that_validates_and_renders(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.stderr
    config = tmp_path / "gmm-anim.yaml"
    assert config.read_text().startswith("# A gmm-anim config")
    assert runner.invoke(app, ["validate", "gmm-anim.yaml"]).stdout == "ok: gmm-anim.yaml\n"
    small = ["--set", "iterations=2", "--set", "render.width=96", "--set", "render.height=96", "-q"]
    result = runner.invoke(app, ["render", "gmm-anim.yaml", *small])
    assert result.exit_code == 0, result.stderr
    with Image.open(tmp_path / "gmm-anim.gif") as gif:
        assert gif.n_frames == 3


def test_init_refuses_to_overwrite_without_force(runner, tmp_path):
    config = tmp_path / "mine.yaml"
    config.write_text("seed: 1\n")
    result = runner.invoke(app, ["init", str(config)])
    assert result.exit_code == 2
    assert error_lines(result) == [
        f"Error: {config}: (file): expected a new file, got an existing one (--force overwrites it)"
    ]
    assert config.read_text() == "seed: 1\n"
    result = runner.invoke(app, ["init", str(config), "--force"])
    assert result.exit_code == 0, result.stderr
    assert f"gmm-anim render {config}" in config.read_text()  # its comments name the file written


def test_init_into_a_new_folder_and_not_onto_a_folder(runner, tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "new" / "em.yaml")])
    assert result.exit_code == 0, result.stderr
    assert runner.invoke(app, ["validate", str(tmp_path / "new" / "em.yaml")]).exit_code == 0
    result = runner.invoke(app, ["init", str(tmp_path / "new"), "--force"])
    assert result.exit_code == 2
    assert error_lines(result) == [
        f"Error: {tmp_path / 'new'}: (file): expected a file name for the new config, got a folder"
    ]


def test_schema_prints_the_committed_schema_file(runner):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["properties"]["em"]["anyOf"][0] == {"$ref": "#/$defs/EmConfig"}
    committed = ROOT / "schema" / "gmm-anim.schema.json"
    assert result.stdout == committed.read_text(), "regenerate it: gmm-anim schema > schema/gmm-anim.schema.json"


@pytest.mark.parametrize("config", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda path: path.name)
def test_example_configs_point_editors_at_the_schema(config):
    first_line = config.read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schema/gmm-anim.schema.json"
    assert (config.parent / "../schema/gmm-anim.schema.json").is_file()


# ---------------------------------------------------------------------------
# --set and batches


def test_set_reaches_nested_keys_three_levels_deep(runner, small_config):
    initial = [
        "em.init=explicit",
        "em.initial.weights=[0.5, 0.3, 0.2]",
        "em.initial.means=[[1, 1], [3, 3], [-3, 3]]",
        "em.initial.covariances=[1.0, 2.0, 0.5]",
        "em.covariance_type=spherical",
        "iterations=0",
    ]
    result = runner.invoke(app, ["fit", str(small_config), "--json", *[f"--set={item}" for item in initial]])
    assert result.exit_code == 0, result.stderr
    start = json.loads(result.stdout)["iterations"][0]
    assert start["weights"] == [0.5, 0.3, 0.2] and start["means"] == [[1, 1], [3, 3], [-3, 3]]
    assert np.allclose(start["covariances"], [np.eye(2), 2 * np.eye(2), 0.5 * np.eye(2)])


def test_set_render_keys_change_the_frames(runner, small_config, tmp_path):
    output = tmp_path / "small.gif"
    result = runner.invoke(
        app,
        ["render", str(small_config), "-o", str(output), "-q", "--set", "render.width=96", "--set", "render.height=72"],
    )
    assert result.exit_code == 0, result.stderr
    with Image.open(output) as gif:
        assert gif.size == (96, 72)


@pytest.mark.parametrize(
    "assignment, line",
    [
        ("em.bogus=1", "{config}: em.bogus: unknown key; expected one of components, init, "),
        ("em.initial.wieghts=1", "{config}: em.initial.wieghts: unknown key; did you mean 'em.initial.weights'?"),
        ("bogus.x=1", "{config}: bogus.x: unknown key"),
        ("render.width=abc", "{config}: render.width: expected an integer from 64 to 4096, got the string 'abc'"),
        ("render=5", "{config}: render: expected a mapping of render keys, got 5"),
        ("em.tol=[1", "--set: em.tol: expected valid YAML, got '[1'"),
    ],
)
def test_bad_set_is_one_config_error_line(runner, small_config, assignment, line):
    for command in (["fit"], ["render", "-q"]):
        result = runner.invoke(app, [*command, str(small_config), "--set", assignment])
        assert result.exit_code == 2
        lines = error_lines(result)
        assert len(lines) == 1 and lines[0].startswith("Error: " + line.format(config=small_config)), lines


def test_batch_checks_every_config_before_rendering_any(runner, small_config, write_config, tmp_path):
    bad = write_config(small_config.read_text() + "bogus: 1\n", "bad.yaml")
    gallery = tmp_path / "gallery"
    result = runner.invoke(app, ["render", str(small_config), str(bad), "-o", str(gallery), "-q"])
    assert result.exit_code == 2
    assert error_lines(result)[0].startswith(f"Error: {bad}: bogus: unknown key")
    assert not gallery.exists()


def test_batch_refuses_two_configs_writing_one_file(runner, small_config, tmp_path):
    twin = tmp_path / "twin" / "small.yaml"
    twin.parent.mkdir()
    twin.write_text(small_config.read_text())
    gallery = tmp_path / "gallery"
    result = runner.invoke(app, ["render", str(small_config), str(twin), "-o", f"{gallery}/", "-q"])
    assert result.exit_code == 2
    assert error_lines(result) == [
        f"Error: {twin}: render.output: expected an output of its own, got {gallery / 'small.gif'}, "
        f"which {small_config} writes too (rename one config)"
    ]


def test_batch_with_overrides_and_a_format(runner, small_config, write_config, tmp_path):
    other = write_config(small_config.read_text(), "other.yaml")
    gallery = tmp_path / "gallery"
    result = runner.invoke(
        app, ["render", str(small_config), str(other), "-o", f"{gallery}/", "-f", "webp", "--set", "iterations=1", "-q"]
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(path.name for path in gallery.iterdir()) == ["other.webp", "small.webp"]
    with Image.open(gallery / "other.webp") as webp:
        assert webp.n_frames == 2


# ---------------------------------------------------------------------------
# A snappy command line: --help and validate import neither numpy nor matplotlib


def run_fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)


FRESH_CLI = """\
import sys
from gmm_anim.cli import app
try:
    app({argv!r})
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
assert not heavy, f"imported {{heavy}}"
"""


@pytest.mark.parametrize(
    "argv, heavy",
    [
        pytest.param(["--help"], ["matplotlib", "numpy", "pydantic", "yaml"], id="--help"),
        # Typer itself brings pydantic in to parse a command's parameters
        pytest.param(["render", "--help"], ["matplotlib", "numpy"], id="render --help"),
        pytest.param(["init", "--help"], ["matplotlib", "numpy"], id="init --help"),
    ],
)
@pytest.mark.slow
def test_help_imports_neither_numpy_nor_matplotlib(argv, heavy):
    # each of them costs 0.1-0.4 s of start-up that --help does not need
    finished = run_fresh(FRESH_CLI.format(argv=argv, heavy=heavy))
    assert finished.returncode == 0, finished.stderr
    assert "Usage: " in finished.stdout


@pytest.mark.slow
def test_validate_does_not_import_matplotlib():
    finished = run_fresh(FRESH_CLI.format(argv=["validate", str(SEED_CONFIG)], heavy=["matplotlib"]))
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == f"ok: {SEED_CONFIG}\n"


@pytest.mark.slow
def test_python_m_gmm_anim_is_the_same_program():
    finished = subprocess.run([sys.executable, "-m", "gmm_anim", "--version"], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert re.fullmatch(r"gmm-anim \S+ \(numpy \S+, matplotlib \S+, pillow \S+\)\n", finished.stdout)


def test_validate_reads_the_data_file_and_checks_its_dimension(runner, write_config, tmp_path):
    (tmp_path / "points.csv").write_text("x,y,z\n1,2,3\n4,5,6\n7,8,9\n")
    config = write_config("data: points.csv\nweights: [1.0]\nmeans: [[0, 0]]\ncovariances: [1.0]\n")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 2 and result.stdout == ""
    assert error_lines(result) == [f"Error: {config}: data: expected points of dimension 2 (as means), got 3 columns"]


def test_fit_ignores_limits_that_only_rendering_needs(runner, write_config, tmp_path):
    huge_animation = "iterations: 10000\nrender: {width: 4096, height: 4096}\n" + "\n".join(
        ["weights: [0.5, 0.5]", "means: [[0, 0], [3, 3]]", "covariances: [1.0, 0.5]", "em: {tol: 0.01}", ""]
    )
    config = write_config(huge_animation)
    assert runner.invoke(app, ["fit", str(config), "--json"]).exit_code == 0
    for command in (["validate"], ["render", "-o", str(tmp_path / "never.gif")]):
        result = runner.invoke(app, [*command, str(config)])
        assert result.exit_code == 2
        assert error_lines(result)[0].startswith(f"Error: {config}: render.width: expected at most ")
    assert not (tmp_path / "never.gif").exists()


def test_a_path_with_a_line_break_still_gives_one_error_line(runner, tmp_path):
    missing = tmp_path / "two\nlines.yaml"
    result = runner.invoke(app, ["validate", str(missing)])
    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "two\\nlines.yaml" in lines[0]


def test_fit_table_shows_the_final_parameters_and_the_match(runner):
    table = runner.invoke(app, ["fit", str(SEED_CONFIG)])
    document = json.loads(runner.invoke(app, ["fit", str(SEED_CONFIG), "--json"]).stdout)
    assert table.exit_code == 0, table.stderr
    final = document["iterations"][-1]
    for k, (weight, mean) in enumerate(zip(final["weights"], final["means"]), start=1):
        row = f"{k:>9}  {weight:>8.4f}  [{mean[0]:.4f}, {mean[1]:.4f}]"
        assert any(line.startswith(row) for line in table.stdout.splitlines()), row
    pairs = [f"true {j} = fitted {k + 1}" for j, k in enumerate(document["match"]["permutation"], start=1)]
    assert "matched to the truth: " + ", ".join(pairs) in table.stdout
