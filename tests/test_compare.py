"""compare: runs side by side on the same points; each run's numbers are its own config's.

The grid's reference image is tests/images/compare_grid.png; after a
deliberate change of the look, regenerate it with
``MPLBACKEND=Agg python tests/test_compare.py`` and look at it first.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ONE_D, SEED_CONFIG, SMALL_CONFIG, THREE_D, TRUTH, make_history, make_points, options
from PIL import Image

from gmm_anim import pipeline
from gmm_anim.cli import app
from gmm_anim.drawing.comparison import (
    ComparisonRenderer,
    comparison_key_colours,
    count_comparison_frames,
    render_comparison,
)
from gmm_anim.drawing.frames import count_frames
from gmm_anim.drawing.grid import grid_shape
from gmm_anim.drawing.stills import Still, comparison_still_figure
from gmm_anim.errors import ConfigError, GmmAnimWarning
from gmm_anim.history import History, Mixture
from gmm_anim.write.sinks import write_animation

IMAGES = Path(__file__).resolve().parent / "images"

COMPARE = """\
compare:
  - label: random
  - label: kmeans++ (3 steps)
    em: {init: kmeans++}
    iterations: 3
  - label: two, tied
    em: {components: 2, covariance_type: tied, tol: 0.01}
"""
# The overrides each run above stands for, as --set would give them.
RUN_OVERRIDES = [
    {},
    {"em.init": "kmeans++", "iterations": 3},
    {"em.components": 2, "em.covariance_type": "tied", "em.tol": 0.01},
]


@pytest.fixture
def compare_config(write_config) -> Path:
    return write_config(SMALL_CONFIG + COMPARE, "compare.yaml")


def test_each_run_equals_the_fit_of_its_own_config(compare_config: Path):
    cfg = pipeline.load_config(compare_config, render=False)
    X, _ = pipeline.sample(cfg)
    document = pipeline.summarize_runs(X, pipeline.fit_runs(X, cfg), cfg)
    assert [run["label"] for run in document["runs"]] == ["random", "kmeans++ (3 steps)", "two, tied"]
    for run, overrides in zip(document["runs"], RUN_OVERRIDES):
        alone = pipeline.load_config(compare_config, {**overrides, "compare": None}, render=False)
        X_alone, _ = pipeline.sample(alone)
        expected = pipeline.summarize(X_alone, pipeline.fit(X_alone, alone), alone)
        assert {key: value for key, value in run.items() if key != "label"} == expected


def test_each_runs_fit_json_equals_the_separate_fit_json(compare_config: Path, runner):
    result = runner.invoke(app, ["fit", str(compare_config), "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    for run, overrides in zip(runs, RUN_OVERRIDES):
        sets = [f"--set={key}={value}" for key, value in {**overrides, "compare": "null"}.items()]
        alone = runner.invoke(app, ["fit", str(compare_config), "--json", *sets])
        assert alone.exit_code == 0, alone.output
        assert run == {"label": run["label"], **json.loads(alone.stdout)}


def test_limits_hold_every_run_and_count_the_longest_runs_frames(compare_config: Path):
    from gmm_anim.config.limits import estimate_memory, workload

    cfg = pipeline.load_config(compare_config)
    work = workload(cfg)
    assert (work.n_components, work.n_iterations, work.n_frames) == (3 + 3 + 2, 4, 5)
    one = workload(pipeline.load_config(compare_config, {"compare": [{"label": "a"}]}))
    assert one.n_components == 3
    assert estimate_memory(work)["history"] == 8 * 5 * 8 * (4 + 2 + 1)


def test_frames_may_list_iterations_only_a_longer_run_reaches(small_config: Path):
    runs = [{"label": "short"}, {"label": "long", "iterations": 9}]
    cfg = pipeline.load_config(small_config, {"compare": runs, "render.frames": [0, 8]})
    X, _ = pipeline.sample(cfg)
    assert count_comparison_frames(pipeline.fit_runs(X, cfg), cfg.render) == 3  # 0, 8 and the last, 9


def test_a_runs_warning_names_the_run():
    cfg = pipeline.load_config(SEED_CONFIG, {"compare": [{"label": "five", "em": {"components": 5}}]})
    X, _ = pipeline.sample(cfg)
    with pytest.warns(GmmAnimWarning, match=r"^compare\[0\] \(five\): component 1 collapsed"):
        pipeline.fit_runs(X, cfg)


def test_best_runs_are_the_lowest_bic_and_aic(compare_config: Path, runner):
    result = runner.invoke(app, ["fit", str(compare_config), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    for key in ("bic", "aic"):
        assert document["best"][key] == int(np.argmin([run[key] for run in document["runs"]]))


def test_fit_table_has_a_row_per_run_and_marks_the_best(compare_config: Path, runner):
    result = runner.invoke(app, ["fit", str(compare_config)])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert sum(row.startswith(("random ", "kmeans++ (3 steps) ", "two, tied ")) for row in rows) == 3
    assert rows[-1].startswith("* lowest BIC: ")
    assert sum(row.count("*") for row in rows[3:6]) == 2
    assert "max mean error" in rows[2]


def test_compare_option_makes_one_run_per_value(small_config: Path, runner):
    result = runner.invoke(app, ["fit", str(small_config), "--json", "--compare", "em.components=[1, 2, 3]"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    assert [run["label"] for run in runs] == ["em.components = 1", "em.components = 2", "em.components = 3"]
    assert [run["n_components"] for run in runs] == [1, 2, 3]


def test_runs_may_set_the_components_that_data_needs(tmp_path: Path, write_config):
    np.savetxt(tmp_path / "points.csv", np.arange(40.0).reshape(20, 2) % 7, delimiter=",")
    path = write_config("data: points.csv\niterations: 2\n", "own.yaml")
    cfg = pipeline.load_config(path, {"compare": [{"label": f"K={k}", "em": {"components": k}} for k in (1, 2)]})
    assert [run.n_components for _, run in cfg.runs] == [1, 2]


@pytest.mark.parametrize(
    ("compare", "field", "message"),
    [
        ([], "compare", "expected 1 to 12 runs, got 0"),
        ([{"label": str(i)} for i in range(13)], "compare", "expected 1 to 12 runs, got 13"),
        ([{"label": "a", "seed": 3}], "compare[0].seed", "expected only label, em, iterations in a compare run"),
        ([{"label": "a", "em": {"init": "best"}}], "compare[0].em.init", "expected one of 'random'"),
        ([{"label": "a", "em": {"init": "explicit"}}], "compare[0].em.initial", "expected weights, means"),
        ([{"label": "a", "iterations": -1}], "compare[0].iterations", "expected an integer from 0"),
        ([{"em": {"init": "kmeans++"}}], "compare[0].label", "expected a label naming the run"),
    ],
)
def test_bad_compare_entries_name_their_field(small_config: Path, compare, field, message):
    with pytest.raises(ConfigError) as error:
        pipeline.load_config(small_config, {"compare": compare})
    assert error.value.field == field
    assert error.value.message.startswith(message)


@pytest.mark.parametrize("value", ["[1, 2]", "3"])
def test_compare_option_needs_an_em_key_or_iterations_and_a_list(small_config: Path, runner, value):
    key = "render.fps" if value == "[1, 2]" else "em.components"
    result = runner.invoke(app, ["fit", str(small_config), "--compare", f"{key}={value}"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: --compare: {key}: expected ")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("entry", "line"),
    [
        ("[]", "compare: expected 1 to 12 runs, got 0"),
        ("[" + ", ".join(f"{{label: r{i}}}" for i in range(13)) + "]", "compare: expected 1 to 12 runs, got 13"),
        ("[{label: a}, {label: b, render: {width: 90}}]", "compare[1].render: expected only label, em, iterations"),
    ],
)
def test_console_script_refuses_bad_compare_with_one_error_line(write_config, entry: str, line: str):
    path = write_config(SMALL_CONFIG + f"compare: {entry}\n")
    finished = subprocess.run(
        [sys.executable, "-m", "gmm_anim", "render", str(path), "-o", str(path.with_suffix(".gif"))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert finished.stderr.startswith(f"Error: {path}: {line}")
    assert finished.stderr.count("\n") == 1
    assert not path.with_suffix(".gif").exists()


# ---------------------------------------------------------------------------
# The grid of panels


def two_runs(n_long: int = 4, n_short: int = 2) -> tuple[np.ndarray, list[History]]:
    """Points, a run of ``n_long`` iterations and one that converged after ``n_short``."""
    long = make_history(TRUTH, n_long)
    short = dataclasses.replace(make_history(TRUTH, n_short), converged=True)
    return make_points(TRUTH, 120), [long, short]


@pytest.mark.parametrize(
    "fields",
    [{}, {"tween": 2}, {"half_steps": True}, {"frames": [0, 1, 3]}, {"loglik": True, "tween": 1}],
    ids=["plain", "tween", "half_steps", "frames", "loglik"],
)
def test_frame_count_is_the_longest_runs_and_equals_the_frames_drawn(fields):
    X, histories = two_runs()
    opts = options(width=240, height=180, **fields)
    frames = list(render_comparison(X, histories, ["long", "short"], opts, truth=TRUTH, best=1))
    assert len(frames) == count_comparison_frames(histories, opts) == count_frames(histories[0], opts)
    assert {frame.shape for frame in frames} == {(180, 240, 3)}


@pytest.mark.parametrize("suffix", [".gif", ".webp", ""])
def test_each_format_decodes_to_the_frames_counted(tmp_path: Path, suffix: str):
    X, histories = two_runs(5, 1)
    opts = options(width=160, height=120, tween=1)
    n_frames = count_comparison_frames(histories, opts)
    path = write_animation(
        render_comparison(X, histories, ["a", "b"], opts, best=0),
        tmp_path / f"grid{suffix}",
        format="auto",
        fps=5.0,
        hold=0.0,
        n_frames=n_frames,
        key_colours=comparison_key_colours(histories, opts),
    )
    if suffix:
        with Image.open(path) as image:
            assert image.n_frames == n_frames == 11
    else:
        assert len(list(path.glob("*.png"))) == n_frames


@pytest.mark.slow
def test_mp4_decodes_to_the_frames_counted_and_the_hold(tmp_path: Path):
    import imageio_ffmpeg

    X, histories = two_runs(5, 1)
    opts = options(width=160, height=120)
    n_frames = count_comparison_frames(histories, opts)
    path = write_animation(
        render_comparison(X, histories, ["a", "b"], opts, best=0),
        tmp_path / "grid.mp4",
        format="mp4",
        fps=4.0,
        hold=1.0,
        n_frames=n_frames,
    )
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == n_frames + 4


def panel_pixels(renderer: ComparisonRenderer, frame: np.ndarray, run: int) -> np.ndarray:
    box = renderer.axes[run].get_window_extent()
    height = frame.shape[0]
    return frame[int(height - box.y1) : int(height - box.y0), int(box.x0) : int(box.x1)]


def test_a_converged_runs_panel_stops_changing_and_says_so():
    X, histories = two_runs(5, 2)
    renderer = ComparisonRenderer(X, histories, ["long", "short"], options(width=320, height=200), truth=TRUTH)
    frames = [renderer.draw(f) for f in range(len(renderer.plan))]
    held = [panel_pixels(renderer, frame, 1) for frame in frames[2:-1]]  # the last frame recolours the truth
    assert all(np.array_equal(held[0], pixels) for pixels in held[1:])
    moving = [panel_pixels(renderer, frame, 0) for frame in frames[2:-1]]
    assert not np.array_equal(moving[0], moving[-1])
    renderer.update(1)
    assert "converged" not in renderer.panel_titles[1].get_text()
    renderer.update(3)
    assert renderer.panel_titles[1].get_text().endswith(" (converged)")
    assert renderer.panel_titles[0].get_text() == f"long\nlog L = {histories[0].log_likelihood[3]:.1f}"


def test_the_last_frame_marks_the_lowest_bic_run():
    X, histories = two_runs()
    renderer = ComparisonRenderer(X, histories, ["a", "b"], options(width=240, height=180), best=0)
    renderer.update(len(renderer.plan) - 1)
    assert renderer.panel_titles[0].get_text().startswith("a · lowest BIC\n")
    assert "lowest BIC" not in renderer.panel_titles[1].get_text()
    renderer.update(0)
    assert "lowest BIC" not in renderer.panel_titles[0].get_text()


def test_panels_share_limits_and_one_legend():
    X, histories = two_runs()
    wide = make_history(Mixture(TRUTH.weights, TRUTH.means * 2, TRUTH.covariances), 3)
    renderer = ComparisonRenderer(X, [*histories, wide], ["a", "b", "c"], options(width=300, height=300), truth=TRUTH)
    limits = {(axes.get_xlim(), axes.get_ylim()) for axes in renderer.axes}
    assert len(limits) == 1
    assert len(renderer.figure.legends) == 1


@pytest.mark.parametrize(
    ("truth", "fields"), [(ONE_D, {}), (THREE_D, {"dims": (0, 2)}), (TRUTH, {"loglik": True, "density": True})]
)
def test_one_feature_dims_and_loglik_draw(truth: Mixture, fields: dict):
    histories = [make_history(truth, 3), dataclasses.replace(make_history(truth, 1), converged=True)]
    opts = options(width=300, height=220, **fields)
    frames = list(render_comparison(make_points(truth, 100), histories, ["a", "b"], opts, truth=truth, best=0))
    assert len(frames) == 4
    assert not np.array_equal(frames[0], frames[-1])


@pytest.mark.parametrize(
    ("n_panels", "width", "height", "shape"),
    [(2, 600, 300, (1, 2)), (2, 300, 600, (2, 1)), (6, 600, 400, (2, 3)), (4, 600, 600, (2, 2))],
)
def test_grid_columns_follow_the_frames_shape(n_panels, width, height, shape):
    assert grid_shape(n_panels, width, height, 1.0) == shape


def test_grid_matches_its_reference_image(tmp_path: Path):
    from matplotlib.testing.compare import compare_images

    expected = IMAGES / "compare_grid.png"
    actual = tmp_path / "compare_grid.png"
    Image.fromarray(reference_grid()).save(actual)
    assert Image.open(actual).size == Image.open(expected).size
    assert compare_images(str(expected), str(actual), tol=3.0) is None


def reference_grid() -> np.ndarray:
    """The last frame of three runs (one converged early) with the log-likelihood panel, 420 x 320."""
    X, histories = two_runs()
    third = make_history(Mixture(np.array([0.5, 0.5]), TRUTH.means[:2], TRUTH.covariances[:2]), 3)
    opts = options(width=420, height=320, loglik=True, sigmas=(1.0, 2.0))
    renderer = ComparisonRenderer(X, [*histories, third], ["K = 3", "K = 3, tol", "K = 2"], opts, truth=TRUTH, best=1)
    return renderer.draw(len(renderer.plan) - 1)


# ---------------------------------------------------------------------------
# Stills and the render command


def test_stills_draw_a_row_of_run_panels_per_frame():
    X, histories = two_runs(4, 1)
    figure = comparison_still_figure(X, histories, ["long", "short"], options(), [Still(0), Still(3)], truth=TRUTH)
    titles = [axes.get_title() for axes in figure.axes]
    assert titles == ["long\nL = 0", "short\nL = 0", "long\nL = 3", "short\nL = 3 (converged)"]
    assert len({(axes.get_xlim(), axes.get_ylim()) for axes in figure.axes}) == 1


def test_stills_refuse_frames_past_the_longest_run():
    X, histories = two_runs(4, 1)
    with pytest.raises(ConfigError, match="--at"):
        comparison_still_figure(X, histories, ["a", "b"], options(), [Still(5)])


@pytest.mark.slow
def test_render_and_stills_commands_with_compare(small_config: Path, tmp_path: Path, runner):
    gif = tmp_path / "runs.gif"
    result = runner.invoke(
        app, ["render", str(small_config), "-o", str(gif), "--compare", "em.init=[random, kmeans++]"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"wrote {gif} (2 runs, up to 4 iterations, 5 frames)")
    with Image.open(gif) as image:
        assert image.size == (160, 120) and image.n_frames == 5
    figure = tmp_path / "runs.svg"
    result = runner.invoke(
        app, ["stills", str(small_config), "--at", "0,4", "-o", str(figure), "--compare", "iterations=[2, 4]"]
    )
    assert result.exit_code == 0, result.output
    assert figure.read_text().count("iterations = 2") == 2


if __name__ == "__main__":  # regenerate the reference image; look at it before committing it
    Image.fromarray(reference_grid()).save(IMAGES / "compare_grid.png")
