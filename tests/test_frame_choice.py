"""Which iterations become frames (render.frames), the default frame rate with tween, and tween titles."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SMALL_CONFIG, TRUTH, full_redraw, make_history, make_points, options
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from gmm_anim import pipeline
from gmm_anim.cli import app
from gmm_anim.config import load_config, parse_value
from gmm_anim.config.field_checks import EveryNth, frames_missed, shown_iterations
from gmm_anim.config.limits import MAX_FRAMES, workload
from gmm_anim.drawing.frames import FrameRenderer, count_frames, render_frames
from gmm_anim.errors import ConfigError

# ---------------------------------------------------------------------------
# The iterations each form shows


def test_all_shows_every_iteration():
    assert shown_iterations("all", 4) == (0, 1, 2, 3, 4)
    assert shown_iterations("all", 0) == (0,)


def test_log_shows_every_early_iteration_then_a_quarter_more_each_time():
    assert shown_iterations("log", 40) == (*range(11), 13, 17, 22, 28, 35, 40)
    assert shown_iterations("log", 7) == tuple(range(8))
    shown = np.array(shown_iterations("log", 10_000))
    late = shown[11:-1]
    assert late.tolist() == [s + (s + 3) // 4 for s in shown[10:-2]]  # each the one before plus a quarter, up
    assert (late[1:] / late[:-1] < 1.32).all() and len(shown) < 50


def test_every_n_counts_from_zero_and_ends_on_the_last():
    assert shown_iterations(EveryNth(5), 12) == (0, 5, 10, 12)
    assert shown_iterations(EveryNth(5), 10) == (0, 5, 10)
    assert shown_iterations(EveryNth(50), 12) == (0, 12)
    assert shown_iterations(EveryNth(1), 3) == (0, 1, 2, 3)


def test_a_list_drops_iterations_past_the_last_and_always_shows_the_last():
    assert shown_iterations((2, 5, 30), 12) == (2, 5, 12)
    assert shown_iterations((0, 12), 12) == (0, 12)
    assert frames_missed((20, 30), 12, "why") is not None
    assert frames_missed((12, 30), 12, "why") is None and frames_missed("log", 0, "why") is None


@given(
    st.one_of(
        st.sampled_from(["all", "log"]),
        st.integers(1, 30).map(EveryNth),
        st.lists(st.integers(0, 200), min_size=1).map(lambda xs: tuple(sorted(set(xs)))),
    ),
    st.integers(0, 150),
    st.integers(0, 150),
)
def test_stopping_early_never_shows_more_iterations(frames, iterations, stop):
    """The limits count the frames from ``iterations`` before the fit: an upper bound for any early stop."""
    last = min(stop, iterations)
    if frames_missed(frames, last, "") is not None:
        return
    shown = shown_iterations(frames, last)
    assert shown[-1] == last and list(shown) == sorted(set(shown))
    assert len(shown) <= len(shown_iterations(frames, iterations))


# ---------------------------------------------------------------------------
# The config


@pytest.mark.parametrize(
    "text, expected",
    [
        ("log", "log"),
        ("{every: 3}", EveryNth(3)),
        ("[9, 2, 2, 0]", (0, 2, 9)),  # sorted, repeats dropped
    ],
)
def test_frames_forms_in_a_file_and_as_an_override(write_config, text, expected):
    path = write_config(SMALL_CONFIG.replace("render:\n", f"render:\n  frames: {text}\n"))
    assert load_config(path).render.frames == expected
    value = parse_value(text, source="--set", field="render.frames")
    overridden = load_config(write_config(SMALL_CONFIG, "plain.yaml"), {"render.frames": value})
    assert overridden.render.frames == expected
    assert hash(overridden.render) == hash(load_config(path).render)  # render options stay hashable


def test_the_frame_limit_counts_the_frames_shown(write_config):
    text = SMALL_CONFIG.replace("iterations: 4", "iterations: 10000").replace("render:\n", "render:\n  tween: 100\n")
    with pytest.raises(ConfigError) as caught:
        pipeline.load_config(write_config(text))
    assert caught.value.field == "render.tween"
    cfg = pipeline.load_config(write_config(text.replace("tween: 100\n", "tween: 100\n  frames: log\n"), "log.yaml"))
    shown = len(shown_iterations("log", 10000))
    assert workload(cfg).n_frames == (shown - 1) * 101 + 1 < MAX_FRAMES


def test_a_frame_limit_refusal_says_how_many_iterations_are_shown(write_config):
    text = SMALL_CONFIG.replace("iterations: 4", "iterations: 10000").replace("render:\n", "render:\n  tween: 5\n")
    with pytest.raises(ConfigError) as caught:
        pipeline.load_config(write_config(text.replace("tween: 5\n", "tween: 5\n  frames: {every: 2}\n")))
    assert caught.value.field == "render.tween"
    assert "(5001 iterations shown (render.frames): 5000 x (tween 5 + 1) + 1)" in caught.value.message


# ---------------------------------------------------------------------------
# Frame counts: count_frames, the frames drawn and the file written agree


def small_run(write_config, frames: object, *, iterations: int = 12, tween: int = 0, tol: float | None = None):
    document = yaml.safe_load(SMALL_CONFIG)
    document["iterations"] = iterations
    document["render"].update({"frames": frames, "tween": tween, "width": 96, "height": 80})
    if tol is not None:
        document["em"] = {"tol": tol}
    cfg = pipeline.load_config(write_config(yaml.safe_dump(document)))
    X, _ = pipeline.sample(cfg)
    return X, pipeline.fit(X, cfg), cfg


FORMS = {"all": ("all", 13), "log": ("log", 12), "every": ({"every": 5}, 4), "list": ([7, 3, 30], 3)}


@pytest.mark.parametrize("tween", [0, 2])
@pytest.mark.parametrize("form", FORMS)
def test_gif_frames_equal_count_frames(write_config, tmp_path, form, tween):
    frames, shown = FORMS[form]
    X, history, cfg = small_run(write_config, frames, tween=tween)
    expected = (shown - 1) * (tween + 1) + 1
    assert count_frames(history, cfg.render) == expected == workload(cfg).n_frames
    written = pipeline.render(X, history, cfg, tmp_path / "out.gif")
    with Image.open(written) as gif:
        assert gif.n_frames == expected


@pytest.mark.parametrize("suffix", [".webp", ""])
def test_every_format_writes_count_frames(write_config, tmp_path, suffix):
    X, history, cfg = small_run(write_config, {"every": 4}, tween=1)
    written = pipeline.render(X, history, cfg, tmp_path / f"out{suffix}")
    if suffix:
        with Image.open(written) as webp:
            assert webp.n_frames == count_frames(history, cfg.render) == 7
    else:
        assert len(list(written.glob("*.png"))) == count_frames(history, cfg.render) == 7


def test_the_last_iteration_is_shown_when_tol_stops_early(write_config):
    X, history, cfg = small_run(write_config, {"every": 7}, iterations=40, tol=1e-3)
    last = history.n_iterations
    assert history.converged and 0 < last < 40 and last % 7, "a stop that {every: 7} would not reach"
    renderer = FrameRenderer(X, history, cfg.render)
    assert renderer._shown == (*range(0, last, 7), last)
    frames = list(render_frames(X, history, cfg.render))
    assert len(frames) == count_frames(history, cfg.render) == len(renderer._shown)
    renderer.draw(len(frames) - 1)
    assert renderer.title.text == f"GMM fitting with EM: iteration {last}"


def test_cli_counts_the_frames_shown(runner, small_config, tmp_path):
    output = tmp_path / "out.gif"
    result = runner.invoke(app, ["render", str(small_config), "-o", str(output), "--set", "render.frames=[0, 2]"])
    assert result.exit_code == 0, result.stderr
    assert "(4 iterations, 3 frames)" in result.stderr
    with Image.open(output) as gif:
        assert gif.n_frames == 3


# ---------------------------------------------------------------------------
# Drawing sparse frames


def test_tween_titles_say_between_which_shown_iterations():
    history = make_history(n_iterations=10)
    renderer = FrameRenderer(make_points(), history, options(frames=[0, 5, 10], tween=1), truth=TRUTH)
    titles = []
    for frame in range(count_frames(history, renderer._options)):
        renderer.draw(frame)
        titles.append(renderer.title.text.removeprefix("GMM fitting with EM: iteration "))
    assert titles == ["0", "0 -> 5", "5", "5 -> 10", "10"]


def test_tween_title_fields_take_format_specs_and_the_log_likelihood_left():
    history = make_history(n_iterations=2)
    title = "it {iteration:02d} ({iteration!s}), ll {log_likelihood:.1f}"
    renderer = FrameRenderer(make_points(), history, options(title=title, tween=3), truth=TRUTH)
    renderer.draw(2)
    assert renderer.title.text == "it 00 -> 01 (0 -> 1), ll -1000.0"
    renderer.draw(4)
    assert renderer.title.text == "it 01 (1), ll -876.5"


def test_the_panel_follows_the_iterations_between_shown_ones():
    history = make_history(n_iterations=8)
    renderer = FrameRenderer(make_points(), history, options(frames={"every": 4}, tween=1, loglik=True))
    assert renderer.panel is not None
    renderer.draw(1)  # halfway from 0 to 4
    xs, ys = renderer.panel.line.get_data()
    assert list(xs) == [0, 1, 2]
    np.testing.assert_allclose(ys, history.log_likelihood[:3] / 150)
    renderer.draw(2)
    assert list(renderer.panel.line.get_data()[0]) == [0, 1, 2, 3, 4]


def test_sparse_tween_frames_blit_exactly():
    history = dataclasses.replace(make_history(n_iterations=9), converged=True)
    opts = options(frames=[0, 4, 9], tween=2, loglik=True, width=320, height=240)
    renderer, twin = (FrameRenderer(make_points(), history, opts, truth=TRUTH) for _ in range(2))
    for frame in (0, 1, 5, count_frames(history, opts) - 1):
        np.testing.assert_array_equal(renderer.draw(frame), full_redraw(twin, frame))


def test_a_list_past_an_early_stop_names_render_frames():
    history = make_history(n_iterations=4)
    with pytest.raises(ConfigError) as caught:
        render_frames(make_points(), history, options(frames=[9]), source="c.yaml")
    assert (caught.value.source, caught.value.field) == ("c.yaml", "render.frames")
    assert caught.value.message.startswith("expected at least one iteration number from 0 to 4 (the fit's last")


# ---------------------------------------------------------------------------
# Frames per second


def test_the_default_frame_rate_follows_tween():
    assert options().frame_rate == 3.0
    assert options(tween=3).frame_rate == 12.0
    assert options(tween=20).frame_rate == 50.0  # at most 50
    assert options(tween=3, fps=5).frame_rate == 5.0


def gif_durations(path: Path) -> list[int]:
    with Image.open(path) as gif:
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
        return durations


@pytest.mark.parametrize(
    "arguments, frame_ms",
    [
        ([], 80),  # 3 x (3 + 1) = 12 frames per second: 83 ms, rounded to 80
        (["--fps", "5"], 200),
        (["--set", "render.fps=4"], 250),
    ],
)
def test_an_explicit_fps_wins_over_the_tween_default(runner, write_config, tmp_path, arguments, frame_ms):
    text = SMALL_CONFIG.replace("iterations: 4", "iterations: 2").replace("render:\n", "render:\n  tween: 3\n")
    output = tmp_path / "out.gif"
    result = runner.invoke(app, ["render", str(write_config(text)), "-o", str(output), "-q", *arguments])
    assert result.exit_code == 0, result.stderr
    durations = gif_durations(output)
    assert len(durations) == 9 and set(durations[:-1]) == {frame_ms}


def test_fps_in_the_file_wins_over_the_tween_default(write_config):
    text = SMALL_CONFIG.replace("render:\n", "render:\n  tween: 3\n  fps: 2\n")
    assert load_config(write_config(text)).render.frame_rate == 2.0
